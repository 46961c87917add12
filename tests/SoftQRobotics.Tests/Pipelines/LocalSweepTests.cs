using System.Text.Json;

namespace SoftQRobotics.Tests.Pipelines;

/// <summary>The local backend writes the same sweep folder as Slurm: report and --resume work on it alike.</summary>
public class LocalSweepTests
{
    [Fact]
    public void LocalSweep_WritesSeedRunsIntoTheSweepFolder_ReportShowsThem_ResumeRerunsOnlyUnfinishedSeeds()
    {
        string dir = TestPaths.ScratchDirectory(), sweep = Path.Combine(dir, "sweep");
        string config = Path.Combine(dir, "tiny.yaml");
        File.WriteAllText(config, PipelineEndToEndTests.TinyConfig);
        var (code, stdout, stderr) = TestPaths.RunCli("sweep", "--config", config, "--seeds", "0-1", "--sweep-dir", sweep, "--epochs", "2");
        Assert.True(code == 0, stderr);
        Assert.Contains("seed 0: completed", stdout);
        Assert.Contains("seed 1: completed", stdout);
        Assert.Contains("done: 2 epochs", File.ReadAllText(Path.Combine(sweep, "logs", "seed1.out")));

        // seed 1 left unfinished: a run.json that says interrupted, as after Ctrl-C
        string runFile = Path.Combine(sweep, "seed1", "run.json");
        File.WriteAllText(runFile, File.ReadAllText(runFile).Replace("\"completed\"", "\"interrupted\""));
        (code, stdout, stderr) = TestPaths.RunCli("report", sweep, "--json");
        Assert.True(code == 0, stderr);
        using (var report = JsonDocument.Parse(stdout))
        {
            var status = report.RootElement.GetProperty("seeds").EnumerateArray().Select(s => s.GetProperty("status").GetString());
            Assert.Equal(["completed", "interrupted"], status);
        }
        var before = File.GetLastWriteTimeUtc(Path.Combine(sweep, "seed0", "metrics.csv"));
        (code, stdout, stderr) = TestPaths.RunCli("sweep", "--resume", sweep);
        Assert.True(code == 0, stderr);
        Assert.Contains("resuming seeds 1 of", stderr);
        Assert.Equal(before, File.GetLastWriteTimeUtc(Path.Combine(sweep, "seed0", "metrics.csv")));   // seed 0 untouched
        Assert.Contains("\"completed\"", File.ReadAllText(runFile));
        Assert.Equal(2, new SoftQRobotics.Pipelines.RunDirectory(Path.Combine(sweep, "seed1")).ReadMetrics().Count);
        Directory.Delete(dir, true);
    }
}
