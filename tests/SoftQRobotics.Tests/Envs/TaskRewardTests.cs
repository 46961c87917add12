using SoftQRobotics.Core;
using SoftQRobotics.Envs;
using SoftQRobotics.Envs.Tasks;
using SoftQRobotics.Mujoco;

namespace SoftQRobotics.Tests.Envs;

/// <summary>Reward terms and termination checked against hand computations at constructed states.</summary>
public class TaskRewardTests
{
    [Theory]
    [InlineData("multigoal", 2, 2)]
    [InlineData("swimmer-finish-line", 10, 2)]
    [InlineData("ant-open", 125, 8)]
    [InlineData("ant-maze", 125, 8)]
    [InlineData("ant-hallway-wide", 125, 8)]
    [InlineData("ant-hallway-narrow", 125, 8)]
    [InlineData("ant-u-maze", 125, 8)]
    public void Spec_HasPaperSizes(string task, int observationSize, int actionSize)
    {
        var spec = TaskRegistry.Get(task).Spec;
        Assert.Equal((observationSize, actionSize), (spec.ObservationSize, spec.ActionSize));
        using var env = TaskRegistry.Get(task).CreateEnv();
        var obs = new float[observationSize];
        env.Reset(0, obs);
        Assert.All(obs, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void MultiGoal_Reward_IsPointOneAtOrigin_AndTwoAndAHalfOnAGoal()
    {
        Assert.Equal(0.1, MultiGoal.RewardAt(0, 0), 12);
        // on a goal: (10 + three terms of 10·exp(−b·d²) with d² ∈ {50, 50, 100}) / 4
        double b = Math.Log(100) / 25;
        double expected = (10 + 10 * (2 * Math.Exp(-b * 50) + Math.Exp(-b * 100))) / 4;
        Assert.Equal(expected, MultiGoal.RewardAt(5, 0), 12);
        Assert.InRange(MultiGoal.RewardAt(0, -5), 2.5, 2.51);
    }

    [Fact]
    public void MultiGoal_RewardUsesPreStepPosition_AndClipsActionsAndPosition()
    {
        using var env = new MultiGoal();
        var obs = new float[2];
        env.Reset(0, obs);
        var first = env.Step([3f, 0f], obs);           // clipped to +1
        Assert.Equal(0.1, first.Reward, 12);           // reward of the origin, not of (1, 0)
        Assert.Equal([1f, 0f], obs);
        for (int i = 0; i < 9; i++) env.Step([1f, 0f], obs);
        Assert.Equal([7f, 0f], obs);                   // position clipped to the box
    }

    [Fact]
    public void Swimmer_Reward_IsComSpeedMinusControlCostPlusFinishBonus()
    {
        var (task, m, d) = Physics(new SwimmerFinishLine());
        using (m) using (d)
        {
            // sliding the whole body: the centre of mass moves at (0.3, 0.4)
            d.Qvel[0] = 0.3;
            d.Qvel[1] = 0.4;
            Mj.Forward(m, d, task.AfterStep);
            Assert.Equal(0.5, task.Reward(d, [0f, 0f], out bool terminated).Total, 9);
            Assert.False(terminated);
            Assert.Equal(0.5 - 0.005 * (1 + 0.25), task.Reward(d, [1f, -0.5f], out _).Total, 9);

            // centre of mass past the finish line (the COM starts at x = 0)
            d.Qpos[0] = 1.6;
            Mj.Forward(m, d, task.AfterStep);
            Assert.Equal(1.5, task.Reward(d, [0f, 0f], out _).Total, 9);
            var terms = task.Reward(d, [1f, 0f], out _);
            Assert.Equal((0.5, -0.005, 1.0), (Math.Round(terms.Speed, 9), terms.Control, terms.Bonus));
            Assert.Equal(1.6, task.Metrics(d, 0).ComX, 9);
        }
    }

    [Fact]
    public void AntOpen_Reward_IsPlanarComSpeedMinusCostsPlusSurvival()
    {
        var (task, m, d) = Physics(new AntOpen());
        using (m) using (d)
        {
            // lift the ant clear of the floor: no contacts, so only speed, control and survival remain
            task.ResetState(m, d, new Rng(0));
            d.Qpos[2] = 0.9;
            d.Qvel[0] = 0.6;
            d.Qvel[1] = 0.8;
            d.Qvel[2] = 5.0;  // vertical speed is not rewarded
            Mj.Forward(m, d, task.AfterStep);
            Assert.All(d.CfrcExt.ToArray(), f => Assert.Equal(0, f));
            var action = new float[] { 1, 0, 0, 0, 0, 0, 0, -1 };
            Assert.Equal(1.0 - 0.005 * 2 + 0.05, task.Reward(d, action, out bool terminated).Total, 9);
            Assert.False(terminated);
            var terms = task.Reward(d, action, out _);
            Assert.Equal((1.0, 0.0, -0.005 * 2, 0.0, 0.05, 0.0), (Math.Round(terms.Speed, 9), terms.Goal, terms.Control, terms.Contact, terms.Survive, terms.Bonus));
        }
    }

    [Fact]
    public void AntMaze_GoalReward_IsPointOneAtStart_AndTenAtGoal()
    {
        var (task, m, d) = Physics(new AntMaze());
        using (m) using (d)
        {
            // b = ln(10 / 0.1) / ‖(8, 0)‖²; the robot's centre of mass starts at the origin
            double b = Math.Log(100) / 64;
            double Expected(EnvInfo info)
            {
                double contact = d.CfrcExt.ToArray().Sum(f => Math.Pow(Math.Clamp(f, -1, 1), 2));
                return 10 * Math.Exp(-b * info.DistanceToGoal * info.DistanceToGoal) - 0.5e-4 * contact + 0.05;
            }

            task.ResetState(m, d, new Rng(0));
            Mj.Forward(m, d, task.AfterStep);
            var start = task.Metrics(d, 0);
            Assert.Equal(8, start.DistanceToGoal, 2);
            Assert.Equal(0.1, 10 * Math.Exp(-b * start.DistanceToGoal * start.DistanceToGoal), 2);
            Assert.Equal(Expected(start), task.Reward(d, new float[8], out _).Total, 9);
            Assert.Equal(Math.Sqrt((start.ComX - 8) * (start.ComX - 8) + start.ComY * start.ComY), start.DistanceToGoal, 9);

            // move the robot so that its centre of mass sits on the goal
            d.Qpos[0] += 8 - start.ComX;
            d.Qpos[1] += 0 - start.ComY;
            Mj.Forward(m, d, task.AfterStep);
            var atGoal = task.Metrics(d, 0);
            Assert.Equal(0, atGoal.DistanceToGoal, 6);
            Assert.Equal(Expected(atGoal), task.Reward(d, new float[8], out _).Total, 9);
            Assert.Equal(10.05, task.Reward(d, new float[8], out _).Total, 2);
        }
    }

    /// <summary>
    /// info carries the reward's terms (Gymnasium's reward_* convention): after random actions in every
    /// task they sum to the step's reward, the control term is −c·Σa² of the clipped action computed
    /// here, and the signs are those of costs and bonuses.
    /// </summary>
    [Theory]
    [InlineData("multigoal", 0.0)]
    [InlineData("swimmer-finish-line", 0.5e-2)]
    [InlineData("ant-open", 0.5e-2)]
    [InlineData("ant-maze", 0.5e-3)]
    [InlineData("ant-hallway-wide", 0.5e-3)]
    [InlineData("ant-u-maze", 0.5e-3)]
    public void StepInfo_CarriesTheRewardTerms_ThatSumToTheReward(string name, double controlCost)
    {
        var task = TaskRegistry.Get(name);
        using var env = task.CreateEnv();
        var obs = new float[task.Spec.ObservationSize];
        var action = new float[task.Spec.ActionSize];
        var rng = new Rng(5);
        env.Reset(0, obs);
        for (int t = 0; t < 40; t++)
        {
            rng.FillUniform(action, -1.3f, 1.3f);   // partly outside the bounds: the cost is of the clipped action
            var step = env.Step(action, obs);
            var terms = step.Info.Reward;
            Assert.Equal(step.Reward, terms.Total, 12);
            double expectedControl = -controlCost * action.Sum(a => Math.Pow(Math.Clamp(a, -1f, 1f), 2));
            // the env squares the float action in float: agreement to float precision
            Assert.True(Math.Abs(expectedControl - terms.Control) <= 1e-6 * Math.Abs(expectedControl) + 1e-12, $"control {terms.Control}, expected {expectedControl}");
            Assert.True(terms.Speed >= 0 && terms.Goal >= 0 && terms.Contact <= 0 && terms.Survive >= 0 && terms.Bonus >= 0, $"{terms}");
            Assert.True(name == "multigoal" || name.StartsWith("ant-maze") || name.StartsWith("ant-u") ? terms.Speed == 0 && terms.Goal > 0 : terms.Goal == 0);
            if (step.Done) env.Reset(null, obs);
        }
    }

    [Fact]
    public void Ant_UpsideDownTorso_Terminates_AndHighTorsoTerminates()
    {
        var (task, m, d) = Physics(new AntOpen());
        using (m) using (d)
        {
            task.ResetState(m, d, new Rng(0));
            Mj.Forward(m, d, task.AfterStep);
            task.Reward(d, new float[8], out bool upright);
            Assert.False(upright);

            // rotate 180° about x: q = (0, 1, 0, 0)
            d.Qpos.Slice(3, 4).Clear();
            d.Qpos[4] = 1;
            Mj.Forward(m, d, task.AfterStep);
            task.Reward(d, new float[8], out bool flipped);
            Assert.True(flipped);

            task.ResetState(m, d, new Rng(0));
            d.Qpos[2] = 1.2;
            Mj.Forward(m, d, task.AfterStep);
            task.Reward(d, new float[8], out bool jumped);
            Assert.True(jumped);
        }
    }

    [Fact]
    public void Ant_ContactForceBlock_IsNonZeroWhenStandingOnTheFloor()
    {
        using var env = TaskRegistry.Get("ant-open").CreateEnv();
        var obs = new float[125];
        env.Reset(0, obs);
        for (int i = 0; i < 20; i++) env.Step(new float[8], obs);
        var contactBlock = obs.AsSpan(29, 84).ToArray();
        Assert.Contains(contactBlock, v => Math.Abs(v) > 1e-3);
        Assert.All(contactBlock, v => Assert.InRange(v, -1f, 1f));
    }

    /// <summary>A task bound to its own freshly compiled model, for setting states by hand.</summary>
    private static (T Task, MjModel Model, MjData Data) Physics<T>(T task) where T : SoftQRobotics.Envs.Mujoco.MujocoTask
    {
        var m = MjModel.FromXmlString(task.BuildModelXml());
        task.Bind(m);
        return (task, m, new MjData(m));
    }
}
