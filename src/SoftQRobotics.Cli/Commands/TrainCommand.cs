using System.CommandLine;
using System.Runtime.InteropServices;
using SoftQRobotics.Learning.Blas;
using SoftQRobotics.Pipelines;

namespace SoftQRobotics.Cli.Commands;

/// <summary><c>softq train</c> and <c>softq finetune</c>.</summary>
internal static class TrainCommand
{
    internal static Command Train()
    {
        var config = new Option<string>("--config") { Description = "experiment config (configs/EXPERIMENT.ALGO[.quick].yaml)" };
        var resume = new Option<string>("--resume") { Description = "continue the run in RUN_DIR from its last checkpoint" };
        var (seed, runDir, epochs, threads) = CommonOptions();
        var seeds = new Option<string>("--seeds") { Description = "train these seeds together in this process (0-9, 0,3,5) into runs/NAME__seeds-TIME/seedN/ (--run-dir names that folder)" };
        var device = new Option<string>("--device") { Description = "with --seeds or --resume: cpu (the CPU engine) or cuda (one GPU learns every seed at once; docs/gpu.md)", DefaultValueFactory = _ => "cpu" };
        var command = new Command("train", "Train an agent from a config into a run directory (metrics.csv, checkpoints, evaluation traces); Ctrl-C checkpoints and stops.")
        {
            config, resume, seed, runDir, epochs, threads, seeds, device,
        };
        command.Validators.Add(r =>
        {
            if (r.GetResult(seeds) is not null && (r.GetResult(seed) is not null || r.GetResult(resume) is not null))
            {
                r.AddError("--seeds trains several seeds from --config: --seed and --resume do not apply");
            }
            if (r.GetResult(seeds) is null && r.GetResult(resume) is null && r.GetResult(device) is { Implicit: false } chosen && chosen.GetValueOrDefault<string>() != "cpu")
            {
                r.AddError("--device cuda trains with --seeds (one seed: --seeds 0) or continues with --resume");
            }
            if ((r.GetResult(config) is null) == (r.GetResult(resume) is null)) r.AddError("give exactly one of --config FILE or --resume RUN_DIR");
            if (r.GetResult(resume) is not null && (r.GetResult(seed) is not null || r.GetResult(runDir) is not null))
            {
                r.AddError("--resume continues a run as configured: --seed and --run-dir do not apply");
            }
        });
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            if (parse.GetValue(seeds) is { } seedList)
            {
                return SeedGroup.Train(parse.GetRequiredValue(config), SweepCommand.ParseSeeds(seedList), DeviceOption.Parse(parse.GetValue(device)),
                    Configure(parse.GetRequiredValue(config), null, parse.GetValue(epochs), parse.GetValue(threads)), parse.GetValue(runDir), CommandLine());
            }
            TrainingRun run;
            if (parse.GetValue(resume) is { } groupDir && DeviceOption.Parse(parse.GetValue(device)) is { } resumeDevice)
            {
                return SeedGroup.Resume(groupDir, resumeDevice, parse.GetValue(epochs), parse.GetValue(threads));
            }
            if (parse.GetValue(resume) is { } resumeDir)
            {
                run = TrainingRun.Resume(resumeDir, parse.GetValue(epochs), parse.GetValue(threads), gemm: ChooseGemm(RunDirectory.Open(resumeDir).LoadConfig()));
                Console.Error.WriteLine($"resuming {run.Directory.Path} after epoch {run.CompletedEpochs}");
            }
            else
            {
                string file = parse.GetRequiredValue(config);
                var settings = Configure(file, parse.GetValue(seed), parse.GetValue(epochs), parse.GetValue(threads));
                run = TrainingRun.Start(settings, ConfigName(file), parse.GetValue(runDir), CommandLine(), gemm: ChooseGemm(settings));
                Console.Error.WriteLine($"run directory: {run.Directory.Path}");
            }
            return Execute(run);
        }));
        return command;
    }

    internal static Command Finetune()
    {
        var from = new Option<string>("--from") { Description = "pretrained run directory", Required = true };
        var config = new Option<string>("--config") { Description = "fine-tuning config (task, schedule)", Required = true };
        var (seed, runDir, epochs, threads) = CommonOptions();
        var command = new Command("finetune", "Fine-tune a pretrained run on a new task (new replay pool, α and frozen-ξ annealing, hard-max target).")
        {
            from, config, seed, runDir, epochs, threads,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            string file = parse.GetRequiredValue(config);
            var settings = Configure(file, parse.GetValue(seed), parse.GetValue(epochs), parse.GetValue(threads));
            var pretrained = RunDirectory.Open(parse.GetRequiredValue(from)).LoadConfig();   // fine-tuning trains the pretrained networks
            var gemm = ChooseGemm(settings with { Learner = settings.Learner with { HiddenSizes = pretrained.Learner.HiddenSizes } });
            var run = TrainingRun.StartFinetune(settings, parse.GetRequiredValue(from), ConfigName(file) + ".finetune", parse.GetValue(runDir), CommandLine(), gemm);
            Console.Error.WriteLine($"run directory: {run.Directory.Path}");
            return Execute(run);
        }));
        return command;
    }

    /// <summary>Switches this process to the GEMM backend a CPU-engine run of <paramref name="config"/> trains fastest with (SOFTQ_GEMM=auto) or to SOFTQ_GEMM's.</summary>
    internal static GemmChoice ChooseGemm(RunConfig config) =>
        AgentFactory.UseFastestGemm(config, message => Console.Error.WriteLine($"softq: {message}"));

    private static (Option<int?> Seed, Option<string> RunDir, Option<int?> Epochs, Option<int?> Threads) CommonOptions() =>
    (
        new Option<int?>("--seed") { Description = "seed (overrides the config's)" },
        new Option<string>("--run-dir") { Description = "run directory (default runs/CONFIG__seedS__TIME)" },
        new Option<int?>("--epochs") { Description = "epochs (overrides the config's)" },
        new Option<int?>("--threads") { Description = "learner threads (overrides the config's threads; 0: all cores; results do not depend on it)" }
    );

    private static RunConfig Configure(string file, int? seed, int? epochs, int? threads)
    {
        var settings = RunConfig.Load(file);
        if (seed is { } s) settings = settings with { Seed = s };
        if (epochs is { } e) settings = settings with { Epochs = e };
        if (threads is { } t) settings = settings with { Threads = t };
        settings.Validate(file);
        return settings;
    }

    private static int Execute(TrainingRun run)
    {
        // Ctrl-C, SIGTERM and SIGUSR1 (Slurm's time-limit warning) stop the run the same way: checkpoint, exit 130
        using var stop = new StopSignals(includeUsr1: true);
        if (run.GemmChoice is { } gemm) Console.Error.WriteLine($"GEMM backend: {gemm.Summary}");
        using (run)
        using (var progress = new TrainingProgress())
        {
            bool finished = run.Run(stop.Token, progress);
            if (finished)
            {
                Console.Error.WriteLine($"done: {run.CompletedEpochs} epochs in {run.Directory.Path}");
                return 0;
            }
            Console.Error.WriteLine($"interrupted: checkpoint saved; continue with `softq train --resume {run.Directory.Path}`");
            return 130;
        }
    }

    /// <summary>configs/multigoal.sql.quick.yaml → multigoal.sql.quick</summary>
    internal static string ConfigName(string file) => Path.GetFileNameWithoutExtension(file);

    private static string CommandLine() => "softq " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1));
}
