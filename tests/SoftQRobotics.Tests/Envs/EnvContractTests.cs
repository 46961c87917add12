using SoftQRobotics.Envs;
using SoftQRobotics.Envs.Arenas;
using SoftQRobotics.Envs.Mujoco;
using SoftQRobotics.Envs.Tasks;
using SoftQRobotics.Mujoco;

namespace SoftQRobotics.Tests.Envs;

/// <summary>Gymnasium contract: determinism, time limits, bad actions, arenas.</summary>
public class EnvContractTests
{
    [Theory]
    [InlineData("swimmer-finish-line")]
    [InlineData("ant-maze")]
    public void SameSeed_GivesIdenticalTrajectory(string task)
    {
        Assert.Equal(Rollout(task, seed: 5, steps: 300), Rollout(task, seed: 5, steps: 300));
        Assert.NotEqual(Rollout(task, seed: 5, steps: 300), Rollout(task, seed: 6, steps: 300));
    }

    [Fact]
    public void TimeLimit_Truncates_AtHorizon()
    {
        using var env = TaskRegistry.Get("swimmer-finish-line").CreateEnv();
        var obs = new float[10];
        env.Reset(0, obs);
        StepResult last = default;
        for (int t = 0; t < 500; t++)
        {
            last = env.Step([0.3f, -0.3f], obs);
            Assert.Equal(t == 499, last.Truncated);
            Assert.False(last.Terminated);
        }
        Assert.Equal(500, last.Info.Step);
        Assert.Throws<InvalidOperationException>(() => env.Step([0f, 0f], obs));
    }

    [Theory]
    [InlineData("multigoal")]
    [InlineData("swimmer-finish-line")]
    [InlineData("ant-maze")]
    public void BadActions_AreRejectedWithClearErrors_AndStateIsUnchanged(string task)
    {
        using var env = TaskRegistry.Get(task).CreateEnv();
        var spec = env.Spec;
        var obs = new float[spec.ObservationSize];
        env.Reset(0, obs);
        var good = Enumerable.Repeat(0.5f, spec.ActionSize).ToArray();
        env.Step(good, obs);
        var before = (float[])obs.Clone();

        var nan = (float[])good.Clone();
        nan[1] = float.NaN;
        var e1 = Assert.Throws<ArgumentException>(() => env.Step(nan, obs));
        Assert.Contains("action[1]", e1.Message);
        Assert.Contains("NaN", e1.Message);

        var inf = (float[])good.Clone();
        inf[0] = float.PositiveInfinity;
        Assert.Throws<ArgumentException>(() => env.Step(inf, obs));

        var e2 = Assert.Throws<ArgumentException>(() => env.Step(new float[spec.ActionSize + 1], obs));
        Assert.Contains($"expected {spec.ActionSize}", e2.Message);
        Assert.Equal(before, obs);

        // the episode continues exactly as if the bad calls had not happened
        var afterBad = env.Step(good, obs);
        using var reference = TaskRegistry.Get(task).CreateEnv();
        var refObs = new float[spec.ObservationSize];
        reference.Reset(0, refObs);
        reference.Step(good, refObs);
        var refResult = reference.Step(good, refObs);
        Assert.Equal(refObs, obs);
        Assert.Equal(refResult.Reward, afterBad.Reward);
    }

    [Fact]
    public void UnstablePhysics_EndsTheEpisode_AndSaysSoInInfo()
    {
        using var env = (MujocoEnv)TaskRegistry.Get("ant-maze").CreateEnv();
        var obs = new float[125];
        env.Reset(0, obs);
        env.Step(new float[8], obs);

        // a diverging state: MuJoCo flags it (and silently resets the data) during the next step
        env.Data.Qvel[0] = 1e30;
        var result = env.Step(new float[8], obs);
        Assert.True(result.Info.Unstable);
        Assert.True(result.Terminated);
        Assert.False(result.Truncated);
        Assert.Equal(0, result.Reward);
        Assert.All(obs, v => Assert.True(float.IsFinite(v)));
        Assert.Throws<InvalidOperationException>(() => env.Step(new float[8], obs));
    }

