using System.CommandLine;
using System.Diagnostics;

namespace SoftQRobotics.Cli.Commands;

/// <summary><c>softq sweep --config FILE --seeds 0-9</c>: one training process per seed, as many at once as there are cores.</summary>
internal static class SweepCommand
{
    internal static Command Create()
    {
        var config = new Option<string>("--config") { Description = "experiment config", Required = true };
        var seeds = new Option<string>("--seeds") { Description = "seeds: a range 0-9, a list 0,3,5 or both", Required = true };
        var parallel = new Option<int>("--parallel") { Description = "processes at once (default: one per core)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var epochs = new Option<int?>("--epochs") { Description = "epochs (overrides the config's)" };
        var command = new Command("sweep", "Train one run per seed in parallel processes (bounded by the cores); logs go to each run's train.log.")
        {
            config, seeds, parallel, epochs,
        };
        command.SetAction((parse, cancel) => Task.FromResult(CommandRunner.Run(() =>
        {
            string file = parse.GetRequiredValue(config);
            Pipelines.RunConfig.Load(file);   // fail fast on a bad config, before launching anything
            var seedList = ParseSeeds(parse.GetRequiredValue(seeds));
            int width = Math.Max(1, parse.GetValue(parallel));
            var failed = new List<int>();
            using var slots = new SemaphoreSlim(width);
            var running = seedList.Select(async seed =>
            {
                await slots.WaitAsync(cancel);
                try
                {
                    int code = await TrainSeed(file, seed, parse.GetValue(epochs), cancel);
                    Console.WriteLine($"seed {seed}: {(code == 0 ? "done" : $"exit code {code}")}");
                    if (code != 0) lock (failed) failed.Add(seed);
                }
                finally
                {
                    slots.Release();
                }
            }).ToArray();
            Task.WaitAll(running, CancellationToken.None);
            if (failed.Count > 0) throw new InvalidOperationException($"sweep: seeds {string.Join(", ", failed.Order())} failed (see their train.log)");
            return 0;
        })));
        return command;
    }

    private static async Task<int> TrainSeed(string config, int seed, int? epochs, CancellationToken cancel)
    {
        string name = TrainCommand.ConfigName(config);
        string runDir = Path.Combine("runs", $"{name}__seed{seed}__{DateTime.Now:yyyyMMdd-HHmmss-fff}");
        var info = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet") info.ArgumentList.Add(typeof(SweepCommand).Assembly.Location);
        foreach (var a in new[] { "train", "--config", config, "--seed", seed.ToString(), "--run-dir", runDir }) info.ArgumentList.Add(a);
        if (epochs is { } e)
        {
            info.ArgumentList.Add("--epochs");
            info.ArgumentList.Add(e.ToString());
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
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
        // the child creates the run directory; its output goes in there once it has finished
        string log = Directory.Exists(runDir) ? Path.Combine(runDir, "train.log") : runDir + ".log";
        await File.WriteAllTextAsync(log, await stdout + await stderr, CancellationToken.None);
        return process.ExitCode;
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
        return seeds.Distinct().ToArray();
    }
}
