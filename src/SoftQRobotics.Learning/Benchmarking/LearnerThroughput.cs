using System.Diagnostics;
using SoftQRobotics.Core;
using SoftQRobotics.Learning.Agents;
using SoftQRobotics.Learning.Blas;
using SoftQRobotics.Learning.Replay;

namespace SoftQRobotics.Learning.Benchmarking;

/// <summary>A network configuration of the paper's runs (the full-budget configs in configs/).</summary>
public sealed record LearnerConfig(string Name, int ObservationSize, int ActionSize, int[] Hidden, int Particles, int ValueParticles)
{
    /// <summary>multigoal, swimmer and ant (pretraining) as the authors ran them.</summary>
    public static readonly LearnerConfig[] Canonical =
    [
        new("multigoal", 2, 2, [100, 100], 100, 99),
        new("swimmer", 10, 2, [200, 200], 16, 100),
        new("ant", 125, 8, [200, 200], 32, 50),
    ];
}

/// <summary>Learner throughput of one configuration, against OpenBLAS sgemm measured in the same run.</summary>
/// <param name="SqlStepsPerSecond">SQL gradient steps per second (batch 64)</param>
/// <param name="DdpgStepsPerSecond">DDPG gradient steps per second, same networks</param>
/// <param name="SqlFlopsPerStep">matrix-product FLOPs in one SQL step (recorded from the step's sgemm calls)</param>
/// <param name="GflopsAchieved">SqlFlopsPerStep × SqlStepsPerSecond</param>
/// <param name="SgemmGflops">sgemm alone, replaying exactly the step's sequence of products (shapes and transposes)</param>
/// <param name="FlopRateFraction">achieved ÷ sgemm</param>
/// <param name="BytesAllocatedPerStep">managed bytes allocated per SQL gradient step</param>
/// <param name="OpenBlasCore">the OpenBLAS kernel family in use</param>
/// <param name="Peak">the core's FP32 FMA peak, measured in the same run</param>
/// <param name="SqlStepsPerSecond2Threads">SQL gradient steps per second with the critic's and the sampler's parts on two threads</param>
/// <param name="BytesAllocatedPerStep2Threads">managed bytes allocated per two-thread SQL step, by all threads of the process</param>
public sealed record LearnerThroughputResult(
    string Config, double SqlStepsPerSecond, double DdpgStepsPerSecond, double SqlFlopsPerStep, double GflopsAchieved,
    double SgemmGflops, double FlopRateFraction, double BytesAllocatedPerStep, string OpenBlasCore, FmaPeakResult Peak,
    double SqlStepsPerSecond2Threads, double BytesAllocatedPerStep2Threads)
{
    /// <summary>The SQL step's achieved rate ÷ the core's peak.</summary>
    public double PeakFraction => GflopsAchieved / Peak.Gflops;
}

/// <summary>Quick learner benchmark on random replay data (the cost of a step does not depend on the data).</summary>
public static class LearnerThroughput
{
    /// <summary>Times SQL and DDPG steps of <paramref name="config"/>, sgemm on the same products and the FMA peak, interleaved.</summary>
    public static LearnerThroughputResult Measure(LearnerConfig config, int steps = 30, int batchSize = 64)
    {
        var sqlSettings = new SqlSettings { HiddenSizes = config.Hidden, Particles = config.Particles, ValueParticles = config.ValueParticles, BatchSize = batchSize };
        var sql = new SoftQLearning(config.ObservationSize, config.ActionSize, sqlSettings, seed: 1);
        var sql2 = new SoftQLearning(config.ObservationSize, config.ActionSize, sqlSettings, seed: 1, threads: 2);
        var ddpg = new Ddpg(config.ObservationSize, config.ActionSize, new DdpgSettings { HiddenSizes = config.Hidden, BatchSize = batchSize }, seed: 1);
        var batch = RandomBatch(config, batchSize);

        // warm-up (JIT, first touches); record one step's products to replay them alone
        sql.Update(batch);
        sql2.Update(batch);
        ddpg.Update(batch);
        OpenBlas.Recorder = [];
        sql.Update(batch);
        var shapes = OpenBlas.Recorder.ToArray();
        OpenBlas.Recorder = null;
        var replay = new SgemmReplay(shapes);
        double flops = shapes.Sum(g => g.Flops);

        // interleaved rounds: SQL steps, then sgemm alone on the same products, so both see the same machine
        int rounds = Math.Max(1, steps / 6), perRound = Math.Max(1, steps / rounds);
        var sqlRates = new double[rounds];
        var sql2Rates = new double[rounds];
        long allocated2 = 0;
        var sgemmRates = new double[rounds];
        var fractions = new double[rounds];
        long allocated = 0;
        for (int r = 0; r < rounds; r++)
        {
            long start = Stopwatch.GetTimestamp();
            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < perRound; i++) sql.Update(batch);
            allocated += GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            double sqlSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            double sgemmSeconds = Time(() => { for (int i = 0; i < perRound; i++) replay.Run(); });
            long totalBefore = GC.GetTotalAllocatedBytes(precise: true);
            double sql2Seconds = Time(() => { for (int i = 0; i < perRound; i++) sql2.Update(batch); });
            allocated2 += GC.GetTotalAllocatedBytes(precise: true) - totalBefore;
            sql2Rates[r] = perRound / sql2Seconds;
            (sqlRates[r], sgemmRates[r], fractions[r]) = (perRound / sqlSeconds, flops * perRound / sgemmSeconds / 1e9, sgemmSeconds / sqlSeconds);
        }
        double ddpgSeconds = Time(() => { for (int i = 0; i < steps * 4; i++) ddpg.Update(batch); });

        double sqlRate = Median(sqlRates);
        return new LearnerThroughputResult(config.Name, sqlRate, steps * 4 / ddpgSeconds, flops, flops * sqlRate / 1e9, Median(sgemmRates),
            Median(fractions), allocated / (double)(rounds * perRound), OpenBlas.CoreName, FmaPeak.Measure(),
            Median(sql2Rates), allocated2 / (double)(rounds * perRound));
    }

    /// <summary>sgemm alone on a recorded sequence of products (fresh operands, same shapes and transposes).</summary>
    private sealed class SgemmReplay(IReadOnlyList<GemmShape> shapes)
    {
        private readonly (float[] A, float[] B, float[] C)[] _operands = shapes.Select(g =>
        {
            var a = new float[g.M * g.K];
            var b = new float[g.K * g.N];
            new Rng(3).FillUniform(a, -1, 1);
            new Rng(4).FillUniform(b, -1, 1);
            return (a, b, new float[g.M * g.N]);
        }).ToArray();

        public void Run()
        {
            for (int i = 0; i < shapes.Count; i++)
            {
                var g = shapes[i];
                var (a, b, c) = _operands[i];
                OpenBlas.Sgemm(g.TransA, g.TransB, g.M, g.N, g.K, 1f, a, g.TransA ? g.M : g.K, b, g.TransB ? g.K : g.N, 0f, c, g.N);
            }
        }
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }

    private static TransitionBatch RandomBatch(LearnerConfig config, int n)
    {
        var rng = new Rng(7);
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
