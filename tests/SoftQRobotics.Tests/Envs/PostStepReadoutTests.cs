using SoftQRobotics.Core;
using SoftQRobotics.Envs;
using SoftQRobotics.Envs.Mujoco;
using SoftQRobotics.Envs.Tasks;
using SoftQRobotics.Mujoco;
using Xunit.Abstractions;

namespace SoftQRobotics.Tests.Envs;

/// <summary>
/// Observation and reward after a step describe the state after it: they equal what a fresh
/// <see cref="MjData"/>, set to the same state and forwarded, gives (docs/implementation-details.md,
/// "Post-step readout").
/// </summary>
public class PostStepReadoutTests(ITestOutputHelper output)
{
    private const int Steps = 300;

    public static TheoryData<string> Tasks => new() { "swimmer-finish-line", "ant-open", "ant-maze" };

    [Theory]
    [MemberData(nameof(Tasks))]
    public void ObservationAndReward_EqualAFreshForwardOfTheSameState(string name)
    {
        var (env, task) = EnvAndTask(name);
        using (env)
        {
            var model = env.Data.Model;
            using var fresh = new MjData(model);
            var spec = env.Spec;
            var (obs, expectedObs, action) = (new float[spec.ObservationSize], new float[spec.ObservationSize], new float[spec.ActionSize]);
            var rng = new Rng(11);
            env.Reset(3, obs);
            for (int t = 0; t < Steps; t++)
            {
                for (int i = 0; i < action.Length; i++) action[i] = (float)(2 * rng.NextDouble() - 1);
                var step = env.Step(action, obs);
                if (step.Terminated || step.Truncated) env.Reset(t, obs);
                if (step.Terminated || step.Truncated) continue;

                CopyStateAndForward(env.Data, fresh, task);
                task.Observe(fresh, expectedObs);
                double expectedReward = task.Reward(fresh, action, out bool expectedTerminated).Total;
                for (int i = 0; i < obs.Length; i++)
                {
                    Assert.True(Math.Abs(obs[i] - expectedObs[i]) <= 1e-9 * Math.Max(1, Math.Abs(expectedObs[i])),
                        $"{name} step {t}: observation[{i}] = {obs[i]}, fresh forward gives {expectedObs[i]}");
                }
                Assert.True(Math.Abs(step.Reward - expectedReward) <= 1e-9 * Math.Max(1, Math.Abs(expectedReward)),
                    $"{name} step {t}: reward {step.Reward}, fresh forward gives {expectedReward}");
                Assert.Equal(expectedTerminated, step.Terminated);
            }
        }
    }

    /// <summary>
    /// The env's next step reuses the readout's position and velocity stages (<see cref="MjAfterStep.ReuseStages"/>):
    /// each step equals a plain step of the same state with a full forward, to rounding (1e-9). Not bit for bit:
    /// the full forward normalises the free joint's quaternion in qpos once more, which moves its last bits.
    /// </summary>
    [Theory]
    [MemberData(nameof(Tasks))]
    public void ReusingTheReadoutsStages_GivesThePlainStepsResult(string name)
    {
        var (env, task) = EnvAndTask(name);
        using (env)
        {
            var model = env.Data.Model;
            using var reference = new MjData(model);
            var spec = env.Spec;
            var (obs, action) = (new float[spec.ObservationSize], new float[spec.ActionSize]);
            var rng = new Rng(12);
            env.Reset(4, obs);
            for (int t = 0; t < Steps; t++)
            {
                for (int i = 0; i < action.Length; i++) action[i] = (float)(2 * rng.NextDouble() - 1);
                CopyState(env.Data, reference);
                var step = env.Step(action, obs);
                env.Data.Ctrl.CopyTo(reference.Ctrl);
                Mj.Step(model, reference, env.FrameSkip, task.AfterStep | MjAfterStep.NewState);
                AssertClose(reference.Qpos, env.Data.Qpos, $"{name} step {t}: qpos");
                AssertClose(reference.Qvel, env.Data.Qvel, $"{name} step {t}: qvel");
                AssertClose(reference.SubtreeCom, env.Data.SubtreeCom, $"{name} step {t}: subtree_com");
                if ((task.AfterStep & MjAfterStep.ContactForces) != 0) AssertClose(reference.CfrcExt, env.Data.CfrcExt, $"{name} step {t}: cfrc_ext");
                if (step.Terminated || step.Truncated) env.Reset(t, obs);
            }
        }
    }

