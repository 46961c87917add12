using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Xml.Linq;

namespace SoftQRobotics.Tests.Pipelines;

/// <summary>The real CLI with tiny budgets: train, interrupted and killed runs resumed, finetune, eval, plot, bad input.</summary>
public class PipelineEndToEndTests
{
    /// <summary>A multigoal SQL run of three 100-step epochs (seconds); other tests reuse it.</summary>
    internal const string TinyConfig = """
        task: multigoal
        algorithm: sql
        epochs: 3
        epoch_length: 100
        min_pool_size: 64
        replay_capacity: 5000
        evaluation_episodes: 4
        hidden_sizes: [16, 16]
        particles: 8
        value_particles: 8
        alpha: 1
        target_update_interval: 50
        save_replay_buffer: true
        frozen_noise_start: 8
        """;

    [Fact]
    public void Train_WritesTheRunDirectory()
    {
        var (dir, run) = TrainTiny();
        Assert.True(File.Exists(Path.Combine(run, "config.yaml")));
        Assert.True(File.Exists(Path.Combine(run, "checkpoints", "latest.bin")));
        Assert.True(File.Exists(Path.Combine(run, "evaluation", "epoch_0003.csv")));
        var rows = Metrics(run);
        Assert.Equal([1, 2, 3], rows.Select(r => (int)r["epoch"]));
        Assert.Equal([100, 200, 300], rows.Select(r => (int)r["env_steps"]));
        // SQL's sampler statistic is the Stein direction's norm (also under its old name); there is no actor loss
        Assert.All(rows.Skip(1), r => Assert.True(r.SteinDirectionNorm > 0 && r.SteinDirectionNorm == r.PolicyLoss && double.IsNaN(r.ActorLoss), $"{r}"));
        using var info = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "run.json")));
        Assert.Equal("completed", info.RootElement.GetProperty("status").GetString());
        Assert.Equal("2.2.2", info.RootElement.GetProperty("versions").GetProperty("mujoco").GetString());
        Assert.Equal("tiny", info.RootElement.GetProperty("name").GetString());
        Assert.Contains("particles: 8", File.ReadAllText(Path.Combine(run, "config.yaml")));
        Assert.Contains("q_learning_rate: 0.001", File.ReadAllText(Path.Combine(run, "config.yaml")));   // defaults resolved
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Resume_AfterKill_ContinuesCountersAndReplacesRowsWrittenAfterTheCheckpoint()
    {
        var (dir, run) = TrainTiny(epochs: 2);
        // a row written after the last checkpoint (as a kill between metrics and checkpoint leaves it)
        File.AppendAllText(Path.Combine(run, "metrics.csv"), "3,999999" + string.Concat(Enumerable.Repeat(",0", 24)) + "\n");
        var (code, _, stderr) = TestPaths.RunCli("train", "--resume", run, "--epochs", "4");
        Assert.True(code == 0, stderr);
        var rows = Metrics(run);
        Assert.Equal([1, 2, 3, 4], rows.Select(r => (int)r["epoch"]));
        Assert.Equal([100, 200, 300, 400], rows.Select(r => (int)r["env_steps"]));
        Assert.Equal(4 * 100 - 64 + 1, (int)rows[^1]["gradient_steps"]);   // updates continue from the checkpoint's count
        Directory.Delete(dir, true);
    }

    /// <summary>
    /// docs/testing.md: on one machine the same seed, config and build write the same metrics (timings aside), and
    /// resuming two such runs from their (identical) checkpoints continues them alike.
    /// </summary>
    [Fact]
    public void SameSeed_WritesTheSameMetrics_AndResumesOfEqualCheckpointsContinueAlike()
    {
        var (dir, run) = TrainTiny(epochs: 2);
        var (twinDir, twin) = TrainTiny(epochs: 2);
        Assert.Equal(WithoutTimings(run), WithoutTimings(twin));
        foreach (string r in new[] { run, twin })
        {
            var (code, _, stderr) = TestPaths.RunCli("train", "--resume", r, "--epochs", "3");
            Assert.True(code == 0, stderr);
        }
        var resumed = WithoutTimings(run);
        Assert.Equal([1, 2, 3], resumed.Select(r => r.Epoch));
        Assert.True(resumed[2].GradientSteps > resumed[1].GradientSteps);
        Assert.Equal(resumed, WithoutTimings(twin));
        Directory.Delete(dir, true);
        Directory.Delete(twinDir, true);
    }

    private static List<SoftQRobotics.Pipelines.EpochMetrics> WithoutTimings(string run) =>
        Metrics(run).Select(r => r with { EnvStepsPerSecond = 0, GradientStepsPerSecond = 0, WallSeconds = 0 }).ToList();

    /// <summary>Ctrl-C once, or SIGTERM in a burst (a Slurm job's trainer gets it from slurmstepd and from its script's trap, milliseconds apart).</summary>
    [Theory]
    [InlineData("INT", 1)]
    [InlineData("TERM", 5)]
    public async Task StopSignals_CheckpointAndExit_ThenResumeFinishes(string signal, int repeats)
    {
        string dir = TestPaths.ScratchDirectory();
        string config = WriteConfig(dir, TinyConfig.Replace("epochs: 3", "epochs: 400"));
        string run = Path.Combine(dir, "run");
        // through env --default-signal: a test run started in the background inherits SIGINT ignored, which the child would keep
        var info = new ProcessStartInfo("env") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = dir };
        foreach (var a in new[] { "--default-signal=INT", "dotnet", Path.Combine(AppContext.BaseDirectory, "softq.dll"), "train", "--config", config, "--run-dir", run }) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        string stderrText;
        try
        {
            var output = process.StandardError.ReadToEndAsync();
            string metrics = Path.Combine(run, "metrics.csv");
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (!(File.Exists(metrics) && File.ReadAllLines(metrics).Length >= 3) && DateTime.UtcNow < deadline) Thread.Sleep(100);
            for (int i = 0; i < repeats; i++)
            {
                Process.Start("kill", [$"-{signal}", process.Id.ToString()])!.WaitForExit();
                Thread.Sleep(15);
            }
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(1)), "the trainer did not exit within a minute of the signal");
            stderrText = await output;
        }
        finally
        {
            // a trainer that ignored the signal must not outlive the test (400 epochs would load the rest of the suite)
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        Assert.DoesNotContain("Unhandled exception", stderrText);
        Assert.Equal(130, process.ExitCode);
        Assert.Contains("softq train --resume", stderrText);
        using (var runInfo = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "run.json"))))
        {
            Assert.Equal("interrupted", runInfo.RootElement.GetProperty("status").GetString());
        }
        int done = Metrics(run).Count;

        var (code, _, stderr) = TestPaths.RunCli("train", "--resume", run, "--epochs", (done + 2).ToString());
        Assert.True(code == 0, stderr);
        var rows = Metrics(run);
        Assert.Equal(Enumerable.Range(1, done + 2), rows.Select(r => (int)r["epoch"]));
        Assert.Equal((done + 2) * 100, (int)rows[^1]["env_steps"]);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Finetune_LoadsThePretrainedNetworks_AndAnneals()
    {
        var (dir, run) = TrainTiny();
        string config = WriteConfig(dir, TinyConfig + "\nfinetune_min_pool_size: 64\nanneal_epochs: 2\nfinal_alpha: 0.01\nfinal_frozen_noise: 1\n", "finetune.yaml");
        string target = Path.Combine(dir, "finetuned");
        var (code, _, stderr) = TestPaths.RunCli("finetune", "--from", run, "--config", config, "--run-dir", target);
        Assert.True(code == 0, stderr);
        var rows = Metrics(target);
        Assert.Equal([1.0, 0.1, 0.01], rows.Select(r => Math.Round(r["alpha"], 9)));      // log-linear to final_alpha in 2 epochs
        Assert.Equal([8.0, 5.0, 1.0], rows.Select(r => r["particles"]));                  // ⌈8 − 7e/2⌉
        using var info = JsonDocument.Parse(File.ReadAllText(Path.Combine(target, "run.json")));
        Assert.Equal("finetune", info.RootElement.GetProperty("mode").GetString());
        Assert.Equal(Path.GetFullPath(run), info.RootElement.GetProperty("finetuned_from").GetString());

        // the pretrained policy is in use from the first epoch: far better than the untrained one's 0.1 per step
        Assert.True(rows[0]["average_return"] > Metrics(run)[0]["average_return"]);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Eval_Json_And_Plot_Svg()
    {
        var (dir, run) = TrainTiny();
        var (code, stdout, stderr) = TestPaths.RunCli("eval", run, "--episodes", "6", "--json");
        Assert.True(code == 0, stderr);
        var result = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(6, result.GetProperty("episodes").GetInt32());
        Assert.Equal(3, result.GetProperty("epoch").GetInt32());
        Assert.Equal("multigoal", result.GetProperty("task").GetString());
        Assert.InRange(result.GetProperty("average_return").GetDouble(), 20 * 0.0, 20 * 2.6);

        string svg = Path.Combine(dir, "curves.svg");
        (code, _, stderr) = TestPaths.RunCli("plot", run, "-o", svg, "--metric", "average_discounted_return");
        Assert.True(code == 0, stderr);
        var doc = XDocument.Load(svg);
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Single(doc.Descendants(ns + "path"), p => (string?)p.Attribute("class") == "series");
        Assert.Contains(doc.Descendants(ns + "text"), t => t.Value == "epoch");
        Directory.Delete(dir, true);
    }

    [Fact]
    public void BadConfig_FailsBeforeCreatingARun()
    {
        string dir = TestPaths.ScratchDirectory();
        string config = WriteConfig(dir, "task: multigoal\nepochz: 3\n");
        var (code, _, stderr) = TestPaths.RunCli("train", "--config", config, "--run-dir", Path.Combine(dir, "run"));
        Assert.NotEqual(0, code);
        Assert.Contains("unknown key 'epochz'", stderr);
        Assert.False(Directory.Exists(Path.Combine(dir, "run")));
        (code, _, stderr) = TestPaths.RunCli("train", "--config", Path.Combine(dir, "missing.yaml"));
        Assert.NotEqual(0, code);
        Assert.Contains("config file not found", stderr);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void CorruptCheckpoint_IsAClearError_AndLeavesTheOtherFilesUntouched()
    {
        var (dir, run) = TrainTiny(epochs: 1);
        string checkpoint = Path.Combine(run, "checkpoints", "latest.bin");
        var bytes = File.ReadAllBytes(checkpoint);
        bytes[bytes.Length / 3] ^= 0xFF;
        File.WriteAllBytes(checkpoint, bytes);
        var before = Hashes(run);

        var (code, _, stderr) = TestPaths.RunCli("train", "--resume", run, "--epochs", "2");
        Assert.NotEqual(0, code);
        Assert.Contains("checksum mismatch", stderr);
        (code, _, stderr) = TestPaths.RunCli("eval", run);
        Assert.NotEqual(0, code);
        Assert.Contains("checksum mismatch", stderr);
        Assert.Equal(before, Hashes(run));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void VideoEvery_WritesAnEvaluationEpisodeVideo_OnlyOnItsEpochs_AndPerEpisodeDistances()
    {
        string dir = TestPaths.ScratchDirectory();
        string config = WriteConfig(dir, """
            task: ant-maze
            algorithm: ddpg
            epochs: 2
            epoch_length: 50
            min_pool_size: 64
            replay_capacity: 1000
            evaluation_episodes: 2
            hidden_sizes: [8]
            video_every: 2
            video_camera: top
            video_width: 64
            video_height: 48
            """, "video.yaml");
        string run = Path.Combine(dir, "run");
        var (code, _, stderr) = TestPaths.RunCli("train", "--config", config, "--run-dir", run);
        Assert.True(code == 0, stderr);
        var videos = Directory.GetFiles(Path.Combine(run, "videos")).Select(f => Path.GetFileName(f)).ToArray();
        Assert.Equal(["epoch_0002.mp4"], videos);
        var (width, height, frames) = Rendering.Ffmpeg.Probe(Path.Combine(run, "videos", "epoch_0002.mp4"));
        Assert.Equal((64, 48), (width, height));
        Assert.InRange(frames, 2, 501);

        // per evaluation episode: final and minimum distance to the goal; metrics carry the authors' Fig. 3b statistic
        var episodes = File.ReadAllLines(Path.Combine(run, "evaluation", "episodes_0002.csv"));
        Assert.Equal("episode,return,discounted_return,length,final_com_x,final_distance_to_goal,min_distance_to_goal", episodes[0]);
        var cells = episodes.Skip(1).Select(l => l.Split(',').Select(c => double.Parse(c, System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToArray();
        Assert.Equal(2, cells.Length);
        Assert.All(cells, c => Assert.True(c[6] <= c[5] && c[5] > 5, $"min {c[6]} ≤ final {c[5]}, near the start 8 m away"));
        var rows = Metrics(run);
        Assert.Equal(cells.Min(c => c[5]), rows[^1]["final_distance_min"], 9);
        Assert.Equal(Math.Min(rows[0]["final_distance_min"], rows[1]["final_distance_min"]), rows[1]["final_distance_so_far"], 9);
        Directory.Delete(dir, true);
    }

    private static (string Dir, string Run) TrainTiny(int epochs = 3)
    {
        string dir = TestPaths.ScratchDirectory();
        string config = WriteConfig(dir, TinyConfig.Replace("epochs: 3", $"epochs: {epochs}"));
        string run = Path.Combine(dir, "run");
        var (code, _, stderr) = TestPaths.RunCli("train", "--config", config, "--run-dir", run);
        Assert.True(code == 0, stderr);
        return (dir, run);
    }

    /// <summary>
    /// SOFTQ_GEMM=auto (the default): the first run on a machine measures the backends on its own products and caches the
    /// figures, the next reads them; SOFTQ_GEMM forces one. run.json records the backend and why.
    /// </summary>
    [Fact]
    public void Train_ChoosesItsGemmBackend_AndRecordsWhy()
    {
        string dir = TestPaths.ScratchDirectory();
        string config = WriteConfig(dir, TinyConfig.Replace("epochs: 3", "epochs: 1"));
        string cache = Path.Combine(dir, "cache");
        JsonElement Train(string run, string gemm)
        {
            var (code, _, stderr) = TestPaths.RunCliWith(new Dictionary<string, string> { ["SOFTQ_GEMM"] = gemm, ["XDG_CACHE_HOME"] = cache },
                "train", "--config", config, "--run-dir", Path.Combine(dir, run));
            Assert.True(code == 0, stderr);
            Assert.Contains("GEMM backend: ", stderr);
            return JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, run, "run.json"))).RootElement.Clone();
        }

        var measured = Train("first", "auto");
        var choice = measured.GetProperty("gemm_choice");
        Assert.Equal("measured", choice.GetProperty("reason").GetString());
        var figures = choice.GetProperty("microseconds_per_update").EnumerateObject().ToDictionary(f => f.Name, f => f.Value.GetDouble());
        Assert.Equal(["openblas", "onednn", "blis"], figures.Keys);
        string backend = choice.GetProperty("backend").GetString()!;
        Assert.True(figures[backend] <= figures.Values.Min() / (1 - SoftQRobotics.Learning.Blas.GemmSelection.Margin), $"{backend} is not the fastest of {string.Join(", ", figures)}");
        Assert.Equal("sql", choice.GetProperty("key").GetProperty("algorithm").GetString());
        Assert.True(File.Exists(Path.Combine(cache, "softq", "gemm-choice.json")));
        string library = SoftQRobotics.Learning.Blas.Gemm.Describe(SoftQRobotics.Learning.Blas.Gemm.Parse(backend));
        Assert.Equal(library, measured.GetProperty("versions").GetProperty("gemm").GetString());

        var cached = Train("second", "auto").GetProperty("gemm_choice");
        Assert.Equal("cached", cached.GetProperty("reason").GetString());
        Assert.Equal(backend, cached.GetProperty("backend").GetString());

        var forced = Train("forced", "blis");
        Assert.Equal("forced", forced.GetProperty("gemm_choice").GetProperty("reason").GetString());
        Assert.Equal("blis", forced.GetProperty("gemm_choice").GetProperty("backend").GetString());
        Assert.StartsWith("BLIS", forced.GetProperty("versions").GetProperty("gemm").GetString());
        Directory.Delete(dir, true);
    }

    private static string WriteConfig(string dir, string yaml, string name = "tiny.yaml")
    {
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    private static List<SoftQRobotics.Pipelines.EpochMetrics> Metrics(string run) => new SoftQRobotics.Pipelines.RunDirectory(run).ReadMetrics();

    private static Dictionary<string, string> Hashes(string run) =>
        Directory.GetFiles(run, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(run, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));
}
