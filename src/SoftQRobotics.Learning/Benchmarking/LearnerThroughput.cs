using System.Diagnostics;
using SoftQRobotics.Core;
using SoftQRobotics.Learning.Agents;
using SoftQRobotics.Learning.Blas;
using SoftQRobotics.Learning.Replay;
using SoftQRobotics.Learning.Nn;

namespace SoftQRobotics.Learning.Benchmarking;

/// <summary>A network configuration of the paper's runs (the full-budget configs in configs/).</summary>
public sealed record LearnerConfig(string Name, int ObservationSize, int ActionSize, int[] Hidden, int Particles, int ValueParticles)
{
    /// <summary>multigoal, swimmer, ant (pretraining) and the ant maze as the authors ran them.</summary>
    public static readonly LearnerConfig[] Canonical =
    [
        new("multigoal", 2, 2, [100, 100], 100, 99),
        new("swimmer", 10, 2, [200, 200], 16, 100),
        new("ant", 125, 8, [200, 200], 32, 50),
        new("ant-maze", 125, 8, [100, 100], 32, 50),
    ];
}

/// <summary>Learner throughput of one configuration on one GEMM backend, against that backend's sgemm measured in the same run.</summary>
/// <param name="SqlStepsPerSecond">SQL gradient steps per second (batch 64)</param>
/// <param name="DdpgStepsPerSecond">DDPG gradient steps per second, same networks</param>
/// <param name="SqlFlopsPerStep">matrix-product FLOPs in one SQL step (recorded from the step's sgemm calls)</param>
/// <param name="GflopsAchieved">SqlFlopsPerStep × SqlStepsPerSecond</param>
/// <param name="SgemmGflops">sgemm alone, replaying exactly the step's sequence of products (shapes and transposes)</param>
/// <param name="FlopRateFraction">achieved ÷ sgemm</param>
/// <param name="BytesAllocatedPerStep">managed bytes allocated per SQL gradient step</param>
/// <param name="OpenBlasCore">the OpenBLAS kernel family in use</param>
/// <param name="Peak">the core's FP32 FMA peak, measured in the same run</param>
/// <param name="SqlStepsPerSecond2Threads">SQL gradient steps per second with the minibatch's two halves on two threads</param>
/// <param name="BytesAllocatedPerStep2Threads">managed bytes allocated per two-thread SQL step, by both of its threads</param>
/// <param name="Backend">the GEMM backend measured (<see cref="Gemm.NameOf"/>)</param>
/// <param name="BackendDescription">its library, version and kernels</param>
public sealed record LearnerThroughputResult(
    string Config, double SqlStepsPerSecond, double DdpgStepsPerSecond, double SqlFlopsPerStep, double GflopsAchieved,
    double SgemmGflops, double FlopRateFraction, double BytesAllocatedPerStep, string OpenBlasCore, FmaPeakResult Peak,
    double SqlStepsPerSecond2Threads, double BytesAllocatedPerStep2Threads, string Backend, string BackendDescription)
{
    /// <summary>The SQL step's achieved rate ÷ the core's peak.</summary>
    public double PeakFraction => GflopsAchieved / Peak.Gflops;

    /// <summary>sgemm on two threads at once, each replaying the step's products, in GFLOP/s summed over both (0: not measured).</summary>
    public double SgemmGflops2Threads { get; init; }

    /// <summary>The FMA peak of two threads at once, GFLOP/s summed over both (<see cref="FmaPeak.MeasureTwoThreads"/>; 0: not measured).</summary>
    public double PeakGflops2Threads { get; init; }

    /// <summary>Two-thread SQL steps ÷ one-thread steps.</summary>
    public double SqlThreadScaling => SqlStepsPerSecond2Threads / SqlStepsPerSecond;

    /// <summary>What two threads give sgemm alone on the same products: the machine's ceiling for <see cref="SqlThreadScaling"/>.</summary>
    public double SgemmThreadScaling => SgemmGflops2Threads / SgemmGflops;

    /// <summary>What two threads give the FMA loop: the cores' own ceiling (below 2 where the vCPUs share a core or the clock drops).</summary>
    public double PeakThreadScaling => PeakGflops2Threads / Peak.Gflops;

    /// <summary>The backend <c>SOFTQ_GEMM=auto</c> picks for this configuration's SQL updates (null: not asked).</summary>
    public GemmChoice? AutoSql { get; init; }

    /// <summary>The backend <c>SOFTQ_GEMM=auto</c> picks for its DDPG updates (null: not asked).</summary>
    public GemmChoice? AutoDdpg { get; init; }
}