    private static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-9 * Math.Max(1, Math.Abs(expected[i])), $"{what}[{i}] = {actual[i]}, the plain step gives {expected[i]}");
        }
    }

    /// <summary>Sets <paramref name="target"/> to the state of <paramref name="source"/> (time, qpos, qvel, act, ctrl, solver warm start), nothing forwarded.</summary>
    private static void CopyState(MjData source, MjData target)
    {
        Mj.ResetData(target.Model, target);
        target.Time = source.Time;
        source.Qpos.CopyTo(target.Qpos);
        source.Qvel.CopyTo(target.Qvel);
        source.Act.CopyTo(target.Act);
        source.Ctrl.CopyTo(target.Ctrl);
        source.QaccWarmstart.CopyTo(target.QaccWarmstart);
    }

    /// <summary>
    /// <see cref="MjAfterStep.ReuseStages"/> does skip the stages: on data whose stages are stale (qpos changed
    /// without a forward) it gives another result than a plain step, on current stages the same.
    /// </summary>
    [Fact]
    public void ReuseStages_SkipsThePositionAndVelocityStages()
    {
        var task = new AntOpen();
        using var model = MjModel.FromXmlString(task.BuildModelXml());
        task.Bind(model);
        using var plain = new MjData(model);
        using var reusing = new MjData(model);
        foreach (var d in new[] { plain, reusing })
        {
            task.ResetState(model, d, new Rng(2));
            Mj.Forward(model, d);
            d.Ctrl.Fill(0.5);
        }
        Mj.Step(model, plain, 1);
        Mj.Step(model, reusing, 1, MjAfterStep.ReuseStages);
        Assert.True(plain.Qpos.SequenceEqual(reusing.Qpos) && plain.Qvel.SequenceEqual(reusing.Qvel));

        foreach (var d in new[] { plain, reusing }) d.Qvel[0] += 0.5;   // the stages no longer describe the state
        Mj.Step(model, plain, 1);
        Mj.Step(model, reusing, 1, MjAfterStep.ReuseStages);
        Assert.False(plain.Qpos.SequenceEqual(reusing.Qpos) && plain.Qvel.SequenceEqual(reusing.Qvel));
    }

    /// <summary>
    /// The readout that mj_step alone leaves (positions and forces of the state before its last
    /// integration) differs from the post-step state: this is what the readout fixes, measured per
    /// observation block on the ant.
    /// </summary>
    [Fact]
    public void StepWithoutNewStateReadout_LeavesTheContactBlockAndComStale()
    {
        var task = new AntOpen();
        using var model = MjModel.FromXmlString(task.BuildModelXml());
        task.Bind(model);
        using var stale = new MjData(model);
        using var fresh = new MjData(model);
        task.ResetState(model, stale, new Rng(0));
        Mj.Forward(model, stale, task.AfterStep);
        var rng = new Rng(5);
        var (obsStale, obsFresh, action) = (new float[125], new float[125], new float[8]);
        var blocks = new (string Name, int Start, int Length)[] { ("qpos", 0, 15), ("qvel", 15, 14), ("contact", 29, 84), ("torso xmat", 113, 9), ("com", 122, 3) };
        var (blockDiff, blockScale) = (new double[blocks.Length], new double[blocks.Length]);
        double speedDiff = 0, speedScale = 0;
        int n = 0;
        for (int t = 0; t < 1000; t++)
        {
            for (int i = 0; i < 8; i++) action[i] = (float)(2 * rng.NextDouble() - 1);
            for (int i = 0; i < 8; i++) stale.Ctrl[i] = 150 * action[i];
            var warnings = Mj.Step(model, stale, 1, task.AfterStep);
            if ((warnings & MjWarnings.Unstable) != 0 || AntTask.Flipped(stale) || stale.Qpos[2] > 1.0)
            {
                Mj.ResetData(model, stale);
                task.ResetState(model, stale, rng);
                Mj.Forward(model, stale, task.AfterStep);
                continue;
            }
            task.Observe(stale, obsStale);
            double staleSpeed = Speed(stale);
            CopyStateAndForward(stale, fresh, task);
            task.Observe(fresh, obsFresh);
            double freshSpeed = Speed(fresh);
            for (int b = 0; b < blocks.Length; b++)
            {
                for (int i = blocks[b].Start; i < blocks[b].Start + blocks[b].Length; i++)
                {
                    blockDiff[b] += Math.Abs(obsStale[i] - obsFresh[i]);
                    blockScale[b] += Math.Abs(obsFresh[i]);
                }
            }
            (speedDiff, speedScale, n) = (speedDiff + Math.Abs(staleSpeed - freshSpeed), speedScale + Math.Abs(freshSpeed), n + 1);
        }
        for (int b = 0; b < blocks.Length; b++)
        {
            output.WriteLine($"{blocks[b].Name}: mean |stale − post-step| = {blockDiff[b] / (n * blocks[b].Length):G3}, relative to mean |post-step| {blockDiff[b] / Math.Max(blockScale[b], 1e-300):P1}");
        }
        output.WriteLine($"COM speed: mean |stale − post-step| relative {speedDiff / speedScale:P2} over {n} steps");

        Assert.True(n > 500, $"only {n} usable steps");
        Assert.Equal(0, blockDiff[0]);                        // qpos and qvel are the integrated state either way
        Assert.Equal(0, blockDiff[1]);
        Assert.True(blockDiff[2] / blockScale[2] > 0.02, "the stale contact block should differ by more than 2 %");
        Assert.True(blockDiff[4] > 0, "the stale centre of mass should differ");
        Assert.True(speedDiff / speedScale > 1e-3, "the stale COM speed should differ");
    }

    private static double Speed(MjData d)
    {
        var v = d.BodySubtreeLinvel(d.Model.Id(MjObjectType.Body, "torso"));
        return Math.Sqrt(v[0] * v[0] + v[1] * v[1]);
    }

    /// <summary>Sets <paramref name="fresh"/> to the state of <paramref name="source"/> (time, qpos, qvel, ctrl, solver warm start) and forwards it.</summary>
    private static void CopyStateAndForward(MjData source, MjData fresh, MujocoTask task)
    {
        Mj.ResetData(fresh.Model, fresh);
        fresh.Time = source.Time;
        source.Qpos.CopyTo(fresh.Qpos);
        source.Qvel.CopyTo(fresh.Qvel);
        source.Ctrl.CopyTo(fresh.Ctrl);
        source.QaccWarmstart.CopyTo(fresh.QaccWarmstart);
        Mj.Forward(fresh.Model, fresh, task.AfterStep);
    }

    private static (MujocoEnv Env, MujocoTask Task) EnvAndTask(string name)
    {
        var env = (MujocoEnv)TaskRegistry.Get(name).CreateEnv();
        MujocoTask task = name switch
        {
            "swimmer-finish-line" => new SwimmerFinishLine(),
            "ant-open" => new AntOpen(),
            "ant-maze" => new AntMaze(),
            _ => throw new ArgumentException(name),
        };
        task.Bind(env.Data.Model);
        return (env, task);
    }
}
