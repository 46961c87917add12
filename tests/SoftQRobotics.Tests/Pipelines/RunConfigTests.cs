using SoftQRobotics.Learning.Agents;
using SoftQRobotics.Pipelines;
using SoftQRobotics.Pipelines.Training;

namespace SoftQRobotics.Tests.Pipelines;

public class RunConfigTests
{
    public static TheoryData<string> ConfigFiles()
    {
        // the shipped configs and the ones the documented experiments ran (docs/results/EXPERIMENT/configs/), as paths from the repository root
        var data = new TheoryData<string>();
        var experimentConfigs = Directory.GetDirectories(Path.Combine(TestPaths.RepoRoot, "docs", "results"), "configs", SearchOption.AllDirectories);
        foreach (var folder in experimentConfigs.Prepend(Path.Combine(TestPaths.RepoRoot, "configs")))
            foreach (var f in Directory.GetFiles(folder, "*.yaml").Order()) data.Add(Path.GetRelativePath(TestPaths.RepoRoot, f));
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
        var config = RunConfig.Load(Path.Combine(TestPaths.RepoRoot, file));
        Assert.Equal(config.ToYaml(), RunConfig.Parse(config.ToYaml(), file).ToYaml());
        Assert.Contains(Path.GetFileName(file).Contains(".sql.") ? "sql" : "ddpg", config.ToYaml());
    }

    [Fact]
    public void FullBudgetConfigs_CarryTheSpecTable()
    {
        var swimmer = RunConfig.Load(Path.Combine(TestPaths.RepoRoot, "configs", "swimmer-finish-line.sql.yaml"));
        var sql = swimmer.Sql!;
        Assert.Equal([200, 200], sql.HiddenSizes);
        Assert.Equal((16, 100, 5000, 500, 10000, 80), (sql.Particles, sql.ValueParticles, sql.TargetUpdateInterval, swimmer.Epochs, swimmer.Trainer.EpochLength, swimmer.Trainer.EvaluationEpisodes));
        Assert.Equal(0.1, sql.Alpha / swimmer.Trainer.RewardScale, 12);   // paper α = 0.1 in the authors' form: scale 10, alpha 1
        Assert.Equal(1.0, sql.Alpha);
        var maze = RunConfig.Load(Path.Combine(TestPaths.RepoRoot, "configs", "ant-maze.sql.yaml"));
        Assert.Equal([100, 100], maze.Learner.HiddenSizes);
        Assert.Equal((32, 50, 10.0, 1.0, 80), (maze.Sql!.Particles, maze.Sql.ValueParticles, maze.Trainer.RewardScale, maze.Sql.Alpha, maze.Trainer.EvaluationEpisodes));
        var multigoal = RunConfig.Load(Path.Combine(TestPaths.RepoRoot, "configs", "multigoal.sql.yaml"));
        Assert.Equal((100, 99, 1.0, 0.1, 100, 1000), (multigoal.Sql!.Particles, multigoal.Sql.ValueParticles, multigoal.Sql.Alpha, multigoal.Trainer.RewardScale, multigoal.Epochs, multigoal.Trainer.EpochLength));   // paper α = 10 in the authors' form
        var hallway = RunConfig.Load(Path.Combine(TestPaths.RepoRoot, "configs", "ant-hallway-wide.sql.yaml")).Finetune;
        Assert.Equal((20000, 20, 1.0, 1000.0, 32, 1, ValueTarget.HardMax), (hallway.MinPoolSize, hallway.AnnealEpochs, hallway.FinalAlpha, hallway.FinalRewardScale, hallway.FrozenNoiseStart, hallway.FinalFrozenNoise, hallway.ValueTarget));
        var medium = RunConfig.Load(Path.Combine(TestPaths.RepoRoot, "configs", "swimmer-finish-line.sql.medium.yaml"));
        Assert.Equal((200, 5000, 1_000_000, 0.15, 0.3), (medium.Epochs, medium.Trainer.EpochLength, medium.Trainer.ReplayCapacity, medium.Trainer.OuTheta, medium.Trainer.OuSigma));
        // the 2 M-step swimmer runs: 400 x 5000 steps, 80 evaluation episodes, the pool kept in the checkpoints (runs longer than a session)
        foreach (var algorithm in new[] { AlgorithmName.Sql, AlgorithmName.Ddpg })
        {
            var twoMillion = RunConfig.Load(Path.Combine(TestPaths.RepoRoot, "configs", $"swimmer-finish-line.{algorithm.ToString().ToLowerInvariant()}.2m.yaml"));
            Assert.Equal((400, 5000, 80, true, algorithm), (twoMillion.Epochs, twoMillion.Trainer.EpochLength, twoMillion.Trainer.EvaluationEpisodes, twoMillion.SaveReplayBuffer, twoMillion.Algorithm));
        }
        var sql2m = RunConfig.Load(Path.Combine(TestPaths.RepoRoot, "configs", "swimmer-finish-line.sql.2m.yaml"));
        // item 2's 1 M-step setting that swims forward past the line: the authors' networks, K_V 32, target copy every 1 000
        Assert.Equal(new[] { 200, 200 }, sql2m.Learner.HiddenSizes);
        Assert.Equal((32, 1000, 1e-4f, 0.1, 1.0), (sql2m.Sql!.ValueParticles, sql2m.Sql.TargetUpdateInterval, sql2m.Sql.PolicyLearningRate, sql2m.Sql.Alpha, sql2m.Trainer.RewardScale));
    }

