using SoftQRobotics.Mujoco;

namespace SoftQRobotics.Tests.Mujoco;

public class SimulationTests
{
    [Fact]
    public void FreeFall_MatchesBallisticTrajectory()
    {
        using var m = MjModel.FromXmlString(MjcfSamples.FallingBall);
        using var d = new MjData(m);
        const int steps = 1000;
        Mj.Step(m, d, steps);

        // semi-implicit Euler: z_n = z0 - g dt² n(n+1)/2, i.e. within g·dt·t/2 of the closed form
        double t = d.Time, g = 9.81, dt = m.Timestep;
        Assert.Equal(steps * dt, t, 9);
        double exact = 10 - g * t * t / 2;
        Assert.InRange(d.Qpos[2] - exact, -g * dt * t, 0);
        Assert.Equal(10 - g * dt * dt * steps * (steps + 1) / 2, d.Qpos[2], 9);
        Assert.Equal(-g * t, d.Qvel[2], 9);
    }

    [Fact]
    public void SameControls_GiveBitIdenticalStates()
    {
        using var m = MjModel.FromXmlFile(TestPaths.Model("ant.xml"));
        using var a = new MjData(m);
        using var b = new MjData(m);
        RunRandomControls(m, a, seed: 3, steps: 1000);
        RunRandomControls(m, b, seed: 3, steps: 1000);
        Assert.Equal(a.Qpos.ToArray(), b.Qpos.ToArray());
        Assert.Equal(a.Qvel.ToArray(), b.Qvel.ToArray());
    }

    [Fact]
    public void TwoThreads_WithOwnData_MatchSequentialRuns()
    {
        using var m = MjModel.FromXmlFile(TestPaths.Model("ant.xml"));
        double[] Sequential(int seed)
        {
            using var d = new MjData(m);
            RunRandomControls(m, d, seed, 500);
            return d.Qpos.ToArray();
        }
        var expected = new[] { Sequential(1), Sequential(2) };
        var parallel = new double[2][];
        Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i => parallel[i] = Sequential(i + 1));
        Assert.Equal(expected[0], parallel[0]);
        Assert.Equal(expected[1], parallel[1]);
        Assert.NotEqual(expected[0], expected[1]);
    }

    [Fact]
    public void NaNControl_IsReportedAsUnstableWarning_WithoutCrashing()
    {
        using var m = MjModel.FromXmlString(MjcfSamples.Pendulum);
        using var d = new MjData(m);
        Mj.Step(m, d, 10);
        d.Ctrl[0] = double.NaN;
        var warnings = Mj.Step(m, d);
        Assert.NotEqual(MjWarnings.None, warnings & MjWarnings.Unstable);
        Assert.All(d.Qpos.ToArray(), v => Assert.True(double.IsFinite(v)));
        Assert.False(string.IsNullOrEmpty(Mj.LastWarning()));
    }

    [Fact]
    public void HugeVelocity_IsReportedAsUnstable()
    {
        using var m = MjModel.FromXmlString(MjcfSamples.Pendulum);
        using var d = new MjData(m);
        d.Qvel[0] = 1e30;
        var warnings = Mj.Step(m, d);
        Assert.NotEqual(MjWarnings.None, warnings & MjWarnings.Unstable);
    }

    [Fact]
    public void EngineError_BecomesMujocoException_AndDataStaysUsable()
    {
        // the arena fits the contact-free compile-time checks but not a step with stacked boxes in
        // contact: mj_stackAlloc calls mju_error, whose 2.2.2 default waits on stdin and exits
        const string smallStack = """
            <mujoco><size nstack="2000"/>
              <worldbody><geom type="plane" size="5 5 .1"/>
                <body pos="0 0 0.3"><joint type="free"/><geom type="box" size="0.1 0.1 0.1"/></body>
                <body pos="0.05 0 0.6"><joint type="free"/><geom type="box" size="0.1 0.1 0.1"/></body>
                <body pos="0 0.05 0.9"><joint type="free"/><geom type="box" size="0.1 0.1 0.1"/></body>
                <body pos="0.02 0.02 1.2"><joint type="free"/><geom type="box" size="0.1 0.1 0.1"/></body>
              </worldbody>
            </mujoco>
            """;
        using var m = MjModel.FromXmlString(smallStack);
        using var d = new MjData(m);
        var e = Assert.Throws<MujocoException>(() => Mj.Step(m, d, 2000));
        Assert.Contains("stack", e.Message, StringComparison.OrdinalIgnoreCase);

        // the data was reset to its initial state and can be stepped again
        Assert.Equal(0, d.Time);
        Assert.Equal(0.3, d.Qpos[2], 12);
        Mj.Step(m, d, 10);
        Assert.True(d.Time > 0);
    }

    [Fact]
    public void CompileTimeEngineError_BecomesMujocoException()
    {
        const string tinyStack = """
            <mujoco><size nstack="20"/>
              <worldbody><body><joint type="free"/><geom type="sphere" size="0.1"/></body></worldbody>
            </mujoco>
            """;
        var e = Assert.Throws<MujocoException>(() => MjModel.FromXmlString(tinyStack));
        Assert.Contains("stack", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ErrorHandler_TurnsMjuErrorIntoException()
    {
        var e = Assert.Throws<MujocoException>(() => Mj.RaiseErrorForDiagnostics("custom failure 42"));
        Assert.Equal("custom failure 42", e.Message);
    }

    [Fact]
    public void Spans_HaveModelLengths_AndNamedSlicesAlias()
    {
        using var m = MjModel.FromXmlFile(TestPaths.Model("ant.xml"));
        using var d = new MjData(m);
        Assert.Equal((15, 14, 8, 14 * 3, 14 * 9, 14 * 6), (d.Qpos.Length, d.Qvel.Length, d.Ctrl.Length, d.Xpos.Length, d.Xmat.Length, d.CfrcExt.Length));
        Mj.Forward(m, d);
        int torso = m.Id(MjObjectType.Body, "torso");
        Assert.Equal(0.75, d.BodyXpos(torso)[2], 12);
        d.JointQpos(m.Joint("root"))[2] = 2.0;
        Assert.Equal(2.0, d.Qpos[2]);
    }

    [Fact]
    public void Step_WithDataOfAnotherModel_Throws()
    {
        using var m1 = MjModel.FromXmlString(MjcfSamples.Pendulum);
        using var m2 = MjModel.FromXmlString(MjcfSamples.Pendulum);
        using var d = new MjData(m1);
        Assert.Throws<ArgumentException>(() => Mj.Step(m2, d));
    }

    private static void RunRandomControls(MjModel m, MjData d, int seed, int steps)
    {
        var rng = new Random(seed);
        var range = m.ActuatorCtrlRange;
        for (int t = 0; t < steps; t++)
        {
            for (int i = 0; i < m.Nu; i++) d.Ctrl[i] = range[2 * i] + rng.NextDouble() * (range[2 * i + 1] - range[2 * i]);
            Mj.Step(m, d);
        }
    }
}