    [Fact]
    public void ActionsAreMappedLinearlyOntoCtrlRange()
    {
        var definition = TaskRegistry.Get("swimmer-finish-line");
        using var env = (MujocoEnv)definition.CreateEnv();
        var obs = new float[10];
        env.Reset(0, obs);
        env.Step([0.5f, -2f], obs);
        Assert.Equal([25.0, -50.0], env.Data.Ctrl.ToArray());
        Assert.Equal(50, env.FrameSkip);
        Assert.Equal(0.05, env.Data.Time, 9);
    }

    [Theory]
    [InlineData("ant-maze")]
    [InlineData("ant-hallway-wide")]
    [InlineData("ant-hallway-narrow")]
    [InlineData("ant-u-maze")]
    public void RandomRollout_NeverPutsCentreOfMassInsideAWall(string task)
    {
        var arena = ((AntTask)TaskByName(task)).Arena!;
        using var env = TaskRegistry.Get(task).CreateEnv();
        var obs = new float[125];
        var action = new float[8];
        var rng = new Random(11);
        var info = env.Reset(11, obs);
        int episodes = 0;
        for (int t = 0; t < 2000; t++)
        {
            for (int i = 0; i < 8; i++) action[i] = (float)(2 * rng.NextDouble() - 1);
            var result = env.Step(action, obs);
            info = result.Info;
            foreach (var wall in arena.Walls)
            {
                Assert.False(wall.Contains(info.ComX, info.ComY), $"step {t}: COM ({info.ComX:F3}, {info.ComY:F3}) inside wall {wall.Name}");
            }
            if (result.Done)
            {
                episodes++;
                env.Reset(null, obs);
            }
        }
        Assert.True(episodes >= 1);
    }

    [Fact]
    public void ArenaModel_ContainsOneBoxPerWall_AndTheGoalMarker()
    {
        var definition = TaskRegistry.Get("ant-maze");
        var m = definition.Model!;
        Assert.True(m.TryGetId(MjObjectType.Geom, "wall_barrier", out int barrier));
        Assert.True(m.TryGetId(MjObjectType.Geom, "goal_marker", out _));
        // barrier footprint x ∈ [6.25, 9.25], y ∈ [0.5, 1.5], height 2
        Assert.Equal([1.5, 0.5, 1.0], m.GeomSize.Slice(3 * barrier, 3).ToArray());
        Assert.Equal([7.75, 1.0, 1.0], m.GeomPos.Slice(3 * barrier, 3).ToArray());
        Assert.Equal(14, m.NBody);
    }

    [Fact]
    public void ArenaTable_Malformed_IsAClearError()
    {
        var e = Assert.Throws<InvalidDataException>(() => ArenaTable.Parse("bad", """{ "wall_height": 2, "walls": [ { "x": [1, 0], "y": [0, 1] } ] }"""));
        Assert.Contains("wall_0", e.Message);
        var e2 = Assert.Throws<InvalidDataException>(() => ArenaTable.Parse("bad", """{ "wall_height": 2, "walls": [], "colour": 3 }"""));
        Assert.Contains("colour", e2.Message);
        Assert.Throws<InvalidDataException>(() => ArenaTable.Parse("bad", "not json"));
    }

    [Fact]
    public void UnknownTask_ListsTheKnownOnes()
    {
        var e = Assert.Throws<KeyNotFoundException>(() => TaskRegistry.Get("ant-moon"));
        Assert.Contains("ant-maze", e.Message);
    }

    private static MujocoTask TaskByName(string task) => task switch
    {
        "ant-maze" => new AntMaze(),
        "ant-hallway-wide" => new AntHallway("wide"),
        "ant-hallway-narrow" => new AntHallway("narrow"),
        "ant-u-maze" => new AntUMaze(),
        _ => throw new ArgumentException(task),
    };

    private static List<float> Rollout(string task, int seed, int steps)
    {
        using var env = TaskRegistry.Get(task).CreateEnv();
        var spec = env.Spec;
        var obs = new float[spec.ObservationSize];
        var action = new float[spec.ActionSize];
        var rng = new Random(seed);
        var trace = new List<float>();
        env.Reset(seed, obs);
        for (int t = 0; t < steps; t++)
        {
            for (int i = 0; i < action.Length; i++) action[i] = (float)(2 * rng.NextDouble() - 1);
            var r = env.Step(action, obs);
            trace.AddRange(obs);
            trace.Add((float)r.Reward);
            if (r.Done) env.Reset(null, obs);
        }
        return trace;
    }
}
