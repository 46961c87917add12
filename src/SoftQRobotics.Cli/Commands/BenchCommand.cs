using System.CommandLine;
using SoftQRobotics.Envs;
using SoftQRobotics.Envs.Benchmarking;

namespace SoftQRobotics.Cli.Commands;

/// <summary><c>softq bench</c>: quick throughput measurements (the full ones are in benchmarks/).</summary>
internal static class BenchCommand
{
    internal static Command Create()
    {
        var bench = new Command("bench", "Quick throughput benchmarks, with baselines measured in the same run.");
        bench.Subcommands.Add(Envs());
        return bench;
    }

    private static Command Envs()
    {
        var tasks = new Option<string[]>("--task")
        {
            Description = "tasks to measure (default: every MuJoCo task)",
            AllowMultipleArgumentsPerToken = true,
        };
        var rounds = new Option<int>("--rounds") { Description = "interleaved timing rounds (one episode per variant each); figures are medians", DefaultValueFactory = _ => 7 };
        var numEnvs = new Option<int>("--num-envs") { Description = "sub-envs of the vector env", DefaultValueFactory = _ => 8 };
        var json = new Option<bool>("--json") { Description = "print a JSON array, one object per task" };
        var command = new Command("envs", "Env steps per second against the raw physics of the same model; vector env thread scaling; allocations.")
        {
            tasks, rounds, numEnvs, json,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var names = parse.GetValue(tasks) is { Length: > 0 } chosen
                ? chosen
                : TaskRegistry.Names.Where(n => TaskRegistry.Get(n).Model is not null).ToArray();
            bool asJson = parse.GetValue(json);
            var results = new List<EnvThroughputResult>();
            foreach (var name in names)
            {
                var r = EnvThroughput.Measure(name, parse.GetValue(rounds), parse.GetValue(numEnvs));
                results.Add(r);
                if (!asJson)
                {
                    Console.WriteLine($"{r.Task,-20} raw {r.RawPhysicsStepsPerSecond,9:F0}/s  env {r.EnvStepsPerSecond,9:F0}/s  overhead {r.OverheadRatio:F3}  " +
                                      $"vector×{r.NumEnvs} 1t {r.VectorStepsPerSecond1Thread,9:F0}/s 2t {r.VectorStepsPerSecond2Threads,9:F0}/s  " +
                                      $"scaling {r.ThreadScaling:F2} (machine ceiling {r.RawPhysicsThreadScaling:F2})  alloc {r.BytesAllocatedPerStep:F2} B/step");
                }
            }
            if (asJson)
            {
                CommandRunner.WriteJson(results.Select(r => new
                {
                    task = r.Task,
                    raw_physics_steps_per_second = r.RawPhysicsStepsPerSecond,
                    env_steps_per_second = r.EnvStepsPerSecond,
                    overhead_ratio = r.OverheadRatio,
                    vector_steps_per_second_1_thread = r.VectorStepsPerSecond1Thread,
                    vector_steps_per_second_2_threads = r.VectorStepsPerSecond2Threads,
                    thread_scaling = r.ThreadScaling,
                    bytes_allocated_per_step = r.BytesAllocatedPerStep,
                    num_envs = r.NumEnvs,
                    raw_physics_thread_scaling = r.RawPhysicsThreadScaling,
                }).ToArray());
            }
            return 0;
        }));
        return command;
    }
}