    [Fact]
    public void EverySetting_IsOneKey_ReadFromYaml_IntoItsSection()
    {
        // updates_per_step (trainer), particles (SQL learner), batch_size (shared learner base), video_width (video)
        var config = RunConfig.Parse("task: multigoal\nupdates_per_step: 4\nparticles: 7\nbatch_size: 32\nvideo_width: 200\nfinetune_min_pool_size: 500\n", "t.yaml");
        Assert.Equal((4, 7, 32, 200, 500), (config.Trainer.UpdatesPerStep, config.Sql!.Particles, config.Learner.BatchSize, config.Video.Width, config.Finetune.MinPoolSize));
        // every key written is read back into the same place
        Assert.Equal(config, RunConfig.Parse(config.ToYaml(), "t.yaml") with { }, new ConfigComparer());
        var ddpg = RunConfig.Parse("task: multigoal\nalgorithm: ddpg\nbatch_size: 16\n", "d.yaml");
        Assert.IsType<DdpgSettings>(ddpg.Learner);
        Assert.DoesNotContain("particles", ddpg.ToYaml());
        Assert.Equal(16, RunConfig.Parse(ddpg.ToYaml(), "d.yaml").Learner.BatchSize);
        // a key is declared once: keys are unique across sections (the key table would refuse to build otherwise)
        var keys = ConfigFile.Keys(AlgorithmName.Sql).Select(k => k.Key).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.Contains("updates_per_step", keys);
    }

    [Theory]
    [InlineData("sql")]
    [InlineData("ddpg")]
    public void DocsConfigs_ListsEveryKeyWithItsDefault(string algorithm)
    {
        var table = File.ReadAllLines(Path.Combine(TestPaths.RepoRoot, "docs", "configs.md"))
            .Where(l => l.StartsWith("| `"))
            .Select(l => l.Split('|', StringSplitOptions.TrimEntries))
            .ToDictionary(cells => cells[1].Trim('`'), cells => cells[2].Trim('`'));
        var defaults = RunConfig.Parse($"task: multigoal\nalgorithm: {algorithm}\n", "defaults.yaml").ToYaml()
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(": ", 2)).ToDictionary(kv => kv[0], kv => kv[1]);
        foreach (var key in ConfigFile.Keys(algorithm == "sql" ? AlgorithmName.Sql : AlgorithmName.Ddpg).Select(k => k.Key).Where(k => k != "task"))
        {
            Assert.True(table.ContainsKey(key), $"docs/configs.md does not list '{key}'");
            Assert.Equal(defaults[key], table[key]);
        }
    }

    private sealed class ConfigComparer : IEqualityComparer<RunConfig>
    {
        public bool Equals(RunConfig? a, RunConfig? b) => a!.ToYaml() == b!.ToYaml();
        public int GetHashCode(RunConfig c) => c.ToYaml().GetHashCode();
    }

    [Fact]
    public void AnotherAlgorithmsKey_IsRefusedInAConfig_ButIgnoredInAnOlderRunsResolvedConfig()
    {
        var e = Assert.Throws<InvalidDataException>(() => RunConfig.Parse("task: multigoal\nalgorithm: ddpg\nalpha: 1\n", "bad.yaml"));
        Assert.Contains("key 'alpha' is not a setting of ddpg", e.Message);
        Assert.Equal(AlgorithmName.Ddpg, RunConfig.Parse("task: multigoal\nalgorithm: ddpg\nalpha: 1\n", "run/config.yaml", resolved: true).Algorithm);
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
    [InlineData("task: multigoal\nhidden_sizes: [64, 0]\n", "key 'hidden_sizes' must list at least one value, each at least 1")]
    [InlineData("task: multigoal\ndiscount: 1.5\n", "key 'discount' must be in [0, 1]")]
    [InlineData("task: multigoal\nupdates_per_step: 0\n", "key 'updates_per_step' must be at least 1")]
    [InlineData("task: multigoal\nbatch_size: 128\nmin_pool_size: 100\n", "key 'min_pool_size' must be at least batch_size")]
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
        var config = new RunConfig
        {
            Task = "ant-hallway-wide", Learner = new SqlSettings { Alpha = 0.1 },
            Finetune = new FinetuneSettings { FinalAlpha = 0.001, AnnealEpochs = 20, FrozenNoiseStart = 32, FinalFrozenNoise = 1 },
        };
        // α: 0.1 → 0.0316 → 0.01 → 0.00316 → 0.001 at epochs 0/5/10/15/20, then constant
        double[] alphas = [0.1, Math.Sqrt(0.1 * 0.01), 0.01, Math.Sqrt(0.01 * 0.001), 0.001, 0.001];
        int[] epochs = [0, 5, 10, 15, 20, 30];
        for (int i = 0; i < epochs.Length; i++) Assert.Equal(alphas[i], FinetuneSchedule.Alpha(config, epochs[i]), 9);
        // without final_reward_scale the scale stays; with it, the authors' 10 → 1000 is the same log-linear path
        Assert.Equal(1.0, FinetuneSchedule.RewardScale(config, 10));
        config = config with { Trainer = new() { RewardScale = 10 }, Finetune = config.Finetune with { FinalRewardScale = 1000 } };
        for (int i = 0; i < epochs.Length; i++) Assert.Equal(1 / alphas[i], FinetuneSchedule.RewardScale(config, epochs[i]), 6);
        // K_ξ = max(1, ⌈32 − 31·e/20⌉): 32, 31, 29, 28, 26, … 3, 1
        Assert.Equal([32, 31, 29, 28, 26], Enumerable.Range(0, 5).Select(e => FinetuneSchedule.FrozenNoise(config, e)));
        Assert.Equal(3, FinetuneSchedule.FrozenNoise(config, 19));
        Assert.Equal(1, FinetuneSchedule.FrozenNoise(config, 20));
        Assert.Equal(1, FinetuneSchedule.FrozenNoise(config, 50));
    }
}
