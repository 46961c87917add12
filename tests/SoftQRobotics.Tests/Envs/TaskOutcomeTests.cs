using SoftQRobotics.Envs;
using SoftQRobotics.Envs.Arenas;
using SoftQRobotics.Envs.Tasks;
using SoftQRobotics.Envs.Vector;
using SoftQRobotics.Pipelines;
using SoftQRobotics.Pipelines.Logging;

namespace SoftQRobotics.Tests.Envs;

/// <summary>Each task's outcome in the paper's terms, on hand-made evaluation episodes (docs/tasks.md, "Outcomes").</summary>
public class TaskOutcomeTests
{
    /// <summary>An episode whose centre of mass went along <paramref name="path"/> ((x, y) per state, the first the start).</summary>
    private static EpisodeStats Episode((double X, double Y)[] path, double finalDistance = double.NaN, double discounted = 1)
    {
        var trace = path.SelectMany(p => new[] { (float)p.X, (float)p.Y }).ToArray();
        var last = path[^1];
        return new EpisodeStats(0, discounted, path.Length - 1, new EnvInfo(path.Length - 1, last.X, last.Y, finalDistance, false),
            finalDistance, path.Min(p => p.X), path.Max(p => p.X), trace);
    }

    private static EpisodeStats EndingAt(double x, double y) => Episode([(0, 0), (x / 2, y / 2), (x, y)]);

    [Fact]
    public void MultiGoal_CountsTheGoalsEpisodesEndWithinOneOf()
    {
        var outcome = TaskRegistry.Get("multigoal").Outcome(
            [EndingAt(5.2, 0.1), EndingAt(-4.5, 0.3), EndingAt(0, 4.2), EndingAt(0.5, 4.9), EndingAt(0, -3.5), EndingAt(1, 1)]);
        var goals = Assert.IsType<GoalsOutcome>(outcome);
        Assert.Equal([1, 1, 2, 0], goals.PerGoal);   // (0, −3.5) is 1.5 from its goal: not reached
        Assert.Equal(3, goals.GoalsReached);
        Assert.Equal("goals 3/4", outcome.Short);
        Assert.Contains("goals 3/4 (5,0):1 (-5,0):1 (0,5):2 (0,-5):0 of 6 episodes", outcome.Full);
        Assert.False(outcome.Succeeded);
        Assert.True(TaskRegistry.Get("multigoal").Outcome([EndingAt(5, 0), EndingAt(-5, 0), EndingAt(0, 5), EndingAt(0, -5)]).Succeeded);
        Assert.Equal(GoalsOutcome.Success, TaskRegistry.Get("multigoal").Success);
        var values = outcome.Values.ToDictionary(v => v.Name, v => v.Value);
        Assert.Equal(6, values["episodes"]);
        Assert.Equal(3, values["goals_reached"]);
        Assert.Equal(2, values["goal_north"]);
        Assert.Equal(0, values["goal_south"]);
        Assert.Equal(0, values["success"]);
    }

    [Fact]
    public void Swimmer_CountsDirections_TheLine_AndTheLargestX()
    {
        var episodes = new[]
        {
            Episode([(0, 0), (1.0, 0), (1.8, 0)]),      // forward, past the line
            Episode([(0, 0), (1.6, 0), (0.4, 0)]),      // forward; was past the line, ends before it
            Episode([(0, 0), (-0.5, 0), (-0.9, 0)]),
            Episode([(0, 0), (0.2, 0), (-1.6, 0)]),
        };
        var outcome = Assert.IsType<DirectionOutcome>(TaskRegistry.Get("swimmer-finish-line").Outcome(episodes));
        Assert.Equal((2, 2, 1), (outcome.Forward, outcome.Backward, outcome.PastLine));
        Assert.Equal(1.8, outcome.MaxForwardX, 6);
        Assert.False(outcome.Succeeded);                                  // 1 of 4 past the line
        Assert.Equal("forward 2/4  past line 1", outcome.Short);
        Assert.Contains("2 of 4 episodes forward, 2 backward; 1 past the finish line x = 1.5; largest x reached 1.80", outcome.Full);

        // progress counts from the episode's own start
        var shifted = TaskRegistry.Get("swimmer-finish-line").Outcome([Episode([(2, 0), (1.9, 0)]), Episode([(2, 0), (2.2, 0)])]);
        Assert.Equal((1, 1, 2), (((DirectionOutcome)shifted).Forward, ((DirectionOutcome)shifted).Backward, ((DirectionOutcome)shifted).PastLine));
        Assert.True(shifted.Succeeded);
    }

