using System.Text.Json;
using SoftQRobotics.Mujoco;

namespace SoftQRobotics.Tests.Cli;

public class TasksCliTests
{
    [Fact]
    public void TasksJson_ListsEveryTaskWithSizes()
    {
        var (code, stdout, stderr) = TestPaths.RunCli("tasks", "--json");
        Assert.True(code == 0, stderr);
        var tasks = JsonDocument.Parse(stdout).RootElement.EnumerateArray()
            .ToDictionary(t => t.GetProperty("name").GetString()!, t => (t.GetProperty("observation_size").GetInt32(), t.GetProperty("action_size").GetInt32(), t.GetProperty("horizon").GetInt32()));
        Assert.Equal((2, 2, 20), tasks["multigoal"]);
        Assert.Equal((10, 2, 500), tasks["swimmer-finish-line"]);
        Assert.Equal((125, 8, 500), tasks["ant-maze"]);
        Assert.Equal(7, tasks.Count);
    }

    [Fact]
    public void TasksExport_WritesAModelMuJoCoLoads()
    {
        string path = Path.Combine(TestPaths.ScratchDirectory(), "maze.xml");
        var (code, _, stderr) = TestPaths.RunCli("tasks", "--export", "ant-maze", path);
        Assert.True(code == 0, stderr);
        using var m = MjModel.FromXmlFile(path);
        Assert.True(m.TryGetId(MjObjectType.Geom, "wall_divider", out _));
    }

    [Fact]
    public void SimulateTask_Json_ReportsEpisodesReturnAndMetrics()
    {
        var (code, stdout, stderr) = TestPaths.RunCli("simulate", "--task", "multigoal", "--steps", "200", "--policy", "zero", "--seed", "3", "--json");
        Assert.True(code == 0, stderr);
        var root = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(10, root.GetProperty("episodes").GetInt32());
        Assert.Equal(20 * 0.1, root.GetProperty("mean_return").GetDouble(), 9);  // stays at the origin
        Assert.Equal(5.0, root.GetProperty("min_distance_to_goal").GetDouble(), 9);
        Assert.Equal(200, root.GetProperty("steps").GetInt32());
    }

    [Fact]
    public void SimulateTask_Unknown_IsAClearError()
    {
        var (code, _, stderr) = TestPaths.RunCli("simulate", "--task", "ant-moon", "--steps", "10");
        Assert.NotEqual(0, code);
        Assert.Contains("unknown task 'ant-moon'", stderr);
    }
}