/// <summary>Quick learner benchmark on random replay data (the cost of a step does not depend on the data).</summary>
public static class LearnerThroughput
{
    /// <summary>Times SQL and DDPG steps of <paramref name="config"/>, sgemm on the same products and the FMA peak, interleaved, on the active GEMM backend.</summary>
    public static LearnerThroughputResult Measure(LearnerConfig config, int steps = 30, int batchSize = 64) =>
        Measure(config, [Gemm.Active], steps, batchSize)[0];

    /// <summary>
    /// The same on each of <paramref name="backends"/>, interleaved round by round (every backend's SQL
    /// steps, its sgemm replay on one thread and on two, its two-thread steps and DDPG steps, and the
    /// FMA peak on one thread and on two, then the next round), so that ratios between backends hold
    /// even on a machine whose load changes. Leaves the last backend active.
    /// </summary>
    /// <exception cref="DllNotFoundException">a backend's library is not installed.</exception>
    public static LearnerThroughputResult[] Measure(LearnerConfig config, IReadOnlyList<GemmBackend> backends, int steps = 30, int batchSize = 64)
    {
        var sqlSettings = new SqlSettings { HiddenSizes = config.Hidden, Particles = config.Particles, ValueParticles = config.ValueParticles, BatchSize = batchSize };
        var batch = RandomBatch(config, batchSize);
        int rounds = Math.Max(1, steps / 6), perRound = Math.Max(1, steps / rounds);
        var lanes = backends.Select(backend =>
        {
            Gemm.Use(backend);
            var lane = new Lane(backend,
                new SoftQLearning(config.ObservationSize, config.ActionSize, sqlSettings, seed: 1),
                new SoftQLearning(config.ObservationSize, config.ActionSize, sqlSettings, seed: 1, threads: 2),
                new Ddpg(config.ObservationSize, config.ActionSize, new DdpgSettings { HiddenSizes = config.Hidden, BatchSize = batchSize }, seed: 1), rounds);
            // warm-up (JIT, oneDNN's kernel generation, first touches, the worker thread's first waits)
            for (int i = 0; i < 2; i++)
            {
                lane.Sql.Update(batch);
                lane.Sql2.Update(batch);
                lane.Ddpg.Update(batch);
            }
            return lane;
        }).ToArray();

        // one step's products, recorded to replay them alone (the same sequence on every backend)
        Gemm.Recorder = [];
        lanes[0].Sql.Update(batch);
        var shapes = Gemm.Recorder.ToArray();
        Gemm.Recorder = null;
        var replay = new GemmReplay(shapes);
        var replayBeside = new GemmReplay(shapes);   // the second thread's own operands
        var pair = new ParallelPair();
        double flops = replay.Flops;

        // settle the heap first: building the agents' workspaces (tens of MB) sets off a background
        // collection, and one finishing inside a timed round moves the thread's allocation counter by
        // its unused allocation quantum (~8 KB) although no step allocated anything
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        var peaks = new FmaPeakResult[rounds];
        var peaks2 = new double[rounds];
        for (int r = 0; r < rounds; r++)
        {
            foreach (var lane in lanes)
            {
                Gemm.Use(lane.Backend);
                long start = Stopwatch.GetTimestamp();
                long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < perRound; i++) lane.Sql.Update(batch);
                lane.Allocated += GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
                double sqlSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
                double sgemmSeconds = Time(() => { for (int i = 0; i < perRound; i++) replay.Run(); });
                var backend = lane.Backend;
                double sgemm2Seconds = Time(() => pair.Run(
                    () => { for (int i = 0; i < perRound; i++) replayBeside.Run(backend); },
                    () => { for (int i = 0; i < perRound; i++) replay.Run(backend); }));
                // both learner threads' allocations: this one's and the update's worker's
                long callerBefore = GC.GetAllocatedBytesForCurrentThread(), workerBefore = lane.Sql2.WorkerAllocatedBytes;
                long start2 = Stopwatch.GetTimestamp();
                for (int i = 0; i < perRound; i++) lane.Sql2.Update(batch);
                double sql2Seconds = Stopwatch.GetElapsedTime(start2).TotalSeconds;
                lane.Allocated2 += GC.GetAllocatedBytesForCurrentThread() - callerBefore + lane.Sql2.WorkerAllocatedBytes - workerBefore;
                double ddpgSeconds = Time(() => { for (int i = 0; i < 4 * perRound; i++) lane.Ddpg.Update(batch); });
                lane.SqlRates[r] = perRound / sqlSeconds;
                lane.Sql2Rates[r] = perRound / sql2Seconds;
                lane.DdpgRates[r] = 4 * perRound / ddpgSeconds;
                lane.SgemmRates[r] = flops * perRound / sgemmSeconds / 1e9;
                lane.Sgemm2Rates[r] = 2 * flops * perRound / sgemm2Seconds / 1e9;
                lane.Fractions[r] = sgemmSeconds / sqlSeconds;
            }
            peaks[r] = FmaPeak.Measure(rounds: 1);
            peaks2[r] = FmaPeak.MeasureTwoThreads(pair, rounds: 1);
        }

