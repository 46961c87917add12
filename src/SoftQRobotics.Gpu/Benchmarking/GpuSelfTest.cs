using SoftQRobotics.Core;
using SoftQRobotics.Gpu.Agents;
using SoftQRobotics.Gpu.Device;
using SoftQRobotics.Learning.Agents;
using SoftQRobotics.Learning.Benchmarking;
using SoftQRobotics.Learning.Replay;

namespace SoftQRobotics.Gpu.Benchmarking;

/// <summary>One check of <see cref="GpuSelfTest"/>: the largest difference found, what it may be, and the fraction of parameters within it.</summary>
public sealed record SelfTestCheck(string Name, double MaxDifference, double Tolerance, double FractionWithin, double RequiredFraction)
{
    /// <summary>Whether the check holds.</summary>
    public bool Passed => FractionWithin >= RequiredFraction;
}

/// <summary>
/// The GPU engine's updates against the CPU engine's on the same inputs, on the device at hand
/// (<c>softq selftest --device cuda</c>): the test suite's comparisons (small networks, 1 and 3 seeds, every
/// parameter within 2·T, T = 2·10⁻⁴·lr·updates, see tests/…/Gpu/GpuEngineTests.cs) and the paper's
/// full swimmer networks through cuBLAS (3 seeds, 3 updates, the third replayed from a CUDA graph: the step statistics within 10⁻³ relative,
/// and 99.9 % of parameters within 2·T — the rest are parameters whose gradient is float noise around 0,
/// where Adam's first step, ±lr, follows the noise's sign).
/// </summary>
public static class GpuSelfTest
{
    private const double ToleranceFactor = 2e-4;

    /// <summary>Runs every check on <paramref name="device"/>.</summary>
    public static IReadOnlyList<SelfTestCheck> Run(GpuDevice device)
    {
        var checks = new List<SelfTestCheck>();
        var small = new LearnerConfig("small", 3, 2, [8, 8], 5, 6);
        foreach (var (seeds, updates) in new[] { (1, 1), (3, 3) })
        {
            checks.AddRange(CompareSql(device, small, seeds, updates, batchSize: 4, requiredFraction: 1.0));
            checks.AddRange(CompareDdpg(device, small, seeds, updates, batchSize: 4, requiredFraction: 1.0));
        }
        var swimmer = LearnerConfig.Canonical.Single(c => c.Name == "swimmer");
        checks.AddRange(CompareSql(device, swimmer, 3, 3, batchSize: 64, requiredFraction: 0.999));
        checks.AddRange(CompareDdpg(device, swimmer, 3, 3, batchSize: 64, requiredFraction: 0.999));
        if (device.Kind == DeviceKind.Cuda) checks.Add(HostAllocations(device, small));
        return checks;
    }

