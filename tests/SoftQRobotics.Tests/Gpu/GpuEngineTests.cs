using SoftQRobotics.Core;
using SoftQRobotics.Gpu.Agents;
using SoftQRobotics.Gpu.Benchmarking;
using SoftQRobotics.Learning.Benchmarking;
using SoftQRobotics.Gpu.Device;
using SoftQRobotics.Learning.Agents;
using SoftQRobotics.Learning.Nn;
using SoftQRobotics.Learning.Replay;
using SoftQRobotics.Tests.Learning;
using Xunit.Abstractions;

namespace SoftQRobotics.Tests.Gpu;

/// <summary>One device for the class: opening it compiles every kernel. <c>SOFTQ_TEST_DEVICE=cuda</c> runs the same tests on a GPU (cuBLAS).</summary>
public sealed class DeviceFixture : IDisposable
{
    public DeviceFixture()
    {
        var kind = Environment.GetEnvironmentVariable("SOFTQ_TEST_DEVICE") is "cuda" ? DeviceKind.Cuda : DeviceKind.CpuAccelerator;
        Device = GpuDevice.Open(kind);
    }

    public GpuDevice Device { get; }

    public void Dispose() => Device.Dispose();
}

/// <summary>
/// The GPU engine's SQL and DDPG updates against the CPU engine's, seed by seed, and against the
/// double-precision references (<see cref="ReferenceSoftQ"/>, <see cref="ReferenceDdpg"/>), on ILGPU's CPU
/// accelerator here (kernels as the GPU runs them; products by the CPU engine's GEMM).
/// </summary>
/// <remarks>
/// Tolerance: against the double-precision reference, the budget of <see cref="WholeUpdateTests"/>,
/// |Δθ| ≤ T = 2·10⁻⁴·lr·u after u updates (every Adam step moves a parameter by at most ~lr). Engine
/// against engine: 2T, since each may be T from the reference. The two sum in different orders (the
/// GPU's Stein direction adds κ_jk·(g_j − αc₁(u_j − u_k)) pair by pair, the CPU engine multiplies
/// κ·[G | U − ū]). Seed 22 on its batches is the case that found the CPU engine's old form,
/// (κU)_k − u_k·Σ_j κ_jk on uncentred particles, 2.5·10⁻⁶ from the reference after 3 updates (T = 1.8·10⁻⁶);
/// both engines are now within 10⁻⁸ of it, and the test checks both.
/// </remarks>
public class GpuEngineTests(DeviceFixture fixture, ITestOutputHelper output) : IClassFixture<DeviceFixture>
{
    private const int Obs = 3, Act = 2, N = 4, K = 5, Kv = 6, TargetInterval = 2;
    private static readonly int[] Hidden = [8, 8];
    private const float QRate = 1e-3f, PolicyRate = 3e-3f;
    private const double ToleranceFactor = 2e-4;

