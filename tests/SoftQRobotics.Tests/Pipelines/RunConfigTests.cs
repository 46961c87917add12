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
        Assert.Equal((16, 100, 5000, 500, 10000, 80), (swimmer.Particles, swimmer.ValueParticles, swimmer.TargetUpdateInterval, swimmer.Epochs, swimmer.EpochLength, swimmer.EvaluationEpisodes));
        Assert.Equal(0.1, swimmer.Alpha / swimmer.RewardScale, 12);   // paper α = 0.1 in the authors' form: scale 10, alpha 1
        Assert.Equal(1.0, swimmer.Alpha);
        var maze = RunConfig.Load(Path.Combine(TestPaths.RepoRoot, "configs", "ant-maze.sql.yaml"));
        Assert.Equal([100, 100], maze.HiddenSizes);
        Assert.Equal((32, 50, 10.0, 1.0, 80), (maze.Particles, maze.ValueParticles, maze.RewardScale, maze.Alpha, maze.EvaluationEpisodes));
        var multigoal = RunConfig.Load(Path.Combine(TestPaths.RepoRoot, "configs", "multigoal.sql.yaml"));
        Assert.Equal((100, 99, 10.0, 100, 1000), (multigoal.Particles, multigoal.ValueParticles, multigoal.Alpha, multigoal.Epochs, multigoal.EpochLength));
        var hallway = RunConfig.Load(Path.Combine(TestPaths.RepoRoot, "configs", "ant-hallway-wide.sql.yaml"));
        Assert.Equal((20000, 20, 1.0, 1000.0, 32, 1, ValueTarget.HardMax, 200), (hallway.FinetuneMinPoolSize, hallway.AnnealEpochs, hallway.FinalAlpha, hallway.FinalRewardScale, hallway.FrozenNoiseStart, hallway.FinalFrozenNoise, hallway.FinetuneValueTarget, hallway.Epochs));
        var medium = RunConfig.Load(Path.Combine(TestPaths.RepoRoot, "configs", "swimmer-finish-line.sql.medium.yaml"));
        Assert.Equal((200, 5000, 1_000_000, 0.15, 0.3), (medium.Epochs, medium.EpochLength, medium.ReplayCapacity, medium.OuTheta, medium.OuSigma));
    }

    [Theory]
    [InlineData("task: multigoal\nepochs: 3\nepoch: 4\n", "unknown key 'epoch' (did you mean 'epochs'?)")]
    [InlineData("task: multigoal\nepochs: ten\n", "key 'epochs' must be an integer (got 'ten')")]
    [InlineData("task: multigoal\nhidden_sizes: 64\n", "key 'hidden_sizes' must be a list of integers")]
    [InlineData("task: ant-moon\n", "key 'task' names an unknown task 'ant-moon'")]
    [InlineData("task: multigoal\nalgorithm: ppo\n", "key 'algorithm' must be one of sql, ddpg")]
    [InlineData("task: multigoal\nalpha: -1\n", "key 'alpha' must be positive")]
    [InlineData("task: multigoal\nreward_scale: 0\n", "key 'reward_scale' must be positive")]
    [InlineData("task: multigoal\nfinal_reward_scale: -3\n", "key 'final_reward_scale' must be positive")]
    [InlineData("task: multigoal\nfinal_reward_scale: big\n", "key 'final_reward_scale' must be a number")]
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
        // without final_reward_scale the scale stays; with it, the authors' 10 → 1000 is the same log-linear path
        Assert.Equal(1.0, FinetuneSchedule.RewardScale(config, 10));
        config.RewardScale = 10;
        config.FinalRewardScale = 1000;
        for (int i = 0; i < epochs.Length; i++) Assert.Equal(1 / alphas[i], FinetuneSchedule.RewardScale(config, epochs[i]), 6);
        // K_ξ = max(1, ⌈32 − 31·e/20⌉): 32, 31, 29, 28, 26, … 3, 1
        Assert.Equal([32, 31, 29, 28, 26], Enumerable.Range(0, 5).Select(e => FinetuneSchedule.FrozenNoise(config, e)));
        Assert.Equal(3, FinetuneSchedule.FrozenNoise(config, 19));
        Assert.Equal(1, FinetuneSchedule.FrozenNoise(config, 20));
        Assert.Equal(1, FinetuneSchedule.FrozenNoise(config, 50));
    }
}
