using SoftQRobotics.Core;
using System.CommandLine;
using SoftQRobotics.Envs;
using SoftQRobotics.Envs.Rendering;
using SoftQRobotics.Envs.Vector;
using SoftQRobotics.Pipelines;
using SoftQRobotics.Pipelines.Video;
using Spectre.Console;

namespace SoftQRobotics.Cli.Commands;

/// <summary>
/// <c>softq render RUN_DIR -o FILE</c> plays a run's last checkpoint; <c>softq render --task NAME
/// --policy random|zero -o FILE</c> needs no run. Offscreen MuJoCo rendering (EGL, no display).
/// </summary>
internal static class RenderCommand
{
    internal static Command Create()
    {
        var run = new Argument<string?>("run-dir") { Description = "run directory whose last checkpoint plays (or use --task)", Arity = ArgumentArity.ZeroOrOne };
        var task = new Option<string?>("--task") { Description = "render a task without a run (see 'softq tasks')" };
        var policy = new Option<string>("--policy") { Description = "actions with --task: random (uniform in [-1, 1]) or zero", DefaultValueFactory = _ => "random" };
        policy.AcceptOnlyFromAmong("random", "zero");
        var episodes = new Option<int>("--episodes") { Description = "episodes to play one after another", DefaultValueFactory = _ => 1 };
        var camera = new Option<string>("--camera") { Description = "track (follows the torso) or top (from above: the whole arena, or the start and the finish line, following the robot where there are no walls)", DefaultValueFactory = _ => "track" };
        var width = new Option<int>("--width") { Description = "image width in pixels", DefaultValueFactory = _ => 640 };
        var height = new Option<int>("--height") { Description = "image height in pixels", DefaultValueFactory = _ => 480 };
        var deterministic = new Option<bool>("--deterministic") { Description = "noise-free policy (SQL: ξ = 0); default: the stochastic policy as evaluated" };
        var maxSteps = new Option<int?>("--max-steps") { Description = "steps per episode at most (default: the whole episode)" };
        var seed = new Option<int>("--seed") { Description = "seed of the env (episode i starts with seed + i) and of the random policy", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--output", "-o") { Description = "output file: .mp4 (needs ffmpeg), .gif (animated) or .png (contact sheet)", Required = true };
        var json = new Option<bool>("--json") { Description = "print a JSON summary (frames, fps, seconds, ...)" };
        var command = new Command("render", "Render episodes of a run's policy, or of a random/zero policy on a task, to .mp4, .gif or a .png contact sheet.")
        {
            run, task, policy, episodes, camera, width, height, deterministic, maxSteps, seed, output, json,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            string? runDir = parse.GetValue(run), taskName = parse.GetValue(task);
            if ((runDir is null) == (taskName is null)) throw new ArgumentException("give either a run directory or --task NAME");
            var request = new RenderRequest(parse.GetValue(episodes), TaskCameras.Parse(parse.GetRequiredValue(camera)),
                parse.GetValue(width), parse.GetValue(height), parse.GetValue(seed), parse.GetRequiredValue(output), parse.GetValue(maxSteps));
            request.Validate();
            var (definition, actor) = runDir is not null
                ? FromRun(runDir, parse.GetValue(deterministic))
                : (TaskRegistry.Get(taskName!), parse.GetRequiredValue(policy) == "zero" ? new ZeroPolicy() : (IBatchPolicy)new RandomPolicy(request.Seed));
            var summary = Render(definition, actor, request, quiet: parse.GetValue(json));
            if (parse.GetValue(json)) CommandRunner.WriteJson(summary);
            else Console.WriteLine($"{summary.File}: {summary.Frames} frames {summary.Width}x{summary.Height} at {summary.Fps:F0} fps, rendered in {summary.Seconds:F1} s ({summary.RenderFps:F1} frames/s, {summary.GlPath})");
            return 0;
        }));
        return command;
    }

    private static (TaskDefinition Task, IBatchPolicy Policy) FromRun(string runDir, bool deterministic)
    {
        var directory = RunDirectory.Open(runDir);
        var config = directory.LoadConfig();
        var (agent, _) = AgentFactory.FromCheckpoint(directory, config);
        return (TaskRegistry.Get(config.Task), deterministic ? new DeterministicPolicy(agent) : agent);
    }

    private static RenderSummary Render(TaskDefinition task, IBatchPolicy policy, RenderRequest request, bool quiet)
    {
        bool live = !quiet && !Console.IsErrorRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        long lastDraw = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var summary = EpisodeRenderer.Render(task, policy, request, (done, expected) =>
        {
            if (!live || clock.ElapsedMilliseconds - lastDraw < 200) return;
            lastDraw = clock.ElapsedMilliseconds;
            int filled = (int)(24.0 * Math.Min(done, expected) / expected);
            Console.Error.Write($"\r[{new string('#', filled)}{new string('.', 24 - filled)}] frame {done}/{expected}  {done / clock.Elapsed.TotalSeconds:F1} frames/s ");
        });
        if (live) Console.Error.WriteLine();
        return summary;
    }
}