    private static SqlSettings SqlSettings(double alpha = 0.7) => new()
    {
        HiddenSizes = Hidden, Particles = K, ValueParticles = Kv, Alpha = alpha, Discount = 0.99, BatchSize = N,
        TargetUpdateInterval = TargetInterval, QLearningRate = QRate, PolicyLearningRate = PolicyRate,
    };

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 1)]
    [InlineData(3, 3)]
    public void SoftQLearning_EachSeedEqualsTheCpuEngineWithThatSeed(int seeds, int updates)
    {
        ulong[] seedList = [.. Enumerable.Range(0, seeds).Select(i => 21UL + (ulong)i)];
        using var gpu = new SeedBatchedSoftQLearning(fixture.Device, Obs, Act, SqlSettings(), seedList);
        var cpu = seedList.Select(seed => new SoftQLearning(Obs, Act, SqlSettings(), seed, maxActBatch: 8)).ToArray();
        var gpuStats = new UpdateStats[seeds];
        for (int u = 0; u < updates; u++)
        {
            var batches = Enumerable.Range(0, seeds).Select(s => Batch(u, s)).ToArray();
            gpu.Update(batches);
            gpu.ReadStatistics(gpuStats);
            for (int s = 0; s < seeds; s++)
            {
                var expected = cpu[s].Update(batches[s]);
                Assert.Equal(expected.QLoss, gpuStats[s].QLoss, 1e-4 * Math.Max(1, expected.QLoss));
                Assert.Equal(expected.MeanQ, gpuStats[s].MeanQ, 1e-5);
                Assert.Equal(expected.MeanTarget, gpuStats[s].MeanTarget, 1e-4);
                Assert.Equal(expected.SteinDirectionNorm, gpuStats[s].SteinDirectionNorm, 1e-4 * expected.SteinDirectionNorm);
            }
        }
        for (int s = 0; s < seeds; s++)
        {
            var expected = cpu[s].SaveState().ToDictionary(t => t.Name, t => t.Values);
            var actual = gpu.SaveState(s).ToDictionary(t => t.Name, t => t.Values);
            AssertClose($"seed {s} Q", expected["q"], actual["q"], 2 * QRate * updates);
            AssertClose($"seed {s} Q̄", expected["q_target"], actual["q_target"], 2 * QRate * updates);
            AssertClose($"seed {s} f", expected["sampler"], actual["sampler"], 2 * PolicyRate * updates);
            AssertClose($"seed {s} f̄", expected["sampler_target"], actual["sampler_target"], 2 * PolicyRate * updates);
            Assert.Equal(expected["rng"], actual["rng"]);
            Assert.Equal(expected["counter/updates"], actual["counter/updates"]);
        }
    }

    [Theory]
    [InlineData(31UL, 0)]
    [InlineData(22UL, 1)]
    public void SoftQLearning_MatchesTheDoublePrecisionReference(ulong seed, int batchSeed)
    {
        const int updates = 3;
        using var gpu = new SeedBatchedSoftQLearning(fixture.Device, Obs, Act, SqlSettings(), [seed]);
        var cpu = new SoftQLearning(Obs, Act, SqlSettings(), seed, maxActBatch: 8);
        var state = gpu.SaveState(0).ToDictionary(t => t.Name, t => t.Values);
        int[] qSizes = [Obs + Act, .. Hidden, 1], fSizes = [Obs + Act, .. Hidden, Act];
        var reference = new ReferenceSoftQ(Obs, Act, N, K, Kv, 0.7, 0.99, TargetInterval,
            new ReferenceMlp(qSizes, false, Doubles(state["q"])), new ReferenceMlp(qSizes, false, Doubles(state["q_target"])),
            new ReferenceMlp(fSizes, false, Doubles(state["sampler"])), QRate, PolicyRate);
        var draws = new Rng(0) { State = BitPacking.ToUInt64(state["rng"]) };
        for (int u = 0; u < updates; u++)
        {
            var batch = Batch(u, batchSeed);
            var valueActions = new float[N * Kv * Act];
            var noise = new float[N * K * Act];
            draws.FillUniform(valueActions, -1f, 1f);
            draws.FillGaussian(noise);
            gpu.Update([batch]);
            cpu.Update(batch);
            reference.Update(ToReference(batch), Doubles(valueActions), Doubles(noise));
        }
        var after = gpu.SaveState(0).ToDictionary(t => t.Name, t => t.Values);
        AssertClose("Q", after["q"], reference.Q.Parameters, QRate * updates);
        AssertClose("f", after["sampler"], reference.F.Parameters, PolicyRate * updates);
        AssertClose("Q̄", after["q_target"], reference.QBar.Parameters, QRate * updates);
        AssertClose("the CPU engine's f", cpu.SaveState().Single(t => t.Name == "sampler").Values, reference.F.Parameters, PolicyRate * updates);
    }

    /// <summary>The bandwidth's order statistics for K = 1 (h = 0.1), an odd number of pairs (K = 3) and more particles than a CPU-accelerator thread group (K = 9: 81 distances for 16 threads).</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(9)]
    public void SoftQLearning_OtherParticleCounts_EqualTheCpuEngine(int particles)
    {
        const int updates = 2;
        var settings = SqlSettings() with { Particles = particles };
        using var gpu = new SeedBatchedSoftQLearning(fixture.Device, Obs, Act, settings, [81UL, 82UL]);
        var cpu = new[] { 81UL, 82UL }.Select(seed => new SoftQLearning(Obs, Act, settings, seed, maxActBatch: 8)).ToArray();
        for (int u = 0; u < updates; u++)
        {
            var batches = new[] { Batch(u, 0), Batch(u, 1) };
            gpu.Update(batches);
            for (int s = 0; s < 2; s++) cpu[s].Update(batches[s]);
        }
        for (int s = 0; s < 2; s++)
        {
            AssertClose($"K={particles} seed {s} f", cpu[s].SaveState().Single(t => t.Name == "sampler").Values,
                gpu.SaveState(s).Single(t => t.Name == "sampler").Values, 2 * PolicyRate * updates);
        }
    }

    [Fact]
    public void TheComparisonSeesABrokenUpdate_TwiceTheTemperatureDisagrees()
    {
        const int updates = 3;
        using var gpu = new SeedBatchedSoftQLearning(fixture.Device, Obs, Act, SqlSettings(), [41UL]);
        var cpu = new SoftQLearning(Obs, Act, SqlSettings(), 41, maxActBatch: 8) { Alpha = 1.4 };
        for (int u = 0; u < updates; u++)
        {
            var batch = Batch(u, 0);
            gpu.Update([batch]);
            cpu.Update(batch);
        }
        double worst = MaxDifference(cpu.SaveState().Single(t => t.Name == "sampler").Values, gpu.SaveState(0).Single(t => t.Name == "sampler").Values);
        output.WriteLine($"α×2 on the CPU side: max |Δf| = {worst:E2} (tolerance {ToleranceFactor * PolicyRate * updates:E2})");
        Assert.True(worst > ToleranceFactor * PolicyRate * updates);
    }

    [Fact]
    public void SoftQLearning_CheckpointRoundTripsThroughTheCpuEngine()
    {
        using var gpu = new SeedBatchedSoftQLearning(fixture.Device, Obs, Act, SqlSettings(), [51UL, 52UL]);
        gpu.Update([Batch(0, 0), Batch(0, 1)]);
        var saved = gpu.SaveState(1).ToDictionary(t => t.Name, t => t.Values);
        var cpu = new SoftQLearning(Obs, Act, SqlSettings(), 999, maxActBatch: 8);
        cpu.LoadState(saved, "gpu checkpoint");
        var reloaded = cpu.SaveState().ToDictionary(t => t.Name, t => t.Values);
        foreach (var (name, values) in saved) Assert.Equal(values, reloaded[name]);

        // and back: the CPU engine's state into seed 0 of a fresh GPU learner, then one more step on each
        using var gpu2 = new SeedBatchedSoftQLearning(fixture.Device, Obs, Act, SqlSettings(), [7UL]);
        gpu2.LoadState(0, reloaded, "cpu checkpoint");
        var batch = Batch(5, 0);
        cpu.Update(batch);
        gpu2.Update([batch]);
        AssertClose("f after resuming", cpu.SaveState().Single(t => t.Name == "sampler").Values, gpu2.SaveState(0).Single(t => t.Name == "sampler").Values, 2 * PolicyRate * 2);
    }

    private void AssertClose(string name, float[] expected, float[] actual, double stepBudget)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = MaxDifference(expected, actual);
        output.WriteLine($"{name}: {expected.Length} parameters, max |Δ| = {worst:E2} (tolerance {ToleranceFactor * stepBudget:E2})");
        Assert.True(worst <= ToleranceFactor * stepBudget, $"{name}: max |Δ| = {worst:E3} > {ToleranceFactor * stepBudget:E3}");
    }

    private void AssertClose(string name, float[] engine, double[] reference, double stepBudget) =>
        AssertClose(name, reference.Select(v => (float)v).ToArray(), engine, stepBudget);

    private static double MaxDifference(float[] a, float[] b) => a.Select((v, i) => Math.Abs(v - (double)b[i])).Max();

    /// <summary>A fixed minibatch per update and seed (the selftest's).</summary>
    internal static TransitionBatch Batch(int index, int seed) => GpuSelfTest.Batch(new LearnerConfig("test", Obs, Act, Hidden, K, Kv), N, index, seed);

    private static ReferenceBatch ToReference(TransitionBatch b) =>
        new(Doubles(b.Observations), Doubles(b.Actions), Doubles(b.Rewards), Doubles(b.NextObservations), Doubles(b.Terminals));

    private static double[] Doubles(float[] values) => values.Select(v => (double)v).ToArray();
}