        var peak = new FmaPeakResult(Median(peaks.Select(p => p.Gflops).ToArray()), peaks[0].VectorBits);
        return lanes.Select(lane =>
        {
            double sqlRate = Median(lane.SqlRates);
            return new LearnerThroughputResult(config.Name, sqlRate, Median(lane.DdpgRates), flops, flops * sqlRate / 1e9, Median(lane.SgemmRates),
                Median(lane.Fractions), lane.Allocated / (double)(rounds * perRound), OpenBlas.CoreName, peak,
                Median(lane.Sql2Rates), lane.Allocated2 / (double)(rounds * perRound), Gemm.NameOf(lane.Backend), Gemm.Describe(lane.Backend))
            {
                SgemmGflops2Threads = Median(lane.Sgemm2Rates),
                PeakGflops2Threads = Median(peaks2),
            };
        }).ToArray();
    }

    /// <summary>What <c>SOFTQ_GEMM=auto</c> (or a forcing SOFTQ_GEMM) picks for <paramref name="config"/>'s SQL and DDPG updates (<see cref="GemmSelection"/>, cached per machine).</summary>
    public static (GemmChoice Sql, GemmChoice Ddpg) AutoChoice(LearnerConfig config, int batchSize = 64, string? cacheFile = null)
    {
        var batch = RandomBatch(config, batchSize);
        var sqlSettings = new SqlSettings { HiddenSizes = config.Hidden, Particles = config.Particles, ValueParticles = config.ValueParticles, BatchSize = batchSize };
        var sql = GemmSelection.Choose("sql", () => GemmSelection.RecordUpdate(new SoftQLearning(config.ObservationSize, config.ActionSize, sqlSettings, seed: 1), batch), cacheFile);
        var ddpg = GemmSelection.Choose("ddpg", () => GemmSelection.RecordUpdate(
            new Ddpg(config.ObservationSize, config.ActionSize, new DdpgSettings { HiddenSizes = config.Hidden, BatchSize = batchSize }, seed: 1), batch), cacheFile);
        return (sql, ddpg);
    }

    /// <summary>One backend's agents and per-round measurements.</summary>
    private sealed class Lane(GemmBackend backend, SoftQLearning sql, SoftQLearning sql2, Ddpg ddpg, int rounds)
    {
        public GemmBackend Backend { get; } = backend;
        public SoftQLearning Sql { get; } = sql;
        public SoftQLearning Sql2 { get; } = sql2;
        public Ddpg Ddpg { get; } = ddpg;
        public readonly double[] SqlRates = new double[rounds], Sql2Rates = new double[rounds], DdpgRates = new double[rounds],
            SgemmRates = new double[rounds], Sgemm2Rates = new double[rounds], Fractions = new double[rounds];
        public long Allocated, Allocated2;
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }

    /// <summary>A minibatch of uniform random transitions of <paramref name="config"/>'s shapes (a step's cost does not depend on the data).</summary>
    public static TransitionBatch RandomBatch(LearnerConfig config, int n, ulong seed = 0)
    {
        var rng = new Rng(7 + seed);
        var batch = new TransitionBatch(n, config.ObservationSize, config.ActionSize);
        rng.FillUniform(batch.Observations, -1, 1);
        rng.FillUniform(batch.Actions, -1, 1);
        rng.FillUniform(batch.Rewards, -1, 1);
        rng.FillUniform(batch.NextObservations, -1, 1);
        return batch;
    }

    private static double Time(Action run)
    {
        long start = Stopwatch.GetTimestamp();
        run();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}