    /// <summary>
    /// Managed bytes the host allocates in 20 SQL and 20 DDPG updates of 3 seeds, each with its statistics read
    /// back (as training does), after warm-up: 0 required.
    /// On CUDA only: ILGPU's CPU accelerator allocates its own task objects at every launch.
    /// </summary>
    private static SelfTestCheck HostAllocations(GpuDevice device, LearnerConfig config)
    {
        ulong[] seeds = [1, 2, 3];
        using var sql = new SeedBatchedSoftQLearning(device, config.ObservationSize, config.ActionSize,
            new SqlSettings { HiddenSizes = config.Hidden, Particles = config.Particles, ValueParticles = config.ValueParticles, BatchSize = 4 }, seeds);
        using var ddpg = new SeedBatchedDdpg(device, config.ObservationSize, config.ActionSize, new DdpgSettings { HiddenSizes = config.Hidden, BatchSize = 4 }, seeds);
        var batches = seeds.Select((_, s) => Batch(config, 4, 0, s)).ToArray();
        var stats = new UpdateStats[seeds.Length];
        for (int i = 0; i < 3; i++)
        {
            sql.Update(batches);
            ddpg.Update(batches);
        }
        sql.ReadStatistics(stats);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            sql.Update(batches);
            sql.ReadStatistics(stats);
            ddpg.Update(batches);
            ddpg.ReadStatistics(stats);
        }
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        sql.ReadStatistics(stats);
        return new SelfTestCheck("host bytes allocated in 20 SQL + 20 DDPG updates", bytes, 0, bytes == 0 ? 1 : 0, 1);
    }

    private static IEnumerable<SelfTestCheck> CompareSql(GpuDevice device, LearnerConfig config, int seeds, int updates, int batchSize, double requiredFraction)
    {
        var settings = new SqlSettings
        {
            HiddenSizes = config.Hidden, Particles = config.Particles, ValueParticles = config.ValueParticles, BatchSize = batchSize, Alpha = 0.7,
            TargetUpdateInterval = 2, QLearningRate = 1e-3f, PolicyLearningRate = 3e-3f,
        };
        ulong[] seedList = [.. Enumerable.Range(0, seeds).Select(i => 21UL + (ulong)i)];
        using var gpu = new SeedBatchedSoftQLearning(device, config.ObservationSize, config.ActionSize, settings, seedList);
        var cpu = seedList.Select(seed => (IAgent)new SoftQLearning(config.ObservationSize, config.ActionSize, settings, seed, maxActBatch: 1)).ToArray();
        return Compare($"SQL {config.Name} S={seeds} u={updates}", config, batchSize, updates, gpu, cpu,
            (expected, actual) => Math.Max(Relative(expected.QLoss, actual.QLoss), Math.Max(Relative(expected.SteinDirectionNorm, actual.SteinDirectionNorm), Relative(expected.MeanTarget, actual.MeanTarget))),
            [("q", settings.QLearningRate), ("sampler", settings.PolicyLearningRate)], requiredFraction);
    }

    private static IEnumerable<SelfTestCheck> CompareDdpg(GpuDevice device, LearnerConfig config, int seeds, int updates, int batchSize, double requiredFraction)
    {
        var settings = new DdpgSettings { HiddenSizes = config.Hidden, BatchSize = batchSize, TargetUpdateInterval = 2, QLearningRate = 1e-3f, PolicyLearningRate = 3e-3f };
        ulong[] seedList = [.. Enumerable.Range(0, seeds).Select(i => 61UL + (ulong)i)];
        using var gpu = new SeedBatchedDdpg(device, config.ObservationSize, config.ActionSize, settings, seedList);
        var cpu = seedList.Select(seed => (IAgent)new Ddpg(config.ObservationSize, config.ActionSize, settings, seed, maxActBatch: 1)).ToArray();
        return Compare($"DDPG {config.Name} S={seeds} u={updates}", config, batchSize, updates, gpu, cpu,
            (expected, actual) => Math.Max(Relative(expected.QLoss, actual.QLoss), Relative(expected.ActorLoss, actual.ActorLoss)),
            [("q", settings.QLearningRate), ("actor", settings.PolicyLearningRate)], requiredFraction);
    }

    /// <summary><paramref name="updates"/> updates of the device learner and of one CPU agent per seed on the same minibatches; the statistics' and the tensors' differences.</summary>
    private static SelfTestCheck[] Compare(string name, LearnerConfig config, int batchSize, int updates, ISeedBatchedLearner gpu, IAgent[] cpu,
        Func<UpdateStats, UpdateStats, double> statisticsDifference, (string Tensor, float Rate)[] tensors, double requiredFraction)
    {
        var stats = new UpdateStats[cpu.Length];
        double worstStat = 0;
        for (int u = 0; u < updates; u++)
        {
            var batches = Enumerable.Range(0, cpu.Length).Select(s => Batch(config, batchSize, u, s)).ToArray();
            gpu.Update(batches);
            gpu.ReadStatistics(stats);
            for (int s = 0; s < cpu.Length; s++) worstStat = Math.Max(worstStat, statisticsDifference(cpu[s].Update(batches[s]), stats[s]));
        }
        var statesOfSeeds = Enumerable.Range(0, cpu.Length).Select(s => (cpu[s].SaveState(), gpu.SaveState(s))).ToArray();
        return
        [
            new SelfTestCheck($"{name} step statistics (relative)", worstStat, 1e-3, worstStat <= 1e-3 ? 1 : 0, 1),
            .. tensors.Select(t => CompareTensor($"{name} {t.Tensor}", statesOfSeeds, t.Tensor, 2 * ToleranceFactor * t.Rate * updates, requiredFraction)),
        ];
    }

    private static SelfTestCheck CompareTensor(string name, IEnumerable<(IEnumerable<(string Name, float[] Values)> Cpu, IEnumerable<(string Name, float[] Values)> Gpu)> states,
        string tensor, double tolerance, double requiredFraction)
    {
        double worst = 0;
        long within = 0, total = 0;
        foreach (var (cpuState, gpuState) in states)
        {
            var expected = cpuState.Single(t => t.Name == tensor).Values;
            var actual = gpuState.Single(t => t.Name == tensor).Values;
            for (int i = 0; i < expected.Length; i++)
            {
                double difference = Math.Abs(expected[i] - (double)actual[i]);
                worst = Math.Max(worst, double.IsNaN(difference) ? double.PositiveInfinity : difference);
                within += difference <= tolerance ? 1 : 0;
                total++;
            }
        }
        return new SelfTestCheck(name, worst, tolerance, within / (double)total, requiredFraction);
    }

    private static double Relative(double expected, double actual) => Math.Abs(expected - actual) / Math.Max(1e-6, Math.Abs(expected));

    /// <summary>A fixed minibatch per update index and seed: states in (−1, 1), actions in (−0.9, 0.9), rewards in (−1, 2), a terminal in every other batch.</summary>
    public static TransitionBatch Batch(LearnerConfig config, int n, int index, int seed)
    {
        var rng = new Rng(1000 + (ulong)index + 100 * (ulong)seed);
        var batch = new TransitionBatch(n, config.ObservationSize, config.ActionSize);
        rng.FillUniform(batch.Observations, -1f, 1f);
        rng.FillUniform(batch.Actions, -0.9f, 0.9f);
        rng.FillUniform(batch.Rewards, -1f, 2f);
        rng.FillUniform(batch.NextObservations, -1f, 1f);
        if (index % 2 == 1) batch.Terminals[index % n] = 1;
        return batch;
    }
}