/// <summary>The GPU engine's DDPG update against the CPU engine's, seed by seed, and against the double-precision reference (tolerances as in <see cref="GpuEngineTests"/>).</summary>
public class GpuDdpgTests(DeviceFixture fixture, ITestOutputHelper output) : IClassFixture<DeviceFixture>
{
    private const int Obs = 3, Act = 2, N = 4, TargetInterval = 2;
    private static readonly int[] Hidden = [8, 8];
    private const float QRate = 1e-3f, PolicyRate = 3e-3f;
    private const double ToleranceFactor = 2e-4;

    private static DdpgSettings Settings => new()
    {
        HiddenSizes = Hidden, Discount = 0.99, BatchSize = N, TargetUpdateInterval = TargetInterval, QLearningRate = QRate, PolicyLearningRate = PolicyRate,
    };

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 3)]
    public void Ddpg_EachSeedEqualsTheCpuEngineWithThatSeed(int seeds, int updates)
    {
        ulong[] seedList = [.. Enumerable.Range(0, seeds).Select(i => 61UL + (ulong)i)];
        using var gpu = new SeedBatchedDdpg(fixture.Device, Obs, Act, Settings, seedList);
        var cpu = seedList.Select(seed => new Ddpg(Obs, Act, Settings, seed, maxActBatch: 8)).ToArray();
        var stats = new UpdateStats[seeds];
        for (int u = 0; u < updates; u++)
        {
            var batches = Enumerable.Range(0, seeds).Select(s => GpuEngineTests.Batch(u, s)).ToArray();
            gpu.Update(batches);
            gpu.ReadStatistics(stats);
            for (int s = 0; s < seeds; s++)
            {
                var expected = cpu[s].Update(batches[s]);
                Assert.Equal(expected.QLoss, stats[s].QLoss, 1e-4 * Math.Max(1, expected.QLoss));
                Assert.Equal(expected.ActorLoss, stats[s].ActorLoss, 1e-5);
                Assert.Equal(expected.MeanQ, stats[s].MeanQ, 1e-5);
                Assert.Equal(expected.MeanTarget, stats[s].MeanTarget, 1e-4);
            }
        }
        for (int s = 0; s < seeds; s++)
        {
            var expected = cpu[s].SaveState().ToDictionary(t => t.Name, t => t.Values);
            var actual = gpu.SaveState(s).ToDictionary(t => t.Name, t => t.Values);
            foreach (var (name, rate) in new[] { ("q", QRate), ("q_target", QRate), ("actor", PolicyRate), ("actor_target", PolicyRate) })
            {
                double worst = expected[name].Select((v, i) => Math.Abs(v - (double)actual[name][i])).Max();
                output.WriteLine($"seed {s} {name}: max |Δ| = {worst:E2} (tolerance {2 * ToleranceFactor * rate * updates:E2})");
                Assert.True(worst <= 2 * ToleranceFactor * rate * updates, $"seed {s} {name}: max |Δ| = {worst:E3}");
            }
            Assert.Equal(expected["counter/updates"], actual["counter/updates"]);
        }
    }

    [Fact]
    public void Ddpg_MatchesTheDoublePrecisionReference()
    {
        const int updates = 3;
        using var gpu = new SeedBatchedDdpg(fixture.Device, Obs, Act, Settings, [71UL]);
        var state = gpu.SaveState(0).ToDictionary(t => t.Name, t => t.Values);
        var reference = new ReferenceDdpg(Obs, Act, N, 0.99, TargetInterval,
            new ReferenceMlp([Obs + Act, .. Hidden, 1], false, Doubles(state["q"])),
            new ReferenceMlp([Obs, .. Hidden, Act], true, Doubles(state["actor"])), QRate, PolicyRate);
        for (int u = 0; u < updates; u++)
        {
            var batch = GpuEngineTests.Batch(u, 0);
            gpu.Update([batch]);
            reference.Update(new ReferenceBatch(Doubles(batch.Observations), Doubles(batch.Actions), Doubles(batch.Rewards), Doubles(batch.NextObservations), Doubles(batch.Terminals)));
        }
        var after = gpu.SaveState(0).ToDictionary(t => t.Name, t => t.Values);
        foreach (var (name, expected, rate) in new[] { ("q", reference.Q.Parameters, QRate), ("actor", reference.Mu.Parameters, PolicyRate) })
        {
            double worst = after[name].Select((v, i) => Math.Abs(v - expected[i])).Max();
            output.WriteLine($"{name}: max |engine − reference| = {worst:E2} (tolerance {ToleranceFactor * rate * updates:E2})");
            Assert.True(worst <= ToleranceFactor * rate * updates, $"{name}: {worst:E3}");
        }
    }

    private static double[] Doubles(float[] values) => values.Select(v => (double)v).ToArray();
}

