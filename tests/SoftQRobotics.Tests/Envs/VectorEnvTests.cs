using SoftQRobotics.Core;
using SoftQRobotics.Envs;
using SoftQRobotics.Envs.Tasks;
using SoftQRobotics.Envs.Vector;

namespace SoftQRobotics.Tests.Envs;

public class VectorEnvTests
{
    [Theory]
    [InlineData("ant-maze")]
    [InlineData("swimmer-finish-line")]
    [InlineData("multigoal")]
    public void Results_AreBitIdentical_ForAnyThreadCount(string task)
    {
        var one = Trace(task, threads: 1);
        Assert.Equal(one, Trace(task, threads: 2));
        Assert.Equal(one, Trace(task, threads: 3));
    }

    [Fact]
    public void Autoreset_KeepsFinalObservation_CountsEpisodes_AndStartsTheNextEpisode()
    {
        using var envs = new VectorEnv(TaskRegistry.Get("multigoal"), numEnvs: 3, numThreads: 2);
        envs.Reset(0);
        double expectedReturn = 0;
        for (int t = 0; t < 20; t++)
        {
            // env 0 walks right, 1 walks up, 2 stays
            envs.Actions.AsSpan().Clear();
            envs.Actions[0] = 1;
            envs.Actions[3] = 1;
            expectedReturn += MultiGoal.RewardAt(Math.Min(t, 7), 0);
            envs.Step();
            Assert.Equal(t == 19, envs.Truncated[0]);
        }

        // the finished episodes' last observations are kept; the current ones are the reset ones
        Assert.Equal([7f, 0f, 0f, 7f, 0f, 0f], envs.FinalObservations);
        Assert.Equal([0f, 0f, 0f, 0f, 0f, 0f], envs.Observations);
        Assert.All(envs.EpisodeLengths, l => Assert.Equal(20, l));
        Assert.Equal(expectedReturn, envs.EpisodeReturns[0], 12);
        Assert.Equal(expectedReturn, envs.EpisodeReturns[1], 12);
        Assert.Equal(20 * 0.1, envs.EpisodeReturns[2], 12);
        Assert.Equal(20, envs.FinalInfos[0].Step);
        Assert.Equal(0, envs.Infos[0].Step);
        Assert.All(envs.Active, Assert.True);

        // the next step belongs to the new episode, with fresh counters
        envs.Actions.AsSpan().Clear();
        envs.Step();
        Assert.False(envs.Truncated[0]);
        Assert.Equal(1, envs.Infos[0].Step);
        Assert.Equal(0.1, envs.Rewards[0], 12);
    }

    [Fact]
    public void SubEnvI_IsSeededWithSeedPlusI()
    {
        using var envs = new VectorEnv(new SeedEchoTask(), numEnvs: 4, numThreads: 2);
        envs.Reset(100);
        Assert.Equal([100f, 101f, 102f, 103f], envs.Observations);
        envs.Step();
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal((float)new Random(100 + i).NextDouble(), envs.Observations[i]);
        }
    }

    [Fact]
    public void BadActionRow_IsRejectedBeforeAnySubEnvMoves()
    {
        using var envs = new VectorEnv(TaskRegistry.Get("multigoal"), numEnvs: 3, numThreads: 2);
        envs.Reset(0);
        envs.Actions.AsSpan().Fill(1f);
        envs.Actions[5] = float.NaN;
        var e = Assert.Throws<ArgumentException>(envs.Step);
        Assert.Contains("sub-env 2", e.Message);
        Assert.Equal(new float[6], envs.Observations);
    }

    [Fact]
    public void WithoutAutoreset_FinishedSubEnvsStayFinished()
    {
        using var envs = new VectorEnv(TaskRegistry.Get("multigoal"), numEnvs: 2, numThreads: 1, autoReset: false);
        envs.Reset(0);
        for (int t = 0; t < 20; t++) envs.Step();
        Assert.All(envs.Active, Assert.False);
        envs.Step();
        Assert.All(envs.Rewards, r => Assert.Equal(0, r));
        Assert.All(envs.Truncated, Assert.False);
    }

    [Fact]
    public void Evaluator_RunsOneEpisodePerSubEnv_WithOneBatchedPolicyCallPerStep()
    {
        using var envs = new VectorEnv(TaskRegistry.Get("multigoal"), numEnvs: 4, numThreads: 2, autoReset: false);
        var policy = new TowardsGoalPolicy();
        var stats = Evaluator.Run(envs, policy, seed: 0, discount: 0.5);
        Assert.Equal(20, policy.Calls);
        Assert.Equal(4, stats.Length);
        foreach (var s in stats)
        {
            Assert.Equal(20, s.Length);
            Assert.Equal(0, s.MinDistanceToGoal, 9);      // reaches (5, 0) after five steps
            Assert.Equal(5, s.MaxComX, 9);
            Assert.Equal(42, s.ComTrace.Length);         // initial state + 20 steps, (x, y) each
        }
        double expected = 0, discounted = 0;
        for (int t = 0; t < 20; t++)
        {
            double r = MultiGoal.RewardAt(Math.Min(t, 5), 0);
            expected += r;
            discounted += Math.Pow(0.5, t) * r;
        }
        Assert.Equal(expected, stats[0].Return, 9);
        Assert.Equal(discounted, stats[0].DiscountedReturn, 9);
    }

    private static List<double> Trace(string task, int threads)
    {
        using var envs = new VectorEnv(TaskRegistry.Get(task), numEnvs: 5, numThreads: threads);
        var rng = new Random(42);
        var trace = new List<double>();
        envs.Reset(7);
        for (int t = 0; t < 120; t++)
        {
            for (int k = 0; k < envs.Actions.Length; k++) envs.Actions[k] = (float)(2 * rng.NextDouble() - 1);
            envs.Step();
            trace.AddRange(envs.Observations.Select(v => (double)v));
            trace.AddRange(envs.Rewards);
            trace.AddRange(envs.Terminated.Select(b => b ? 1.0 : 0.0));
        }
        return trace;
    }

    /// <summary>Moves towards the goal (5, 0) at full speed, then holds.</summary>
    private sealed class TowardsGoalPolicy : IBatchPolicy
    {
        internal int Calls;

        public void Act(ReadOnlySpan<float> observations, Span<float> actions, int count)
        {
            Calls++;
            for (int i = 0; i < count; i++)
            {
                actions[2 * i] = Math.Clamp(5 - observations[2 * i], -1f, 1f);
                actions[2 * i + 1] = 0;
            }
        }
    }

    /// <summary>An env whose first observation is its reset seed and whose next ones are draws from its seeded stream.</summary>
    private sealed class SeedEchoTask : TaskDefinition
    {
        public override EnvSpec Spec { get; } = new("seed-echo", 1, 1, 10, 1, double.PositiveInfinity, "test");
        public override IEnv CreateEnv() => new SeedEcho(Spec);
        public override TaskOutcome Outcome(IReadOnlyList<EpisodeStats> episodes) => throw new NotSupportedException("a test env has no outcome");
        public override string? Success => null;

        private sealed class SeedEcho(EnvSpec spec) : IEnv
        {
            private Random _rng = new();
            public EnvSpec Spec => spec;

            public EnvInfo Reset(int? seed, Span<float> observation)
            {
                if (seed is { } s) _rng = new Random(s);
                observation[0] = seed ?? -1;
                return default;
            }

            public StepResult Step(ReadOnlySpan<float> action, Span<float> observation)
            {
                observation[0] = (float)_rng.NextDouble();
                return new StepResult(0, false, false, default);
            }

            public void Dispose() { }
        }
    }
}
