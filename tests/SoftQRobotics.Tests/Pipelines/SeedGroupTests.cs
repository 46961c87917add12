using System.Diagnostics;
using System.Text.Json;
using SoftQRobotics.Pipelines;

namespace SoftQRobotics.Tests.Pipelines;

/// <summary>
/// <c>softq train --seeds</c>: S seeds in one process, one ordinary run directory each in a sweep folder; on the
/// GPU engine (here ILGPU's CPU accelerator) the runs' checkpoints load in the CPU engine.
/// </summary>
public class SeedGroupTests
{
    private const string Config = """
        task: multigoal
        algorithm: sql
        epochs: 1
        epoch_length: 60
        min_pool_size: 40
        replay_capacity: 5000
        evaluation_episodes: 4
        batch_size: 8
        hidden_sizes: [16, 16]
        particles: 4
        value_particles: 4
        alpha: 1
        target_update_interval: 50
        """;

    [Theory]
    [InlineData("cpu")]
    [InlineData("cpu-accelerator")]
    public void TrainSeeds_WritesOneRunPerSeed_WhichTheCpuEngineReadsAndResumes(string device)
    {
        string dir = TestPaths.ScratchDirectory(), folder = Path.Combine(dir, "group"), config = Path.Combine(dir, "tiny.sql.yaml");
        File.WriteAllText(config, Config);
        var (code, stdout, stderr) = TestPaths.RunCli("train", "--config", config, "--seeds", "0,3", "--device", device, "--run-dir", folder);
        Assert.True(code == 0, stderr);
        Assert.Contains("seed 3  epoch 1/1", stdout);
        Assert.Matches(@"seed 3  epoch 1/1 .* goals \d/4", stdout);   // the task's outcome in the epoch line
        foreach (int seed in new[] { 0, 3 })
        {
            string run = Path.Combine(folder, $"seed{seed}");
            var metrics = new RunDirectory(run).ReadMetrics();
            Assert.Single(metrics);
            Assert.Equal(60, metrics[0].EnvSteps);
            Assert.Equal(21, metrics[0].GradientSteps);   // an update per step once the pool, with the step's transition, holds 40
            Assert.True(double.IsFinite(metrics[0].QLoss));
            using var info = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "run.json")));
            Assert.Equal(seed, info.RootElement.GetProperty("seed").GetInt32());
            Assert.Equal("completed", info.RootElement.GetProperty("status").GetString());
            Assert.StartsWith(device == "cpu" ? "cpu" : "ILGPU CPU accelerator", info.RootElement.GetProperty("device").GetString());
            Assert.NotEmpty(Directory.GetFiles(run, "events.out.tfevents.*"));
        }

        // the seeds differ (own initialisation and draws), and report reads the folder as a sweep
        Assert.NotEqual(File.ReadAllText(Path.Combine(folder, "seed0", "metrics.csv")), File.ReadAllText(Path.Combine(folder, "seed3", "metrics.csv")));
        (code, stdout, stderr) = TestPaths.RunCli("report", folder, "--json");
        Assert.True(code == 0, stderr);
        using (var report = JsonDocument.Parse(stdout))
        {
            Assert.Equal([0, 3], report.RootElement.GetProperty("seeds").EnumerateArray().Select(s => s.GetProperty("seed").GetInt32()));
            foreach (var seedLine in report.RootElement.GetProperty("seeds").EnumerateArray())
            {
                var outcome = seedLine.GetProperty("outcome");
                Assert.Equal(4, outcome.GetProperty("episodes").GetDouble());
                Assert.InRange(outcome.GetProperty("goals_reached").GetDouble(), 0, 4);
                Assert.Equal(outcome.GetProperty("goals_reached").GetDouble() == 4, seedLine.GetProperty("succeeded").GetBoolean());
            }
            var count = Assert.Single(report.RootElement.GetProperty("counts").EnumerateArray());
            Assert.Equal(2, count.GetProperty("judged").GetInt32());
            Assert.Equal("reach every goal", count.GetProperty("success").GetString());
        }
        (code, stdout, stderr) = TestPaths.RunCli("report", folder);
        Assert.True(code == 0, stderr);
        Assert.Matches(@"goals_reached \d .*\(of 4 episodes\)", stdout);
        Assert.Matches(@"tiny\.sql: \d/2 seeds reach every goal", stdout);

        // the CPU engine evaluates and continues a seed from the group's checkpoint
        (code, stdout, stderr) = TestPaths.RunCli("eval", Path.Combine(folder, "seed3"), "--episodes", "2");
        Assert.True(code == 0, stderr);
        Assert.Matches(@"goals \d/4 \(5,0\):\d \(-5,0\):\d \(0,5\):\d \(0,-5\):\d of 2 episodes", stdout);
        Assert.DoesNotContain("centre of mass", stdout);
        (code, _, stderr) = TestPaths.RunCli("train", "--resume", Path.Combine(folder, "seed3"), "--epochs", "2");
        Assert.True(code == 0, stderr);
        Assert.Equal(2, new RunDirectory(Path.Combine(folder, "seed3")).ReadMetrics().Count);

        // the folder is a sweep folder with backend "batched": sweep --resume reads it (every seed is complete here)
        Assert.Contains("\"batched\"", File.ReadAllText(Path.Combine(folder, "sweep.json")));
        (code, _, stderr) = TestPaths.RunCli("sweep", "--resume", folder);
        Assert.True(code == 0, stderr);
        Assert.Contains("nothing to resume", stderr);

        // seeds at different steps cannot continue together on the device engine
        (code, _, stderr) = TestPaths.RunCli("train", "--resume", folder, "--device", "cpu-accelerator");
        Assert.Equal(1, code);
        Assert.Contains("seed 0: 60 env steps, 21 updates, seed 3: 120 env steps", stderr);
        Directory.Delete(dir, true);
    }

    /// <summary>A SIGTERM burst stops every seed of a device group at the same step: each checkpoints, exit 130.</summary>
    [Fact]
    public async Task StopSignal_StopsEverySeedAtTheSameStep_AndEachCheckpoints()
    {
        string dir = TestPaths.ScratchDirectory(), folder = Path.Combine(dir, "group"), config = Path.Combine(dir, "tiny.sql.yaml");
        File.WriteAllText(config, Config.Replace("epochs: 1", "epochs: 400"));
        var info = new ProcessStartInfo("env") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = dir };
        foreach (var a in new[] { "--default-signal=INT", "dotnet", Path.Combine(AppContext.BaseDirectory, "softq.dll"), "train", "--config", config,
                     "--seeds", "0-1", "--device", "cpu-accelerator", "--run-dir", folder })
        {
            info.ArgumentList.Add(a);
        }
        using var process = Process.Start(info)!;
        string errors;
        try
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            string metrics = Path.Combine(folder, "seed1", "metrics.csv");
            var deadline = DateTime.UtcNow.AddMinutes(6);   // the CPU accelerator on a loaded 2-core machine took over 2 minutes for the first epoch (docs/gpu.md, "Tests without a GPU")
            while (!(File.Exists(metrics) && File.ReadAllLines(metrics).Length >= 2) && DateTime.UtcNow < deadline) Thread.Sleep(100);
            Assert.True(File.Exists(metrics) && File.ReadAllLines(metrics).Length >= 2, "no epoch finished within 6 minutes");
            for (int i = 0; i < 5; i++)
            {
                Process.Start("kill", ["-TERM", process.Id.ToString()])!.WaitForExit();
                Thread.Sleep(15);
            }
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "the group did not exit within 2 minutes of the signals");
            errors = await stderr;
            await stdout;
        }
        finally
        {
            // a failed test must not leave its 400-epoch group training beside the rest of the suite
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        Assert.DoesNotContain("Unhandled exception", errors);
        Assert.Equal(130, process.ExitCode);
        var steps = new List<long>();
        foreach (int seed in new[] { 0, 1 })
        {
            using var runInfo = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, $"seed{seed}", "run.json")));
            Assert.Equal("interrupted", runInfo.RootElement.GetProperty("status").GetString());
            steps.Add(runInfo.RootElement.GetProperty("env_steps").GetInt64());
            Assert.True(File.Exists(Path.Combine(folder, $"seed{seed}", "checkpoints", "latest.bin")));
        }
        Assert.Equal(steps[0], steps[1]);
        Assert.True(steps[0] > 60, $"stopped after epoch 1: {steps[0]} env steps");

        // each seed continues on the CPU engine from where the group stopped
        var (code, _, resumeErrors) = TestPaths.RunCli("train", "--resume", Path.Combine(folder, "seed0"), "--epochs", "2");
        Assert.True(code == 0, resumeErrors);
        Assert.Equal(120, new RunDirectory(Path.Combine(folder, "seed0")).ReadMetrics()[^1].EnvSteps);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void TrainSeeds_OnCudaWithoutAGpu_IsOneLine_AndCreatesNothing()
    {
        string dir = TestPaths.ScratchDirectory(), folder = Path.Combine(dir, "group"), config = Path.Combine(dir, "tiny.sql.yaml");
        File.WriteAllText(config, Config);
        // no visible device even where a GPU is installed
        var (code, _, stderr) = TestPaths.RunCliWith(new Dictionary<string, string> { ["CUDA_VISIBLE_DEVICES"] = "" },
            "train", "--config", config, "--seeds", "0-1", "--device", "cuda", "--run-dir", folder);
        Assert.Equal(1, code);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("softq: error: no CUDA GPU was found", lines[0]);
        Assert.Contains("libcuda.so.1", lines[0]);
        Assert.False(Directory.Exists(folder));
        Directory.Delete(dir, true);
    }
}
