using System.CommandLine;
using System.Diagnostics;
using SoftQRobotics.Pipelines;
using SoftQRobotics.Pipelines.Sweeps;

namespace SoftQRobotics.Cli.Commands;

/// <summary>
/// <c>softq sweep --config FILE --seeds 0-9 [--backend local|slurm]</c>: one training run per seed in a
/// sweep folder <c>runs/NAME__sweep-TIME/seedN/</c>; <c>--resume SWEEP_DIR</c> reruns only unfinished seeds.
/// </summary>
internal static class SweepCommand
{
    private static readonly TimeSpan SlurmPoll = TimeSpan.FromSeconds(2);

    internal static Command Create()
    {
        var config = new Option<string>("--config") { Description = "experiment config" };
        var seeds = new Option<string>("--seeds") { Description = "seeds: a range 0-9, a list 0,3,5 or both" };
        var resume = new Option<string>("--resume") { Description = "continue the sweep in SWEEP_DIR: resubmit only its unfinished seeds (they resume from their checkpoints)" };
        var backend = new Option<SweepBackend>("--backend") { Description = "local processes, or one Slurm job array", DefaultValueFactory = _ => SweepBackend.Local };
        var sweepDir = new Option<string>("--sweep-dir") { Description = "sweep folder (default runs/NAME__sweep-TIME)" };
        var parallel = new Option<int>("--parallel") { Description = "local: processes at once (default: one per core)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var epochs = new Option<int?>("--epochs") { Description = "epochs (overrides the config's)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "print the sbatch script (slurm) or the commands (local) and submit nothing" };
        var wait = new Option<bool>("--wait") { Description = "slurm: follow the array until every task has ended; exit non-zero naming the seeds that failed" };
        var partition = new Option<string>("--partition") { Description = "slurm: partition" };
        var time = new Option<string>("--time") { Description = "slurm: time limit per task (e.g. 2-00:00:00)" };
        var cpus = new Option<int>("--cpus-per-task") { Description = "slurm: CPUs per task", DefaultValueFactory = _ => 1 };
        var memory = new Option<string>("--mem") { Description = "slurm: memory per task (e.g. 8G)" };
        var signalBefore = new Option<int>("--signal-before") { Description = "slurm: seconds before the time limit at which a task checkpoints and requeues itself", DefaultValueFactory = _ => 300 };
        var sbatchArgs = new Option<string[]>("--sbatch-arg") { Description = "slurm: a further sbatch argument, e.g. --sbatch-arg=--qos=long (repeatable)", AllowMultipleArgumentsPerToken = false };
        var command = new Command("sweep", "Train one run per seed into a sweep folder: local processes (bounded by the cores) or a Slurm job array.")
        {
            config, seeds, resume, backend, sweepDir, parallel, epochs, dryRun, wait, partition, time, cpus, memory, signalBefore, sbatchArgs,
        };
        command.Validators.Add(r =>
        {
            bool fresh = r.GetResult(config) is not null || r.GetResult(seeds) is not null;
            if (r.GetResult(resume) is not null)
            {
                if (fresh) r.AddError("--resume continues a sweep as submitted: --config and --seeds do not apply");
            }
            else if (r.GetResult(config) is null || r.GetResult(seeds) is null)
            {
                r.AddError("give --config FILE and --seeds, or --resume SWEEP_DIR");
            }
            if (r.GetResult(backend) is { } b && b.GetValueOrDefault<SweepBackend>() == SweepBackend.Batched) r.AddError("--backend batched is `softq train --seeds`: local or slurm here");
            if (r.GetResult(cpus) is { } c && c.GetValueOrDefault<int>() < 1) r.AddError("--cpus-per-task must be at least 1");
            if (r.GetResult(signalBefore) is { } sb && sb.GetValueOrDefault<int>() < 0) r.AddError("--signal-before must be ≥ 0 seconds");
        });
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            using var stop = new StopSignals(includeUsr1: false);
            var cancel = stop.Token;
            SweepDirectory sweep;
            int[] todo;
            bool dry = parse.GetValue(dryRun);
            if (parse.GetValue(resume) is { } existing)
            {
                sweep = SweepDirectory.Open(existing);
                todo = sweep.UnfinishedSeeds();
                if (sweep.Manifest.Backend == SweepBackend.Slurm) todo = todo.Except(StillInSlurm(sweep)).ToArray();
                if (todo.Length == 0)
                {
                    Console.Error.WriteLine($"{sweep.Path}: nothing to resume (every seed completed or is still queued)");
                    return 0;
                }
                Console.Error.WriteLine($"resuming seeds {string.Join(",", todo)} of {sweep.Path}");
            }
            else
            {
                string file = parse.GetRequiredValue(config);
                var settings = RunConfig.Load(file);   // fail fast on a bad config, before launching anything
                if (parse.GetValue(epochs) is { } e) settings = settings with { Epochs = e };
                settings.Validate(file);
                todo = ParseSeeds(parse.GetRequiredValue(seeds));
                var kind = parse.GetValue(backend);
                var slurm = kind == SweepBackend.Slurm
                    ? new SlurmOptions(parse.GetValue(partition), parse.GetValue(time), parse.GetValue(cpus), parse.GetValue(memory),
                        parse.GetValue(signalBefore), parse.GetValue(sbatchArgs) ?? [])
                    : null;
                sweep = SweepDirectory.Plan(parse.GetValue(sweepDir), new SweepManifest(TrainCommand.ConfigName(file), kind, todo, parse.GetValue(epochs), slurm, []));
                if (!dry)
                {
                    sweep.Write(file);
                    Console.Error.WriteLine($"sweep directory: {sweep.Path}");
                }
            }
            return sweep.Manifest.Backend == SweepBackend.Slurm
                ? RunOnSlurm(sweep, todo, dry, parse.GetValue(wait), cancel)
                : RunLocally(sweep, todo, dry, Math.Max(1, parse.GetValue(parallel)), cancel);
        }));
        return command;
    }

    private static int RunOnSlurm(SweepDirectory sweep, int[] seeds, bool dryRun, bool wait, CancellationToken cancel)
    {
        string script = SlurmBackend.BatchScript(sweep, seeds, SoftqCommand());
        if (dryRun)
        {
            Console.Write(script);
            return 0;
        }
        string jobId = SlurmBackend.Submit(script);
        sweep.AddSubmission(seeds, jobId);
        Console.WriteLine($"submitted job array {jobId}: seeds {string.Join(",", seeds)}");
        if (!wait) return 0;

        var outcomes = SlurmBackend.Wait(sweep, jobId, seeds, Console.Error, SlurmPoll, cancel);
        foreach (var o in outcomes)
        {
            string slurm = o.SlurmState is { } st ? $"slurm {st.State}, exit {st.ExitCode}" : "slurm: job no longer known";
            Console.WriteLine(o.Status == SeedStatus.Completed
                ? $"seed {o.Seed}: completed"
                : $"seed {o.Seed}: failed ({SweepDirectory.Describe(o.Status)}; {slurm}; log {sweep.SeedLog(o.Seed)})");
        }
        var failed = outcomes.Where(o => o.Status != SeedStatus.Completed).Select(o => o.Seed).ToArray();
        if (failed.Length > 0) throw new InvalidOperationException($"sweep: seeds {string.Join(", ", failed)} failed (see {sweep.LogsFolder}); rerun them with `softq sweep --resume {sweep.Path}`");
        return 0;
    }

    private static int RunLocally(SweepDirectory sweep, int[] seeds, bool dryRun, int parallel, CancellationToken cancel)
    {
        if (dryRun)
        {
            foreach (int seed in seeds) Console.WriteLine(string.Join(' ', SoftqCommand().Concat(TrainArguments(sweep, seed))));
            return 0;
        }
        sweep.AddSubmission(seeds, jobId: null);
        var failed = new List<int>();
        using var slots = new SemaphoreSlim(parallel);
        var running = seeds.Select(async seed =>
        {
            await slots.WaitAsync(cancel);
            try
            {
                int code = await TrainSeed(sweep, seed, cancel);
                Console.WriteLine($"seed {seed}: {(code == 0 ? "completed" : $"exit code {code}")}");
                if (code != 0) lock (failed) failed.Add(seed);
            }
            finally
            {
                slots.Release();
            }
        }).ToArray();
        Task.WaitAll(running, CancellationToken.None);
        if (failed.Count > 0) throw new InvalidOperationException($"sweep: seeds {string.Join(", ", failed.Order())} failed (see {sweep.LogsFolder})");
        return 0;
    }

    /// <summary>train into seedN/, or resume it there when it has a checkpoint; local runs share the cores, one learner thread each.</summary>
    private static string[] TrainArguments(SweepDirectory sweep, int seed)
    {
        if (sweep.HasCheckpoint(seed)) return ["train", "--resume", sweep.SeedDirectory(seed), "--threads", "1"];
        string[] train = ["train", "--config", sweep.ConfigFile, "--seed", seed.ToString(), "--run-dir", sweep.SeedDirectory(seed), "--threads", "1"];
        return sweep.Manifest.Epochs is { } e ? [.. train, "--epochs", e.ToString()] : train;
    }

    private static async Task<int> TrainSeed(SweepDirectory sweep, int seed, CancellationToken cancel)
    {
        var command = SoftqCommand();
        var info = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in command.Skip(1).Concat(TrainArguments(sweep, seed))) info.ArgumentList.Add(a);
        await using var log = new StreamWriter(sweep.SeedLog(seed), append: true) { AutoFlush = true };
        using var process = Process.Start(info)!;
        var copies = new[] { process.StandardOutput, process.StandardError }.Select(async reader =>
        {
            while (await reader.ReadLineAsync(CancellationToken.None) is { } line)
            {
                lock (log) log.WriteLine(line);
            }
        }).ToArray();
        try
        {
            await process.WaitForExitAsync(cancel);
        }
        catch (OperationCanceledException)
        {
            // forward Ctrl-C: the child checkpoints and exits
            Process.Start("kill", ["-INT", process.Id.ToString()])?.WaitForExit();
            await process.WaitForExitAsync(CancellationToken.None);
        }
        await Task.WhenAll(copies);
        return process.ExitCode;
    }

    /// <summary>Seeds of the sweep's last Slurm submission that are still pending or running.</summary>
    private static int[] StillInSlurm(SweepDirectory sweep) =>
        sweep.Manifest.Submissions.LastOrDefault()?.JobId is { } jobId ? SlurmBackend.ActiveTasks(jobId).Select(t => t.Seed).ToArray() : [];

    /// <summary>The command that runs this CLI: <c>[dotnet, softq.dll]</c> or the apphost.</summary>
    private static string[] SoftqCommand()
    {
        string host = Environment.ProcessPath!;
        return Path.GetFileNameWithoutExtension(host) == "dotnet" ? [host, typeof(SweepCommand).Assembly.Location] : [host];
    }

    /// <summary>"0-3,7" → [0, 1, 2, 3, 7].</summary>
    internal static int[] ParseSeeds(string text)
    {
        var seeds = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var bounds = part.Split('-');
            if (bounds.Length == 2 && int.TryParse(bounds[0], out int from) && int.TryParse(bounds[1], out int to) && from <= to)
            {
                seeds.AddRange(Enumerable.Range(from, to - from + 1));
            }
            else if (bounds.Length == 1 && int.TryParse(part, out int single))
            {
                seeds.Add(single);
            }
            else
            {
                throw new ArgumentException($"--seeds: cannot read '{part}' (use ranges like 0-9 and lists like 0,3,5)");
            }
        }
        if (seeds.Count == 0) throw new ArgumentException("--seeds: no seeds given");
        return seeds.Distinct().ToArray();
    }
}
