using System.CommandLine;
using SoftQRobotics.Envs;
using SoftQRobotics.Envs.Benchmarking;
using SoftQRobotics.Gpu.Benchmarking;
using SoftQRobotics.Gpu.Device;
using SoftQRobotics.Learning.Benchmarking;
using SoftQRobotics.Learning.Blas;

namespace SoftQRobotics.Cli.Commands;

/// <summary><c>softq bench</c>: quick throughput measurements (the full ones are in benchmarks/).</summary>
internal static class BenchCommand
{
    internal static Command Create()
    {
        var bench = new Command("bench", "Quick throughput benchmarks, with baselines measured in the same run.");
        bench.Subcommands.Add(Envs());
        bench.Subcommands.Add(Learner());
        return bench;
    }

    private static Command Learner()
    {
        var steps = new Option<int>("--steps") { Description = "SQL gradient steps timed per configuration (DDPG: 4×); two-thread ratios on a VM want 420 or more (docs/performance.md)", DefaultValueFactory = _ => 30 };
        var json = new Option<bool>("--json") { Description = "print a JSON array, one object per configuration and backend" };
        var backends = new Option<string>("--backend")
        {
            Description = "GEMM backend(s) to measure: openblas, onednn, blis, a comma-separated list, or all (default: the one a run would use: SOFTQ_GEMM, or what auto picks for each configuration's SQL updates)",
        };
        var device = new Option<string>("--device") { Description = "cpu (the CPU engine) or cuda (the GPU engine: every seed count of --seeds, 10× the steps)", DefaultValueFactory = _ => "cpu" };
        var seeds = new Option<string>("--seeds") { Description = "with --device cuda: seed counts to measure, comma-separated (e.g. 1,10)", DefaultValueFactory = _ => "1,10" };
        var configs = new Option<string>("--config")
        {
            Description = $"network configurations to measure, comma-separated ({string.Join(", ", LearnerConfig.Canonical.Select(c => c.Name))}; default: all)",
        };
        var command = new Command("learner", "SQL and DDPG gradient steps per second for the paper's network configurations, against the GEMM backend's sgemm and the core's FMA peak.") { steps, json, backends, device, seeds, configs };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var kind = DeviceOption.Parse(parse.GetValue(device));
            var chosenConfigs = parse.GetValue(configs) is { Length: > 0 } names
                ? names.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                    .Select(name => LearnerConfig.Canonical.FirstOrDefault(c => c.Name == name) ?? throw new ArgumentException($"--config: no configuration '{name}' ({string.Join(", ", LearnerConfig.Canonical.Select(c => c.Name))})"))
                    .ToArray()
                : LearnerConfig.Canonical;
            if (kind is { } gpuKind) return MeasureDevice(gpuKind, chosenConfigs, DeviceOption.SeedCounts(parse.GetValue(seeds)), 10 * parse.GetValue(steps), parse.GetValue(json));
            // without --backend: the backend a run of each configuration would use (SOFTQ_GEMM, or auto's pick)
            GemmBackend[]? chosen = parse.GetValue(backends) is { Length: > 0 } list ? Gemm.ParseList(list) : null;
            foreach (var backend in chosen ?? []) Gemm.Describe(backend);   // a missing library fails before any measurement
            MeasureAll(chosenConfigs, config =>
                {
                    var (autoSql, autoDdpg) = LearnerThroughput.AutoChoice(config);
                    return LearnerThroughput.Measure(config, chosen ?? [autoSql.Backend], parse.GetValue(steps)).Select(r => r with { AutoSql = autoSql, AutoDdpg = autoDdpg });
                }, parse.GetValue(json),
                r => $"{r.Config,-10} SQL {r.SqlStepsPerSecond,7:F1} steps/s (2 threads {r.SqlStepsPerSecond2Threads,7:F1})  DDPG {r.DdpgStepsPerSecond,7:F1} steps/s  " +
                     $"{r.GflopsAchieved,6:F1} GFLOP/s of sgemm {r.SgemmGflops,6:F1} = {r.FlopRateFraction:F2}  " +
                     $"peak {r.Peak.Gflops,6:F1} ({r.Peak.VectorBits}-bit FMA) = {r.PeakFraction:F2}  " +
                     $"alloc {r.BytesAllocatedPerStep:F1} B/step  ({r.BackendDescription})  auto: SQL {r.AutoSql!.Summary}; DDPG {r.AutoDdpg!.Summary}  " +
                     $"two threads: SQL {r.SqlThreadScaling:F2}×, sgemm alone {r.SgemmThreadScaling:F2}×, FMA {r.PeakThreadScaling:F2}×",
                r => new
                {
                    config = r.Config,
                    sql_steps_per_second = r.SqlStepsPerSecond,
                    ddpg_steps_per_second = r.DdpgStepsPerSecond,
                    gflops_achieved = r.GflopsAchieved,
                    sgemm_gflops = r.SgemmGflops,
                    flop_rate_fraction = r.FlopRateFraction,
                    bytes_allocated_per_step = r.BytesAllocatedPerStep,
                    sql_flops_per_step = r.SqlFlopsPerStep,
                    openblas_core = r.OpenBlasCore,
                    peak_gflops = r.Peak.Gflops,
                    peak_fraction = r.PeakFraction,
                    peak_vector_bits = r.Peak.VectorBits,
                    sql_steps_per_second_2t = r.SqlStepsPerSecond2Threads,
                    bytes_allocated_per_step_2t = r.BytesAllocatedPerStep2Threads,
                    sql_thread_scaling = r.SqlThreadScaling,
                    sgemm_gflops_2t = r.SgemmGflops2Threads,
                    sgemm_thread_scaling = r.SgemmThreadScaling,
                    peak_gflops_2t = r.PeakGflops2Threads,
                    peak_thread_scaling = r.PeakThreadScaling,
                    backend = r.Backend,
                    backend_description = r.BackendDescription,
                    auto_backend_sql = Gemm.NameOf(r.AutoSql!.Backend),
                    auto_backend_ddpg = Gemm.NameOf(r.AutoDdpg!.Backend),
                    auto_reason = r.AutoSql.Reason,
                    auto_sql = r.AutoSql.ToJson(),
                    auto_ddpg = r.AutoDdpg.ToJson(),
                });
            return 0;
        }));
        return command;
    }

    /// <summary>The GPU engine's rows: each canonical configuration at each seed count.</summary>
    private static int MeasureDevice(DeviceKind kind, LearnerConfig[] configs, int[] seedCounts, int steps, bool asJson)
    {
        using var gpu = GpuDevice.Open(kind);
        if (!asJson) Console.WriteLine($"device: {gpu.Description}");
        MeasureAll(configs, config => GpuLearnerThroughput.Measure(gpu, config, seedCounts, steps), asJson,
            r => $"{r.Config,-10} S={r.Seeds,-3} SQL {r.SqlSeedStepsPerSecond,9:F0} seed-steps/s ({r.SqlStepsPerSecond,7:F0} steps/s, {r.SqlLaunchesPerStep:F0} launches)  " +
                 $"DDPG {r.DdpgSeedStepsPerSecond,9:F0} seed-steps/s ({r.DdpgLaunchesPerStep:F0} launches)  {r.TflopsAchieved,6:F2} TFLOP/s of cuBLAS {r.GemmTflops,6:F2}  alloc {r.BytesAllocatedPerStep:F0} B/step",
            r => new
            {
                config = r.Config,
                device = "cuda",
                seeds = r.Seeds,
                sql_seed_steps_per_second = r.SqlSeedStepsPerSecond,
                ddpg_seed_steps_per_second = r.DdpgSeedStepsPerSecond,
                kernel_launches_per_step = r.SqlLaunchesPerStep,
                ddpg_kernel_launches_per_step = r.DdpgLaunchesPerStep,
                cuda_graphs = r.Graphs,
                gemm_tflops = r.GemmTflops,
                sql_steps_per_second = r.SqlStepsPerSecond,
                ddpg_steps_per_second = r.DdpgStepsPerSecond,
                gflops_achieved = r.TflopsAchieved * 1000,
                sgemm_gflops = r.GemmTflops * 1000,
                flop_rate_fraction = r.TflopsAchieved / r.GemmTflops,
                bytes_allocated_per_step = r.BytesAllocatedPerStep,
                sql_flops_per_step = r.SqlFlopsPerStep,
                openblas_core = (string?)null,
                peak_gflops = (double?)null,
                peak_fraction = (double?)null,
                peak_vector_bits = (int?)null,
                sql_steps_per_second_2t = (double?)null,
                bytes_allocated_per_step_2t = (double?)null,
                sql_thread_scaling = (double?)null,
                sgemm_gflops_2t = (double?)null,
                sgemm_thread_scaling = (double?)null,
                peak_gflops_2t = (double?)null,
                peak_thread_scaling = (double?)null,
                backend = kind == DeviceKind.Cuda ? "cublas" : "cpu-accelerator",
                backend_description = r.Device,
            });
        return 0;
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
            MeasureAll(names, name => new[] { EnvThroughput.Measure(name, parse.GetValue(rounds), parse.GetValue(numEnvs)) }, parse.GetValue(json),
                r => $"{r.Task,-20} raw {r.RawPhysicsStepsPerSecond,9:F0}/s  env {r.EnvStepsPerSecond,9:F0}/s  overhead {r.OverheadRatio:F3}  " +
                     $"vector×{r.NumEnvs} 1t {r.VectorStepsPerSecond1Thread,9:F0}/s 2t {r.VectorStepsPerSecond2Threads,9:F0}/s  " +
                     $"scaling {r.ThreadScaling:F2} (machine ceiling {r.RawPhysicsThreadScaling:F2})  alloc {r.BytesAllocatedPerStep:F2} B/step",
                r => new
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
                });
            return 0;
        }));
        return command;
    }

    /// <summary>Measures each item in turn (one or more results each); prints a line per result as it comes, or one JSON array at the end.</summary>
    private static void MeasureAll<TItem, TResult>(IEnumerable<TItem> items, Func<TItem, IEnumerable<TResult>> measure, bool asJson,
        Func<TResult, string> line, Func<TResult, object> json)
    {
        var results = new List<TResult>();
        foreach (var item in items)
        {
            foreach (var result in measure(item))
            {
                results.Add(result);
                if (!asJson) Console.WriteLine(line(result));
            }
        }
        if (asJson) CommandRunner.WriteJson(results.Select(json).ToArray());
    }
}