/// <summary>
/// SQL's diagnostic q_spread_over_alpha: the mean over states of the standard deviation over the K particles of
/// Q(s, a_k)/α. Before the first update the particles and Q do not depend on α, so doubling α halves it exactly
/// (up to rounding); the GPU engine's kernel computes the same value as the CPU engine; DDPG has none.
/// </summary>
public class QSpreadTests(DeviceFixture fixture) : IClassFixture<DeviceFixture>
{
    private static SqlSettings Settings(double alpha) => new()
    {
        HiddenSizes = [8, 8], Particles = 5, ValueParticles = 6, Alpha = alpha, BatchSize = 4, QInitializer = Initializer.Xavier, PolicyInitializer = Initializer.Xavier,
    };

    [Fact]
    public void Spread_ScalesAsOneOverAlpha_AndBothEnginesAgree()
    {
        var batch = GpuEngineTests.Batch(0, 0);
        var atOne = new SoftQLearning(3, 2, Settings(1.0), 5, maxActBatch: 8).Update(batch);
        var atTwo = new SoftQLearning(3, 2, Settings(2.0), 5, maxActBatch: 8).Update(batch);
        Assert.True(atOne.QSpreadOverAlpha > 1e-3 && double.IsFinite(atOne.QSpreadOverAlpha), $"{atOne.QSpreadOverAlpha}");   // particles spread by the Xavier sampler
        Assert.Equal(atOne.QSpreadOverAlpha / 2, atTwo.QSpreadOverAlpha, 1e-6 * atOne.QSpreadOverAlpha);

        using var gpu = new SeedBatchedSoftQLearning(fixture.Device, 3, 2, Settings(2.0), [5UL]);
        gpu.Update([batch]);
        var stats = new UpdateStats[1];
        gpu.ReadStatistics(stats);
        Assert.Equal(atTwo.QSpreadOverAlpha, stats[0].QSpreadOverAlpha, 1e-4 * atTwo.QSpreadOverAlpha);
        // the particles' side split and spread: the same particles on both engines (the CPU ones from the sampler, SteinSamplerTests)
        Assert.InRange(atTwo.ParticleMinorityFraction, 1e-3, 0.5);
        Assert.Equal(atTwo.ParticleMinorityFraction, stats[0].ParticleMinorityFraction, 1e-9);
        Assert.Equal(atTwo.ParticleActionStd, stats[0].ParticleActionStd, 1e-4 * atTwo.ParticleActionStd);

        var ddpg = new Ddpg(3, 2, new DdpgSettings { HiddenSizes = [8, 8], BatchSize = 4 }, 5, maxActBatch: 8).Update(batch);
        Assert.True(double.IsNaN(ddpg.QSpreadOverAlpha) && double.IsNaN(ddpg.ParticleMinorityFraction) && double.IsNaN(ddpg.ParticleActionStd));
    }
}
