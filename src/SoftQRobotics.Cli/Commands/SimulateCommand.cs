using System.CommandLine;
using System.Diagnostics;
using SoftQRobotics.Envs;
using SoftQRobotics.Mujoco;

namespace SoftQRobotics.Cli.Commands;

/// <summary>
/// <c>softq simulate</c>: steps a raw MJCF model with zero control (physics rate), or runs episodes
/// of a task with a random or zero policy (env rate, returns and task metrics).
/// </summary>
internal static class SimulateCommand
{
    internal sealed record ModelResult(
        string Model, int Steps, double StepsPerSecond, double Seconds, int Nq, int Nv, int Nu,
        double Timestep, double Time, int UnstableSteps);

    internal sealed record TaskResult(
        string Task, string Policy, int Seed, int Steps, double StepsPerSecond, double Seconds,
        int Episodes, double MeanReturn, double MeanEpisodeLength, double MeanFinalComX, double MeanFinalComY,
        double MaxComX, double MinComX, double? MinDistanceToGoal, int UnstableEpisodes,
        int? Nq, int? Nv, int? Nu, double? Time);

    internal static Command Create()
    {
        var model = new Option<string>("--model") { Description = "MJCF file to step with zero control" };
        var task = new Option<string>("--task") { Description = "task to run episodes of (see `softq tasks`)" };
        var steps = new Option<int>("--steps") { Description = "mj_step calls (--model) or env steps (--task)", DefaultValueFactory = _ => 10000 };
        var policy = new Option<string>("--policy") { Description = "actions for --task: random (uniform in [-1, 1]) or zero", DefaultValueFactory = _ => "random" };
        var seed = new Option<int>("--seed") { Description = "seed of the env and the random policy", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "print one JSON object instead of text" };
        policy.AcceptOnlyFromAmong("random", "zero");
        steps.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1) r.AddError("--steps must be at least 1");
        });

        var command = new Command("simulate", "Step a MuJoCo model with zero control, or run episodes of a task; report steps per second.")
        {
            model, task, steps, policy, seed, json,
        };
        command.Validators.Add(r =>
        {
            if ((r.GetResult(model) is null) == (r.GetResult(task) is null)) r.AddError("give exactly one of --model PATH or --task NAME");
        });
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            bool asJson = parse.GetValue(json);
            if (parse.GetValue(model) is { } path)
            {
                var result = SimulateModel(path, parse.GetValue(steps));
                if (asJson) CommandRunner.WriteJson(result);
                else PrintModel(result);
            }
            else
            {
                var result = SimulateTask(parse.GetRequiredValue(task), parse.GetValue(steps), parse.GetRequiredValue(policy), parse.GetValue(seed));
                if (asJson) CommandRunner.WriteJson(result);
                else PrintTask(result);
            }
            return 0;
        }));
        return command;
    }

    /// <summary>One mj_step per call through the bindings, so the rate includes their cost.</summary>
    internal static ModelResult SimulateModel(string path, int steps)
    {
        using var m = MjModel.FromXmlFile(path);
        using var d = new MjData(m);
        d.Ctrl.Clear();

        // warm-up outside the timed region (first-call JIT and page faults)
        Mj.Step(m, d, Math.Min(steps, 100));
        Mj.ResetData(m, d);

        int unstable = 0;
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < steps; i++)
        {
            if ((Mj.Step(m, d) & MjWarnings.Unstable) != 0) unstable++;
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new ModelResult(path, steps, steps / seconds, seconds, m.Nq, m.Nv, m.Nu, m.Timestep, d.Time, unstable);
    }

    /// <summary>Runs back-to-back episodes for <paramref name="steps"/> env steps; the first reset takes the seed.</summary>
    internal static TaskResult SimulateTask(string taskName, int steps, string policy, int seed)
    {
        var definition = TaskRegistry.Get(taskName);
        using var env = definition.CreateEnv();
        var spec = env.Spec;
        var rng = new Random(seed);
        var observation = new float[spec.ObservationSize];
        var action = new float[spec.ActionSize];

        var info = env.Reset(seed, observation);
        double episodeReturn = 0, minDistance = info.DistanceToGoal, maxX = info.ComX, minX = info.ComX;
        double sumReturn = 0, sumLength = 0, sumFinalX = 0, sumFinalY = 0;
        int episodes = 0, unstableEpisodes = 0;
        long start = Stopwatch.GetTimestamp();
        for (int t = 0; t < steps; t++)
        {
            for (int i = 0; i < action.Length; i++) action[i] = policy == "random" ? (float)(2 * rng.NextDouble() - 1) : 0f;
            var result = env.Step(action, observation);
            episodeReturn += result.Reward;
            (maxX, minX) = (Math.Max(maxX, result.Info.ComX), Math.Min(minX, result.Info.ComX));
            minDistance = Math.Min(minDistance, result.Info.DistanceToGoal);
            if (!result.Done) continue;

            episodes++;
            sumReturn += episodeReturn;
            sumLength += result.Info.Step;
            sumFinalX += result.Info.ComX;
            sumFinalY += result.Info.ComY;
            if (result.Info.Unstable) unstableEpisodes++;
            episodeReturn = 0;
            env.Reset(null, observation);
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        double Mean(double sum) => episodes > 0 ? sum / episodes : double.NaN;
        var m = definition.Model;
        double? time = env is Envs.Mujoco.MujocoEnv mujocoEnv ? mujocoEnv.Data.Time : null;
        return new TaskResult(taskName, policy, seed, steps, steps / seconds, seconds, episodes, Mean(sumReturn), Mean(sumLength),
            Mean(sumFinalX), Mean(sumFinalY), maxX, minX, double.IsNaN(minDistance) ? null : minDistance, unstableEpisodes,
            m?.Nq, m?.Nv, m?.Nu, time);
    }

    private static void PrintModel(ModelResult r)
    {
        Console.WriteLine($"{r.Model}: {r.Steps} steps in {r.Seconds:F3} s = {r.StepsPerSecond:F0} steps/s; " +
                          $"final time {r.Time:F4} s (timestep {r.Timestep} s)");
        if (r.UnstableSteps > 0)
        {
            Console.WriteLine($"warning: MuJoCo reported an unstable state (and reset it) in {r.UnstableSteps} step(s)");
        }
    }

    private static void PrintTask(TaskResult r)
    {
        Console.WriteLine($"{r.Task} ({r.Policy} policy, seed {r.Seed}): {r.Steps} env steps in {r.Seconds:F3} s = {r.StepsPerSecond:F0} steps/s");
        Console.WriteLine($"  {r.Episodes} episodes, mean return {r.MeanReturn:F3}, mean length {r.MeanEpisodeLength:F1}");
        Console.WriteLine($"  centre of mass: mean final ({r.MeanFinalComX:F3}, {r.MeanFinalComY:F3}), x range [{r.MinComX:F3}, {r.MaxComX:F3}]");
        if (r.MinDistanceToGoal is { } d) Console.WriteLine($"  minimum distance to goal {d:F3}");
        if (r.UnstableEpisodes > 0) Console.WriteLine($"  {r.UnstableEpisodes} episode(s) ended because the physics went unstable");
    }
}
