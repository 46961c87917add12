using SoftQRobotics.Envs;
using SoftQRobotics.Envs.Vector;
using SoftQRobotics.Gpu.Agents;
using SoftQRobotics.Gpu.Device;
using SoftQRobotics.Pipelines;
using SoftQRobotics.Learning.Nn;
using SoftQRobotics.Pipelines.Sweeps;

namespace SoftQRobotics.Cli.Commands;

/// <summary>
/// <c>softq train --config C --seeds 0-9 [--device cpu|cuda]</c>: S seeds in one process, each in its own
/// run directory exactly like a single run's, the folder a sweep folder (<c>softq report</c> reads it,
/// <c>softq sweep --resume</c> continues unfinished seeds as local processes). On CUDA one
/// <see cref="DeviceAgentGroup"/> learns for every seed while each seed's trainer steps its env on its own
/// thread (docs/gpu.md, "Many seeds in one process"); on the CPU the seeds train side by side, one per core.
/// </summary>
internal static class SeedGroup
{
    public static int Train(string configFile, int[] seeds, DeviceKind? device, RunConfig settings, string? folder, string command)
    {
        if (seeds.Distinct().Count() != seeds.Length) throw new ArgumentException("--seeds: a seed is listed twice");
        string name = TrainCommand.ConfigName(configFile);
        var spec = TaskRegistry.Get(settings.Task).Spec;
        using var gpu = device is { } kind ? GpuDevice.Open(kind) : null;   // a missing GPU fails before any folder exists
        using var group = gpu is null ? null : new DeviceAgentGroup(gpu, spec.ObservationSize, spec.ActionSize, settings.Learner,
            [.. seeds.Select(AgentFactory.AgentSeed)], settings.Trainer.EvaluationEpisodes);

        var sweep = SweepDirectory.Plan(folder ?? Path.Combine("runs", $"{name}__seeds-{DateTime.Now:yyyyMMdd-HHmmss}"),
            new SweepManifest(name, SweepBackend.Batched, seeds, settings.Epochs, null, []));
        sweep.Write(configFile);
        sweep.AddSubmission(seeds, null);
        Console.Error.WriteLine($"seeds {string.Join(",", seeds)} in {sweep.Path} ({(gpu is null ? "CPU engine" : gpu.Description)})");
        var gemm = gpu is null ? TrainCommand.ChooseGemm(settings) : null;
        var runs = seeds.Select((seed, i) => TrainingRun.Start(settings with { Seed = seed }, name, sweep.SeedDirectory(seed), command, group?.Agents[i], gpu?.Description, gemm)).ToArray();

        return RunAll(runs, seeds, group, settings.Epochs, settings.LearnerThreads, sweep.Path);
    }

    /// <summary>
    /// <c>softq train --resume DIR --device cuda</c>: continues the seeds of a <c>--seeds</c> folder (or one run) on
    /// the GPU from their checkpoints. They must stand at the same step (as a GPU group leaves them): the
    /// device updates every seed together.
    /// </summary>
    public static int Resume(string directory, DeviceKind device, int? epochs, int? threads)
    {
        bool isGroup = File.Exists(Path.Combine(directory, "sweep.json"));
        var seeds = isGroup ? SweepDirectory.Open(directory).Manifest.Seeds : [RunDirectory.Open(directory).LoadConfig().Seed];
        var folders = isGroup ? seeds.Select(SweepDirectory.Open(directory).SeedDirectory).ToArray() : [directory];
        var configs = folders.Select(f => RunDirectory.Open(f).LoadConfig()).ToArray();
        var positions = folders.Select(f =>
        {
            var run = RunDirectory.Open(f);
            var tensors = run.LoadCheckpoint();
            return (Updates: CheckpointCounters.Read(tensors, "updates", run.CheckpointFile, "counters", 0, 6), Steps: CheckpointCounters.Read(tensors, "env_steps", run.CheckpointFile, "trainer_counters", 0, 6));
        }).ToArray();
        if (positions.Distinct().Count() > 1 || configs.Select(c => (c.Task, c.Learner.GetType(), c.Learner.BatchSize, string.Join(",", c.Learner.HiddenSizes))).Distinct().Count() > 1)
        {
            throw new InvalidDataException($"{directory}: its seeds stand at different steps or differ in task or networks " +
                $"({string.Join(", ", seeds.Zip(positions, (s, p) => $"seed {s}: {p.Steps} env steps, {p.Updates} updates"))}); continue them on the CPU engine: softq sweep --resume {directory}");
        }
        var settings = configs[0];
        var spec = TaskRegistry.Get(settings.Task).Spec;
        using var gpu = GpuDevice.Open(device);
        using var group = new DeviceAgentGroup(gpu, spec.ObservationSize, spec.ActionSize, settings.Learner, [.. seeds.Select(AgentFactory.AgentSeed)], settings.Trainer.EvaluationEpisodes);
        var runs = folders.Select((f, i) => TrainingRun.Resume(f, epochs, threads, group.Agents[i])).ToArray();
        Console.Error.WriteLine($"resuming seeds {string.Join(",", seeds)} of {directory} after epoch {runs[0].CompletedEpochs} ({gpu.Description})");
        return RunAll(runs, seeds, group, epochs ?? settings.Epochs, settings.LearnerThreads, directory);
    }

