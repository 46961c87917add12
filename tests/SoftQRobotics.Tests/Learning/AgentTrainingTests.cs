using SoftQRobotics.Envs;
using SoftQRobotics.Envs.Tasks;
using SoftQRobotics.Envs.Vector;
using SoftQRobotics.Learning.Agents;
using SoftQRobotics.Pipelines.Training;
using Xunit.Abstractions;

namespace SoftQRobotics.Tests.Learning;

public class AgentTrainingTests(ITestOutputHelper output)
{
    /// <summary>
    /// Reduced-budget multigoal (the paper's run: 100 × 1000 steps, K = 100, hidden 100): SQL's
    /// evaluation trajectories must reach ≥ 3 of the 4 goals.
    /// </summary>
    [Fact]
    public void Sql_OnMultigoal_ReachesAtLeastThreeGoals()
    {
        var settings = new SqlSettings { HiddenSizes = [64, 64], Particles = 32, ValueParticles = 32, Alpha = 2.0, TargetUpdateInterval = 500, PolicyLearningRate = 1e-3f };
        var agent = new SoftQLearning(2, 2, settings, seed: 1);
        var goals = Train(agent, epochs: 8, seed: 1);
        Assert.True(goals.Count >= 3, $"goals reached: {string.Join(", ", goals)}");
    }

    /// <summary>DDPG commits to a goal (the paper's point: a single one).</summary>
    [Fact]
    public void Ddpg_OnMultigoal_ReachesAGoal()
    {
        var agent = new Ddpg(2, 2, new DdpgSettings { HiddenSizes = [64, 64], TargetUpdateInterval = 500, PolicyLearningRate = 1e-3f }, seed: 1);
        var goals = Train(agent, epochs: 6, seed: 1);
        Assert.NotEmpty(goals);
    }

    private HashSet<int> Train(IAgent agent, int epochs, int seed)
    {
        var trainer = new OffPolicyTrainer(TaskRegistry.Get("multigoal"), agent,
            new TrainerSettings { EpochLength = 1000, MinPoolSize = 1000, ReplayCapacity = 100_000, EvaluationEpisodes = 40 }, seed);
        EpisodeStats[] evaluation = [];
        for (int e = 0; e < epochs; e++)
        {
            var result = trainer.RunEpoch()!;
            evaluation = result.Evaluation;
            output.WriteLine($"epoch {result.Epoch}: return {result.AverageReturn:F2}, q loss {result.MeanQLoss:F3}, {result.GradientStepsPerSecond:F0} updates/s, goals {string.Join(",", GoalsReached(evaluation))}");
        }
        trainer.Dispose();
        return GoalsReached(evaluation);
    }

    /// <summary>Goals that some evaluation trajectory comes within 1.0 of (the env's goal radius).</summary>
    internal static HashSet<int> GoalsReached(EpisodeStats[] episodes)
    {
        var reached = new HashSet<int>();
        foreach (var e in episodes)
        {
            for (int p = 0; p < e.ComTrace.Length; p += 2)
            {
                for (int g = 0; g < MultiGoal.Goals.Length; g++)
                {
                    var (gx, gy) = MultiGoal.Goals[g];
                    if (Math.Sqrt(Math.Pow(e.ComTrace[p] - gx, 2) + Math.Pow(e.ComTrace[p + 1] - gy, 2)) < 1.0) reached.Add(g);
                }
            }
        }
        return reached;
    }
}

/// <summary>The reward scale acts on what enters the replay pool only.</summary>
public class RewardScaleTests
{
    [Fact]
    public void RewardScale_MultipliesPooledRewards_AndLeavesReturnsUnscaled()
    {
        // no learning (min pool above the epoch), same seeds: both trainers take the same actions
        (float[] Rewards, double TrainingReturn, double EvaluationReturn) Collect(double scale)
        {
            var agent = new SoftQLearning(2, 2, new SqlSettings { HiddenSizes = [16], Particles = 4, ValueParticles = 4 }, seed: 3);
            using var trainer = new OffPolicyTrainer(TaskRegistry.Get("multigoal"), agent,
                new TrainerSettings { EpochLength = 200, MinPoolSize = 10_000, ReplayCapacity = 10_000, EvaluationEpisodes = 4, RewardScale = scale }, seed: 3);
            var result = trainer.RunEpoch()!;
            return (trainer.Replay.Rewards[..trainer.Replay.Count], result.MeanTrainingReturn, result.AverageReturn);
        }
        var plain = Collect(1);
        var scaled = Collect(10);
        Assert.Equal(200, plain.Rewards.Length);
        Assert.Contains(plain.Rewards, r => r > 0.05f);
        for (int i = 0; i < plain.Rewards.Length; i++) Assert.Equal(10 * plain.Rewards[i], scaled.Rewards[i], 10 * plain.Rewards[i] * 1e-6f + 1e-7f);
        Assert.Equal(plain.TrainingReturn, scaled.TrainingReturn);
        Assert.Equal(plain.EvaluationReturn, scaled.EvaluationReturn);
    }
}
