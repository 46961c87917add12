using System.Text.Json;

namespace SoftQRobotics.Tests.Cli;

public class RenderCliTests
{
    [Theory]
    [InlineData("unknown camera 'side'", "render", "--task", "ant-maze", "--camera", "side", "-o", "x.gif")]
    [InlineData("image size", "render", "--task", "ant-maze", "--width", "0", "-o", "x.gif")]
    [InlineData("run directory not found", "render", "no/such/run", "-o", "x.gif")]
    [InlineData("cannot write '.avi'", "render", "--task", "ant-maze", "-o", "x.avi")]
    [InlineData("either a run directory or --task", "render", "-o", "x.gif")]
    [InlineData("not a MuJoCo task", "render", "--task", "multigoal", "-o", "x.gif")]
    public void BadArguments_AreOneLineErrors(string expected, params string[] args)
    {
        var (code, stdout, stderr) = TestPaths.RunCli(args);
        Assert.NotEqual(0, code);
        Assert.Equal("", stdout);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("softq: error:", lines[0]);
        Assert.Contains(expected, lines[0]);
    }

    [Fact]
    public void RenderTask_Json_ReportsFramesFpsAndSeconds()
    {
        string path = Path.Combine(TestPaths.ScratchDirectory(), "swimmer.gif");
        var (code, stdout, stderr) = TestPaths.RunCli("render", "--task", "swimmer-finish-line", "--policy", "zero", "--camera", "top",
            "--width", "96", "--height", "64", "--max-steps", "9", "-o", path, "--json");
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(10, json.RootElement.GetProperty("frames").GetInt32());
        Assert.Equal(20, json.RootElement.GetProperty("fps").GetDouble(), 6);
        Assert.True(json.RootElement.GetProperty("seconds").GetDouble() > 0);
        Assert.Equal((96, 64, 10), Rendering.Ffmpeg.Probe(path));
    }
}