    private static int RunAll(TrainingRun[] runs, int[] seeds, DeviceAgentGroup? group, int epochs, int learnerThreads, string folder)
    {
        using var stop = new StopSignals(includeUsr1: true);
        var token = group?.StopWhen(stop.Token) ?? stop.Token;
        var finished = new bool[runs.Length];
        var failures = new Exception?[runs.Length];
        var progress = new SeedProgress(seeds, epochs);
        void RunSeed(int i)
        {
            try
            {
                finished[i] = runs[i].Run(token, progress.For(i));
            }
            catch (Exception e)
            {
                failures[i] = e;
                group?.Abandon();   // the other seeds must not wait for this one's minibatches
            }
        }

        if (group is not null)
        {
            // lockstep: every seed's trainer on its own thread, all at once
            var threads = Enumerable.Range(0, runs.Length).Select(i => new Thread(() => RunSeed(i)) { Name = $"softq seed {seeds[i]}" }).ToArray();
            foreach (var thread in threads) thread.Start();
            foreach (var thread in threads) thread.Join();
        }
        else
        {
            int parallel = Math.Max(1, Environment.ProcessorCount / Math.Max(1, learnerThreads));
            Parallel.For(0, runs.Length, new ParallelOptions { MaxDegreeOfParallelism = parallel }, RunSeed);
        }
        foreach (var run in runs) run.Dispose();

        var failed = failures.Select((e, i) => (e, i)).Where(f => f.e is not null and not OperationCanceledException).ToArray();
        if (failed.Length > 0)
        {
            var (error, index) = failed[0];
            Console.Error.WriteLine($"softq: error: seed {seeds[index]}: {error!.Message.Split('\n')[0]}");
            return CommandRunner.Failure;
        }
        if (finished.All(f => f))
        {
            Console.Error.WriteLine($"done: {runs.Length} seeds × {epochs} epochs in {folder}");
            return 0;
        }
        Console.Error.WriteLine($"interrupted: checkpoints saved; continue with `softq train --resume {folder} --device cuda`, or on the CPU engine `softq sweep --resume {folder}`");
        return 130;
    }


    /// <summary>One line per seed and epoch.</summary>
    private sealed class SeedProgress(int[] seeds, int epochs)
    {
        private readonly object _lock = new();

        public ITrainingProgress For(int index) => new Line(this, seeds[index]);

        private sealed class Line(SeedProgress owner, int seed) : ITrainingProgress
        {
            public void Step(int epoch, int epochs, int stepInEpoch, int epochLength)
            {
            }

            public void EpochDone(int epochs, EpochMetrics m, TaskOutcome? outcome)
            {
                lock (owner._lock)
                {
                    Console.WriteLine($"seed {seed}  epoch {m.Epoch}/{owner.Epochs}  return {m.AverageReturn:F2}  q_loss {m.QLoss:G4}  " +
                                      $"env {m.EnvStepsPerSecond:F0}/s  updates {m.GradientStepsPerSecond:F0}/s  wall {m.WallSeconds:F1} s" +
                                      (outcome is null ? "" : $"  {outcome.Short}"));
                }
            }
        }

        private int Epochs => epochs;
    }
}