    [Fact]
    public void AntMaze_CountsEpisodesBelowTheUpperPassageThreshold()
    {
        Assert.Equal(1.75, AntMaze.UpperPassageThreshold, 2);   // the divider's top edge 1.5 above the goal, plus the torso radius 0.25
        var outcome = Assert.IsType<ThresholdOutcome>(TaskRegistry.Get("ant-maze").Outcome(
            [Episode([(0, 0), (8, -1)], finalDistance: 1.0), Episode([(0, 0), (8, 2)], finalDistance: 2.0), Episode([(0, 0), (7, -1)], finalDistance: 1.5)]));
        Assert.Equal(2, outcome.BelowThreshold);
        Assert.Equal(1.5, outcome.FinalDistance, 9);
        Assert.Equal(1.0, outcome.ClosestFinalDistance, 9);
        Assert.True(outcome.Succeeded);
        Assert.Equal("below threshold 2/3  final distance 1.50", outcome.Short);
        Assert.Equal(ThresholdOutcome.Success, TaskRegistry.Get("ant-maze").Success);
    }

    [Theory]
    [InlineData("ant-u-maze")]
    [InlineData("ant-hallway-wide")]
    [InlineData("ant-hallway-narrow")]
    public void FinetuningTasks_ReportTheDiscountedReturn_AndTheDistanceWhereThereIsAGoal(string task)
    {
        bool hasGoal = ArenaTable.Load(task).Goal is not null;
        var outcome = Assert.IsType<ReturnOutcome>(TaskRegistry.Get(task).Outcome(
            [Episode([(0, 0), (1, 0)], finalDistance: hasGoal ? 3.0 : double.NaN, discounted: 10), Episode([(0, 0), (2, 0)], finalDistance: hasGoal ? 5.0 : double.NaN, discounted: 20)]));
        Assert.Equal(15, outcome.DiscountedReturn, 9);
        var names = outcome.Values.Select(v => v.Name).ToArray();
        Assert.Equal(hasGoal ? ["episodes", "discounted_return", "final_distance"] : ["episodes", "discounted_return"], names);
        if (hasGoal) Assert.Equal(4.0, outcome.FinalDistance, 9);
        Assert.Null(outcome.Succeeded);
        Assert.Null(TaskRegistry.Get(task).Success);
    }

    [Fact]
    public void Pretraining_MeasuresDistance_AndTheSpreadOfDirections()
    {
        var spread = Assert.IsType<SpreadOutcome>(TaskRegistry.Get("ant-open").Outcome(
            [EndingAt(2, 0), EndingAt(-2, 0), EndingAt(0, 2), EndingAt(0, -2)]));
        Assert.Equal(2, spread.DistanceTravelled, 6);
        Assert.Equal(0, spread.DirectionResultant, 6);
        var oneWay = (SpreadOutcome)TaskRegistry.Get("ant-open").Outcome([EndingAt(1, 1), EndingAt(3, 3)]);
        Assert.Equal(1, oneWay.DirectionResultant, 6);
        Assert.Equal(2 * Math.Sqrt(2), oneWay.DistanceTravelled, 5);
    }

    [Theory]
    [InlineData("multigoal")]
    [InlineData("swimmer-finish-line")]
    [InlineData("ant-maze")]
    [InlineData("ant-u-maze")]
    [InlineData("ant-open")]
    public void BadEpisodes_GiveOneClearLine(string task)
    {
        var definition = TaskRegistry.Get(task);
        var empty = Assert.Throws<ArgumentException>(() => definition.Outcome([]));
        Assert.Equal("no evaluation episodes to judge the outcome on", empty.Message);

        var nan = Assert.Throws<ArgumentException>(() => definition.Outcome([Episode([(0, 0), (1, 0)], 1), Episode([(0, 0), (double.NaN, double.NaN)], double.NaN, double.NaN)]));
        Assert.StartsWith("evaluation episode 1: ", nan.Message);
        Assert.Contains("NaN", nan.Message);
        Assert.DoesNotContain('\n', nan.Message);
    }

    [Fact]
    public void EveryTasksOutcome_HasItsMetricsColumns_AndOnlyThoseReachTensorBoard()
    {
        var episodes = new[] { Episode([(0, 0), (5, 0.2)], finalDistance: 1.0), Episode([(0, 0), (-1, 2)], finalDistance: 2.0) };
        foreach (var task in TaskRegistry.Names)
        {
            var outcome = TaskRegistry.Get(task).Outcome(episodes);
            var row = new EpochMetrics { Epoch = 1 }.WithOutcome(outcome);
            foreach (var value in outcome.Values) Assert.Equal(value.Value, row["outcome_" + value.Name]);
            Assert.Equal(outcome.Values.Where(v => double.IsFinite(v.Value)).Select(v => v.Name).Order(), row.OutcomeValues().Select(v => v.Name).Order());
            var tags = MetricTags.Scalars(row).Select(s => s.Tag).Where(t => t.StartsWith("outcome/")).ToArray();
            Assert.Equal(outcome.Values.Where(v => !double.IsNaN(v.Value)).Select(v => "outcome/" + v.Name).Order(), tags.Order());
        }
        Assert.Equal("outcome/past_line", MetricTags.Of("outcome_past_line"));
    }
}
