using SoftQRobotics.Mujoco;

namespace SoftQRobotics.Tests.Mujoco;

public class ModelLoadingTests
{
    [Fact]
    public void FromXmlFile_LoadsSwimmerWithExpectedSizes()
    {
        using var m = MjModel.FromXmlFile(TestPaths.Model("swimmer.xml"));
        Assert.Equal((5, 5, 2), (m.Nq, m.Nv, m.Nu));
        Assert.Equal(0.001, m.Timestep);
        Assert.Equal([50.0], m.Numeric("frame_skip")!);
    }

    [Fact]
    public void FromXmlString_LoadsInlineModel()
    {
        using var m = MjModel.FromXmlString(MjcfSamples.Pendulum);
        Assert.Equal((2, 2, 2), (m.Nq, m.Nv, m.Nu));
        Assert.Equal(3, m.NBody);
        Assert.Equal([-5.0, 5.0, -5.0, 5.0], m.ActuatorCtrlRange.ToArray());
    }

    public static TheoryData<string, string, string> BadModels => new()
    {
        { "syntax error", "<mujoco><worldbody><body></worldbody></mujoco>", "XML" },
        { "unknown element", "<mujoco><worldbody><bogus/></worldbody></mujoco>", "bogus" },
        { "unknown attribute", "<mujoco><worldbody><geom type=\"sphere\" size=\"1\" wobble=\"3\"/></worldbody></mujoco>", "wobble" },
        { "missing include", "<mujoco><include file=\"does_not_exist_42.xml\"/></mujoco>", "does_not_exist_42.xml" },
        { "missing mesh", "<mujoco><asset><mesh name=\"m\" file=\"no_such_mesh_42.stl\"/></asset><worldbody><geom type=\"mesh\" mesh=\"m\"/></worldbody></mujoco>", "no_such_mesh_42.stl" },
        { "empty text", "", "XML" },
        { "not mjcf", "<robot><link/></robot>", "" },
    };

    [Theory]
    [MemberData(nameof(BadModels))]
    public void FromXmlString_BadModel_ThrowsMujocoExceptionWithMujocoText(string what, string xml, string expectedFragment)
    {
        var e = Assert.Throws<MujocoException>(() => MjModel.FromXmlString(xml));
        Assert.False(string.IsNullOrWhiteSpace(e.Message), what);
        Assert.Contains(expectedFragment, e.Message);
    }

    [Fact]
    public void FromXmlFile_MissingFile_ThrowsWithPathAndMujocoText()
    {
        var e = Assert.Throws<MujocoException>(() => MjModel.FromXmlFile("/nonexistent/robot.xml"));
        Assert.Contains("/nonexistent/robot.xml", e.Message);
        Assert.Contains("FILE_NOT_FOUND", e.Message);
    }

    [Fact]
    public void FromXmlFile_EmptyFile_Throws()
    {
        string path = Path.Combine(TestPaths.ScratchDirectory(), "empty.xml");
        File.WriteAllText(path, "");
        var e = Assert.Throws<MujocoException>(() => MjModel.FromXmlFile(path));
        Assert.Contains("empty.xml", e.Message);
    }

    [Fact]
    public void FromXmlFile_BinaryGarbage_Throws()
    {
        string path = Path.Combine(TestPaths.ScratchDirectory(), "garbage.xml");
        var bytes = new byte[4096];
        new Random(7).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<MujocoException>(() => MjModel.FromXmlFile(path));
        Assert.Contains("XML", e.Message);
    }

    [Fact]
    public void NamedAccess_IsConsistentWithMuJoCoIds()
    {
        using var m = MjModel.FromXmlFile(TestPaths.Model("ant.xml"));
        Assert.Equal(1, m.Id(MjObjectType.Body, "torso"));
        var root = m.Joint("root");
        Assert.Equal((MjJointType.Free, 0, 7, 0, 6), (root.Type, root.QposAddress, root.QposWidth, root.DofAddress, root.DofWidth));
        var ankle4 = m.Joint("ankle_4");
        Assert.Equal((MjJointType.Hinge, 14, 1, 13, 1), (ankle4.Type, ankle4.QposAddress, ankle4.QposWidth, ankle4.DofAddress, ankle4.DofWidth));
        Assert.Equal(0, m.Id(MjObjectType.Actuator, "hip_4"));
        Assert.Equal("ankle_3", m.Name(MjObjectType.Actuator, 7));
        var e = Assert.Throws<KeyNotFoundException>(() => m.Id(MjObjectType.Body, "tail"));
        Assert.Contains("tail", e.Message);
    }

    [Fact]
    public void Dispose_Twice_IsSafe_AndModelRefusesDisposeWhileDataLives()
    {
        var m = MjModel.FromXmlString(MjcfSamples.Pendulum);
        var d = new MjData(m);
        Assert.Throws<InvalidOperationException>(m.Dispose);
        d.Dispose();
        d.Dispose();
        Assert.Throws<ObjectDisposedException>(() => d.Qpos.Length);
        m.Dispose();
        m.Dispose();
    }
}
