using System.CommandLine;
using System.Diagnostics;
using SoftQRobotics.Mujoco;

namespace SoftQRobotics.Cli.Commands;

/// <summary><c>softq simulate</c>: steps a model with zero control and reports the physics rate.</summary>
internal static class SimulateCommand
{
    internal sealed record ModelResult(
        string Model, int Steps, double StepsPerSecond, double Seconds, int Nq, int Nv, int Nu,
        double Timestep, double Time, int UnstableSteps);

    internal static Command Create()
    {
        var model = new Option<string>("--model") { Description = "MJCF file to simulate", Required = true };
        var steps = new Option<int>("--steps") { Description = "number of mj_step calls", DefaultValueFactory = _ => 10000 };
        var json = new Option<bool>("--json") { Description = "print one JSON object instead of text" };
        steps.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1) r.AddError("--steps must be at least 1");
        });

        var command = new Command("simulate", "Step a MuJoCo model with zero control and report steps per second.")
        {
            model, steps, json,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var result = SimulateModel(parse.GetRequiredValue(model), parse.GetValue(steps));
            if (parse.GetValue(json))
            {
                CommandRunner.WriteJson(result);
            }
            else
            {
                Console.WriteLine($"{result.Model}: {result.Steps} steps in {result.Seconds:F3} s = {result.StepsPerSecond:F0} steps/s; " +
                                  $"final time {result.Time:F4} s (timestep {result.Timestep} s)");
                if (result.UnstableSteps > 0)
                {
                    Console.WriteLine($"warning: MuJoCo reported an unstable state (and reset it) in {result.UnstableSteps} step(s)");
                }
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
}
