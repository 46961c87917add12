using System.Diagnostics;
using SoftQRobotics.Core;
using SoftQRobotics.Gpu.Agents;
using SoftQRobotics.Gpu.Device;
using SoftQRobotics.Learning.Agents;
using SoftQRobotics.Learning.Benchmarking;
using SoftQRobotics.Learning.Replay;

namespace SoftQRobotics.Gpu.Benchmarking;

/// <summary>GPU learner throughput of one configuration at one seed count.</summary>
/// <param name="Config">the network configuration's name</param>
/// <param name="Seeds">S, agents updated together</param>
/// <param name="SqlStepsPerSecond">batched SQL updates per second (each one gradient step of every seed)</param>
/// <param name="DdpgStepsPerSecond">batched DDPG updates per second</param>
/// <param name="SqlLaunchesPerStep">kernel launches and cuBLAS calls per SQL update (all seeds; on CUDA replayed as one graph unless SOFTQ_CUDA_GRAPHS=0)</param>
/// <param name="DdpgLaunchesPerStep">the same per DDPG update</param>
/// <param name="SqlFlopsPerStep">matrix-product FLOPs of one SQL update, all seeds</param>
/// <param name="GemmTflops">the step's own products alone (same shapes, transposes and seed batching), replayed</param>
/// <param name="BytesAllocatedPerStep">managed bytes the host allocated per SQL update</param>
/// <param name="Device">the device, driver and cuBLAS</param>
public sealed record GpuLearnerThroughputResult(string Config, int Seeds, double SqlStepsPerSecond, double DdpgStepsPerSecond,
    double SqlLaunchesPerStep, double DdpgLaunchesPerStep, double SqlFlopsPerStep, double GemmTflops, double BytesAllocatedPerStep, string Device, bool Graphs)
{
    /// <summary>Seed-steps per second: S × <see cref="SqlStepsPerSecond"/>.</summary>
    public double SqlSeedStepsPerSecond => Seeds * SqlStepsPerSecond;
    /// <summary>S × <see cref="DdpgStepsPerSecond"/>.</summary>
    public double DdpgSeedStepsPerSecond => Seeds * DdpgStepsPerSecond;
    /// <summary>Achieved matrix-product rate of the SQL update, TFLOP/s.</summary>
    public double TflopsAchieved => SqlFlopsPerStep * SqlStepsPerSecond / 1e12;
}

/// <summary>The GPU engine's learner benchmark on random replay data (a step's cost does not depend on the data).</summary>
public static class GpuLearnerThroughput
{
    /// <summary>Times <paramref name="steps"/> batched SQL and DDPG updates of <paramref name="config"/> at each seed count, and the SQL step's products alone.</summary>
    public static IEnumerable<GpuLearnerThroughputResult> Measure(GpuDevice device, LearnerConfig config, IReadOnlyList<int> seedCounts, int steps, int batchSize = 64)
    {
        foreach (int seeds in seedCounts)
        {
            ulong[] seedList = [.. Enumerable.Range(0, seeds).Select(i => (ulong)i)];
            var batches = Enumerable.Range(0, seeds).Select(i => LearnerThroughput.RandomBatch(config, batchSize, (ulong)i)).ToArray();
            var stats = new UpdateStats[seeds];
            double sqlRate, sqlLaunches, sqlFlops, gemmTflops, bytes;
            using (var sql = new SeedBatchedSoftQLearning(device, config.ObservationSize, config.ActionSize,
                       new SqlSettings { HiddenSizes = config.Hidden, Particles = config.Particles, ValueParticles = config.ValueParticles, BatchSize = batchSize }, seedList))
            {
                // the third update is the one a CUDA graph captures: its products are recorded as it enqueues them
                for (int i = 0; i < 2; i++) sql.Update(batches);
                device.GemmRecorder = [];
                sql.Update(batches);
                var shapes = device.GemmRecorder.ToArray();
                device.GemmRecorder = null;
                for (int i = 0; i < 2; i++) sql.Update(batches);
                sqlFlops = shapes.Sum(g => g.Flops);
                sql.ReadStatistics(stats);
                var clock = new Stopwatch();
                long allocated = GC.GetAllocatedBytesForCurrentThread();
                clock.Start();
                for (int i = 0; i < steps; i++) sql.Update(batches);
                sql.ReadStatistics(stats);
                sqlRate = steps / clock.Elapsed.TotalSeconds;
                bytes = (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)steps;
                sqlLaunches = sql.LaunchesPerUpdate;
                gemmTflops = ReplayProducts(device, shapes, steps) / 1e12;
            }
            double ddpgRate, ddpgLaunches;
            using (var ddpg = new SeedBatchedDdpg(device, config.ObservationSize, config.ActionSize,
                       new DdpgSettings { HiddenSizes = config.Hidden, BatchSize = batchSize }, seedList))
            {
                for (int i = 0; i < 3; i++) ddpg.Update(batches);
                ddpg.ReadStatistics(stats);
                var clock = Stopwatch.StartNew();
                for (int i = 0; i < 4 * steps; i++) ddpg.Update(batches);
                ddpg.ReadStatistics(stats);
                ddpgRate = 4 * steps / clock.Elapsed.TotalSeconds;
                ddpgLaunches = ddpg.LaunchesPerUpdate;
            }
            yield return new GpuLearnerThroughputResult(config.Name, seeds, sqlRate, ddpgRate, sqlLaunches, ddpgLaunches, sqlFlops, gemmTflops, bytes, device.Description, device.Kind == DeviceKind.Cuda && device.UsesGraphs);
        }
    }

    /// <summary>FLOP/s of the recorded products replayed alone on fresh operands, <paramref name="rounds"/> times.</summary>
    private static double ReplayProducts(GpuDevice device, BatchedGemmShape[] shapes, int rounds)
    {
        var operands = shapes.Select(g =>
        {
            var (m, n, k) = (g.Shape.M, g.Shape.N, g.Shape.K);
            return (A: device.Allocate((long)m * k * g.Seeds, "bench operands"), B: device.Allocate((long)k * n * g.Seeds, "bench operands"), C: device.Allocate((long)m * n * g.Seeds, "bench operands"));
        }).ToArray();
        try
        {
            void Run()
            {
                for (int i = 0; i < shapes.Length; i++)
                {
                    var (shape, seeds) = (shapes[i].Shape, shapes[i].Seeds);
                    var (a, b, c) = operands[i];
                    device.Gemm(shape.TransA, shape.TransB, shape.M, shape.N, shape.K, 1f, new SeedTensor(a, 0, (long)shape.M * shape.K), shape.TransA ? shape.M : shape.K,
                        new SeedTensor(b, 0, (long)shape.K * shape.N), shape.TransB ? shape.K : shape.N, 0f, new SeedTensor(c, 0, (long)shape.M * shape.N), shape.N, seeds);
                }
            }
            Run();
            device.Synchronize();
            var clock = Stopwatch.StartNew();
            for (int r = 0; r < rounds; r++) Run();
            device.Synchronize();
            return shapes.Sum(g => g.Flops) * rounds / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            foreach (var (a, b, c) in operands)
            {
                a.Dispose();
                b.Dispose();
                c.Dispose();
            }
        }
    }
}
