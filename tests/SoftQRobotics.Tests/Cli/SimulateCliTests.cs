using System.Text.Json;

namespace SoftQRobotics.Tests.Cli;

public class SimulateCliTests
{
    [Fact]
    public void SimulateModel_Json_HasContractFields()
    {
        var (code, stdout, stderr) = TestPaths.RunCli("simulate", "--model", TestPaths.Model("swimmer.xml"), "--steps", "500", "--json");
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal(500, root.GetProperty("steps").GetInt32());
        Assert.True(root.GetProperty("steps_per_second").GetDouble() > 0);
        Assert.Equal(5, root.GetProperty("nq").GetInt32());
        Assert.Equal(5, root.GetProperty("nv").GetInt32());
        Assert.Equal(2, root.GetProperty("nu").GetInt32());
        Assert.Equal(0.5, root.GetProperty("time").GetDouble(), 9);
    }

    [Fact]
    public void SimulateModel_BadXml_ExitsNonZeroWithMujocoMessageOnOneLine()
    {
        string path = Path.Combine(TestPaths.ScratchDirectory(), "bad.xml");
        File.WriteAllText(path, "<mujoco><worldbody><bogus/></worldbody></mujoco>");
        var (code, stdout, stderr) = TestPaths.RunCli("simulate", "--model", path, "--steps", "10");
        Assert.NotEqual(0, code);
        Assert.Equal("", stdout);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains("bogus", lines[0]);
    }

    [Fact]
    public void SimulateModel_MissingFile_ExitsNonZeroNamingTheFile()
    {
        var (code, _, stderr) = TestPaths.RunCli("simulate", "--model", "no/such/model.xml");
        Assert.NotEqual(0, code);
        Assert.Contains("no/such/model.xml", stderr);
    }
}
