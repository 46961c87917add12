using SoftQRobotics.Mujoco;

namespace SoftQRobotics.Tests.Mujoco;

public class VersionTests
{
    [Fact]
    public void HeaderVersion_EqualsLoadedLibraryVersion_AndIs222()
    {
        MujocoVersion.EnsureCompatible();
        Assert.Equal(MujocoVersion.Header, MujocoVersion.Library);
        Assert.Equal(222, MujocoVersion.Library);
        Assert.Equal("2.2.2", MujocoVersion.Text);
    }

    [Fact]
    public void Check_HeaderLibraryMismatch_IsAClearError()
    {
        var e = Assert.Throws<MujocoVersionException>(() => MujocoVersion.Check(MujocoVersion.ShimAbi, 222, 310));
        Assert.Contains("2.2.2", e.Message);
        Assert.Contains("3.1.0", e.Message);
    }

    [Fact]
    public void Check_WrongMujocoVersion_IsAClearError()
    {
        var e = Assert.Throws<MujocoVersionException>(() => MujocoVersion.Check(MujocoVersion.ShimAbi, 231, 231));
        Assert.Contains("needs MuJoCo 2.2.2", e.Message);
    }

    [Fact]
    public void Check_WrongShimAbi_IsAClearError()
    {
        var e = Assert.Throws<MujocoVersionException>(() => MujocoVersion.Check(99, 222, 222));
        Assert.Contains("ABI", e.Message);
    }
}
