using SoftQRobotics.Learning.Agents;
using SoftQRobotics.Pipelines;

namespace SoftQRobotics.Tests.Pipelines;

public class RunConfigTests
{
    public static TheoryData<string> ConfigFiles()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Path.Combine(TestPaths.RepoRoot, "configs"), "*.yaml").Order()) data.Add(Path.GetFileName(f));
        return data;
    }

    [Fact]
    public void EveryExperiment_HasFullAndQuickConfigs_ForBothAlgorithms()
    {
        string[] experiments = ["multigoal", "swimmer-finish-line", "ant-maze", "ant-pretrain", "ant-hallway-wide", "ant-hallway-narrow", "ant-u-maze"];
        foreach (var e in experiments)
        {
            foreach (var algo in new[] { "sql", "ddpg" })
            {
                Assert.True(File.Exists(Path.Combine(TestPaths.RepoRoot, "configs", $"{e}.{algo}.yaml")), $"{e}.{algo}.yaml");
                Assert.True(File.Exists(Path.Combine(TestPaths.RepoRoot, "configs", $"{e}.{algo}.quick.yaml")), $"{e}.{algo}.quick.yaml");
            }
        }
    }

    [Theory]
    [MemberData(nameof(ConfigFiles))]
    public void ShippedConfig_IsValid_AndRoundTripsThroughYaml(string file)
    {
        var config = RunConfig.Load(Path.Combine(TestPaths.RepoRoot, "configs", file));
        Assert.Equal(config.ToYaml(), RunConfig.Parse(config.ToYaml(), file).ToYaml());
        Assert.Contains(file.Contains(".sql.") ? "sql" : "ddpg", config.ToYaml());
    }

    [Fact]
    public void FullBudgetConfigs_CarryTheSpecTable()
    {
        var swimmer = RunConfig.Load(Path.Combine(TestPaths.RepoRoot, "configs", "swimmer-finish-line.sql.yaml"));
        Assert.Equal([200, 200], swimmer.HiddenSizes);
        Assert.Equal((16, 100, 0.1, 5000, 500, 10000), (swimmer.Particles, swimmer.ValueParticles, swimmer.Alpha, swimmer.TargetUpdateInterval, swimmer.Epochs, swimmer.EpochLength));
        var maze = RunConfig.Load(Path.Combine(TestPaths.RepoRoot, "configs", "ant-maze.sql.yaml"));
        Assert.Equal([100, 100], maze.HiddenSizes);
        Assert.Equal((32, 50, 0.1), (maze.Particles, maze.ValueParticles, maze.Alpha));
        var multigoal = RunConfig.Load(Path.Combine(TestPaths.RepoRoot, "configs", "multigoal.sql.yaml"));
        Assert.Equal((100, 99, 10.0, 100, 1000), (multigoal.Particles, multigoal.ValueParticles, multigoal.Alpha, multigoal.Epochs, multigoal.EpochLength));
        var hallway = RunConfig.Load(Path.Combine(TestPaths.RepoRoot, "configs", "ant-hallway-wide.sql.yaml"));
        Assert.Equal((20000, 20, 0.001, 32, 1, ValueTarget.HardMax, 200), (hallway.FinetuneMinPoolSize, hallway.AnnealEpochs, hallway.FinalAlpha, hallway.FrozenNoiseStart, hallway.FinalFrozenNoise, hallway.FinetuneValueTarget, hallway.Epochs));
    }

    [Theory]
    [InlineData("task: multigoal\nepochs: 3\nepoch: 4\n", "unknown key 'epoch' (did you mean 'epochs'?)")]
    [InlineData("task: multigoal\nepochs: ten\n", "key 'epochs' must be an integer (got 'ten')")]
    [InlineData("task: multigoal\nhidden_sizes: 64\n", "key 'hidden_sizes' must be a list of integers")]
    [InlineData("task: ant-moon\n", "key 'task' names an unknown task 'ant-moon'")]
    [InlineData("task: multigoal\nalgorithm: ppo\n", "key 'algorithm' must be one of sql, ddpg")]
    [InlineData("task: multigoal\nalpha: -1\n", "key 'alpha' must be positive")]
    [InlineData("epochs: 3\n", "key 'task' is required")]
    [InlineData("task: [multigoal\n", "malformed YAML")]
    [InlineData("- a\n- b\n", "expected a mapping")]
    public void BadConfig_IsAClearErrorNamingTheKey(string yaml, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => RunConfig.Parse(yaml, "bad.yaml"));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("bad.yaml", e.Message);
    }

    [Fact]
    public void FinetuneSchedule_MatchesTheSpec()
    {
        var config = new RunConfig { Task = "ant-hallway-wide", Alpha = 0.1, FinalAlpha = 0.001, AnnealEpochs = 20, FrozenNoiseStart = 32, FinalFrozenNoise = 1 };
        // α: 0.1 → 0.0316 → 0.01 → 0.00316 → 0.001 at epochs 0/5/10/15/20, then constant
        double[] alphas = [0.1, Math.Sqrt(0.1 * 0.01), 0.01, Math.Sqrt(0.01 * 0.001), 0.001, 0.001];
        int[] epochs = [0, 5, 10, 15, 20, 30];
        for (int i = 0; i < epochs.Length; i++) Assert.Equal(alphas[i], FinetuneSchedule.Alpha(config, epochs[i]), 9);
        // K_ξ = max(1, ⌈32 − 31·e/20⌉): 32, 31, 29, 28, 26, … 3, 1
        Assert.Equal([32, 31, 29, 28, 26], Enumerable.Range(0, 5).Select(e => FinetuneSchedule.FrozenNoise(config, e)));
        Assert.Equal(3, FinetuneSchedule.FrozenNoise(config, 19));
        Assert.Equal(1, FinetuneSchedule.FrozenNoise(config, 20));
        Assert.Equal(1, FinetuneSchedule.FrozenNoise(config, 50));
    }
}
