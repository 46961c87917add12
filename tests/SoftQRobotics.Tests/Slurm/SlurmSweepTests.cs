using System.Diagnostics;
using System.Text.Json;
using SoftQRobotics.Tests.Pipelines;

namespace SoftQRobotics.Tests.Slurm;

/// <summary>
/// <c>softq sweep --backend slurm</c> and <c>softq report</c> against a real local Slurm cluster:
/// an array completes, a failing task is named, a cancelled task is resumed by <c>sweep --resume</c>,
/// and SIGUSR1 before the time limit checkpoints and requeues the task, all with contiguous metrics.
/// </summary>
[Collection(SlurmClusterCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class SlurmSweepTests(LocalSlurmCluster cluster)
{
    /// <summary>Eight epochs of 400 steps that checkpoint every epoch: long enough to interrupt mid-run.</summary>
    private static readonly string SlowConfig = PipelineEndToEndTests.TinyConfig
        .Replace("epochs: 3", "epochs: 8").Replace("epoch_length: 100", "epoch_length: 400") + "\ncheckpoint_every: 1\n";

    [Fact]
    public void Array_OfThreeTinyRuns_Completes_AndTheReportShowsThreeFinishedSeeds()
    {
        string dir = TestPaths.ScratchDirectory(), sweep = Path.Combine(dir, "sweep");
        string config = Write(dir, "tiny.yaml", PipelineEndToEndTests.TinyConfig);

        var (code, stdout, stderr) = Cli("sweep", "--backend", "slurm", "--config", config, "--seeds", "0-2", "--sweep-dir", sweep, "--wait");
        Assert.True(code == 0, stderr);
        foreach (int seed in new[] { 0, 1, 2 }) Assert.Contains($"seed {seed}: completed", stdout);
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(sweep, "sweep.json")));
        Assert.Equal("slurm", manifest.RootElement.GetProperty("backend").GetString());
        Assert.Matches("^[0-9]+$", manifest.RootElement.GetProperty("submissions")[0].GetProperty("job_id").GetString()!);

        (code, stdout, stderr) = Cli("report", sweep, "--json", "-o", Path.Combine(dir, "curves.svg"));
        Assert.True(code == 0, stderr);
        using var report = JsonDocument.Parse(stdout);
        var seeds = report.RootElement.GetProperty("seeds").EnumerateArray().ToArray();
        Assert.Equal([0, 1, 2], seeds.Select(s => s.GetProperty("seed").GetInt32()));
        Assert.All(seeds, s => Assert.Equal("completed", s.GetProperty("status").GetString()));
        Assert.All(seeds, s => Assert.Equal(3, s.GetProperty("epochs_done").GetInt32()));
        Assert.All(seeds, s => Assert.Equal("goals_reached", s.GetProperty("metric_name").GetString()));
        Assert.Contains("(n=3)", File.ReadAllText(Path.Combine(dir, "curves.svg")));
        (code, stdout, _) = Cli("report", sweep);
        Assert.Equal(3, stdout.Split('\n').Count(l => l.Contains(" completed ")));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Wait_ExitsNonZero_NamingTheSeedThatFailed()
    {
        string dir = TestPaths.ScratchDirectory(), sweep = Path.Combine(dir, "sweep");
        string config = Write(dir, "tiny.yaml", PipelineEndToEndTests.TinyConfig);
        Directory.CreateDirectory(sweep);
        File.WriteAllText(Path.Combine(sweep, "seed1"), "a file where seed 1's run directory would go");

        var (code, stdout, stderr) = Cli("sweep", "--backend", "slurm", "--config", config, "--seeds", "0,1", "--sweep-dir", sweep, "--wait");
        Assert.Equal(1, code);
        Assert.Contains("seed 0: completed", stdout);
        Assert.Contains("seed 1: failed", stdout);
        Assert.Contains("softq: error: sweep: seeds 1 failed", stderr);
        Assert.Contains("softq: error:", File.ReadAllText(Path.Combine(sweep, "logs", "seed1.out")));   // the task's own one-line error
        Directory.Delete(dir, true);
    }

    [Fact]
    public void CancelledTask_IsResumedBySweepResume_FromItsCheckpoint_WithContiguousMetrics()
    {
        string dir = TestPaths.ScratchDirectory(), sweep = Path.Combine(dir, "sweep");
        string config = Write(dir, "slow.yaml", SlowConfig);
        var (code, _, stderr) = Cli("sweep", "--backend", "slurm", "--config", config, "--seeds", "4", "--sweep-dir", sweep);
        Assert.True(code == 0, stderr);
        string run = Path.Combine(sweep, "seed4"), log = Path.Combine(sweep, "logs", "seed4.out");
        string task = $"{JobId(sweep)}_4";
        WaitExplaining(() => MetricRows(run) >= 2, "two epochs", 60, task, run, log);

        cluster.Run("scancel", task);   // SIGTERM: the trainer checkpoints and stops
        WaitExplaining(() => Status(run) == "interrupted", "the cancelled task's checkpoint", 180, task, run, log);
        Assert.InRange(MetricRows(run), 2, 7);

        (code, var stdout, stderr) = Cli("sweep", "--resume", sweep, "--wait");
        Assert.True(code == 0, stderr);
        Assert.Contains("seed 4: completed", stdout);
        AssertContiguous(run, 8);
        using var info = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "run.json")));
        Assert.Equal(1, info.RootElement.GetProperty("resumed").GetInt32());
        Assert.Equal(2, JsonDocument.Parse(File.ReadAllText(Path.Combine(sweep, "sweep.json"))).RootElement.GetProperty("submissions").GetArrayLength());

        (code, _, stderr) = Cli("sweep", "--resume", sweep);
        Assert.Equal(0, code);
        Assert.Contains("nothing to resume", stderr);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Usr1BeforeTheTimeLimit_CheckpointsAndRequeuesTheTask_WhichResumes()
    {
        string dir = TestPaths.ScratchDirectory(), sweep = Path.Combine(dir, "sweep");
        string config = Write(dir, "slow.yaml", SlowConfig);
        var (code, _, stderr) = Cli("sweep", "--backend", "slurm", "--config", config, "--seeds", "0", "--sweep-dir", sweep, "--time", "30:00");
        Assert.True(code == 0, stderr);
        string run = Path.Combine(sweep, "seed0"), log = Path.Combine(sweep, "logs", "seed0.out");
        string task = $"{JobId(sweep)}_0";
        cluster.WaitFor(() => MetricRows(run) >= 2, "two epochs");

        // what sbatch --signal=B:USR1@N delivers N seconds before the time limit
        cluster.Run("scancel", "--signal=USR1", "--batch", task);
        cluster.WaitFor(() => File.ReadAllText(log).Contains("requeueing"), "the task requeueing itself");
        Assert.Equal("interrupted", Status(run));
        // Slurm holds a requeued job back for a fixed delay; skip it
        cluster.WaitFor(() => cluster.Run("scontrol", "show", "job", task).Contains("Restarts=1"), "the requeued task");
        // start it only once the node has released the first instance (a launch onto a node still cleaning
        // it up fails the job); nudged again while it is still pending
        cluster.WaitFor(() => cluster.Run("scontrol", "-o", "show", "node").Contains("CPUAlloc=0"), "the node to release the first instance");
        // slurmd revoked the first instance's credentials at whole-second resolution: a launch credential
        // issued within the same second counts as revoked ("Job N already killed, do not launch batch job")
        // and fails the job. That is what Slurm's own hold-back delay avoids; wait out two seconds instead.
        Thread.Sleep(TimeSpan.FromSeconds(2));
        cluster.Run("scontrol", "update", $"JobId={task}", "StartTime=now");
        var nudged = Stopwatch.StartNew();
        WaitExplaining(() =>
        {
            if (nudged.Elapsed.TotalSeconds > 10 && cluster.Run("squeue", "-h", "-j", task, "-o", "%T").Trim() == "PENDING")
            {
                cluster.Run("scontrol", "update", $"JobId={task}", "StartTime=now");
                nudged.Restart();
            }
            return Status(run) == "completed";
        }, "the requeued task to finish", 300, task, run, log);

        AssertContiguous(run, 8);
        string output = File.ReadAllText(log);
        Assert.Contains("restart 1", output);
        Assert.Contains("resuming", output);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void DryRun_PrintsTheScript_AndCreatesNothing()
    {
        string dir = TestPaths.ScratchDirectory(), sweep = Path.Combine(dir, "sweep");
        string config = Write(dir, "tiny.yaml", PipelineEndToEndTests.TinyConfig);
        var (code, script, stderr) = Cli("sweep", "--backend", "slurm", "--config", config, "--seeds", "0,2,5", "--sweep-dir", sweep, "--dry-run",
            "--time", "2-00:00:00", "--mem", "8G", "--cpus-per-task", "2", "--partition", "cpu", "--signal-before", "120", "--sbatch-arg=--qos=long");
        Assert.True(code == 0, stderr);
        foreach (string line in new[] { "#SBATCH --array=0,2,5", "#SBATCH --time=2-00:00:00", "#SBATCH --mem=8G", "#SBATCH --cpus-per-task=2",
                     "#SBATCH --partition=cpu", "#SBATCH --signal=B:USR1@120", "#SBATCH --requeue", "#SBATCH --qos=long", "#SBATCH --open-mode=append" })
        {
            Assert.Contains(line + "\n", script);
        }
        Assert.False(Directory.Exists(sweep));
        string file = Write(dir, "script.sh", script);
        Assert.Equal("", cluster.Run("bash", "-n", file));   // parses as bash
        Directory.Delete(dir, true);
    }

    /// <summary>Waits for <paramref name="condition"/>; on timeout says what the job, the run and the task's log show (the cluster's folder goes with the fixture).</summary>
    private void WaitExplaining(Func<bool> condition, string what, int seconds, string task, string run, string log)
    {
        try
        {
            cluster.WaitFor(condition, what, seconds);
        }
        catch (TimeoutException e)
        {
            string job = cluster.Run("scontrol", "-o", "show", "job", task);
            string tail = File.Exists(log) ? string.Join('\n', File.ReadAllLines(log).TakeLast(15)) : "(no log)";
            string slurmd = string.Join('\n', Directory.GetFiles(Path.Combine(cluster.Folder, "log"), "slurmd*")
                .SelectMany(f => File.ReadAllLines(f).TakeLast(25)));
            throw new TimeoutException($"{e.Message}\njob: {job}\nrun status: {Status(run)}, metric rows {MetricRows(run)}\n{log} (last lines):\n{tail}\nslurmd log (last lines):\n{slurmd}", e);
        }
    }

    private (int Code, string Stdout, string Stderr) Cli(params string[] args) => TestPaths.RunCliWith(cluster.Environment, args);

    private static string Write(string dir, string name, string text)
    {
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string JobId(string sweep) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(sweep, "sweep.json"))).RootElement.GetProperty("submissions")[0].GetProperty("job_id").GetString()!;

    private static int MetricRows(string run)
    {
        string file = Path.Combine(run, "metrics.csv");
        return File.Exists(file) ? Math.Max(0, File.ReadAllLines(file).Count(l => l.Length > 0) - 1) : 0;
    }

    private static string? Status(string run)
    {
        string file = Path.Combine(run, "run.json");
        if (!File.Exists(file)) return null;
        try
        {
            using var info = JsonDocument.Parse(File.ReadAllText(file));
            return info.RootElement.GetProperty("status").GetString();
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return null;   // mid-write
        }
    }

    private static void AssertContiguous(string run, int epochs)
    {
        var rows = new SoftQRobotics.Pipelines.RunDirectory(run).ReadMetrics();
        Assert.Equal(Enumerable.Range(1, epochs), rows.Select(r => (int)r["epoch"]));
        Assert.Equal(Enumerable.Range(1, epochs).Select(e => e * 400), rows.Select(r => (int)r["env_steps"]));
        Assert.Equal(epochs * 400 - 64 + 1, (int)rows[^1]["gradient_steps"]);
    }
}
