using SoftQRobotics.Pipelines;

namespace SoftQRobotics.Tests.Pipelines;

/// <summary>metrics.csv is a file format users' scripts read: its columns, their order and old files must keep working.</summary>
public class EpochMetricsTests
{
    [Fact]
    public void Columns_AreTheFileFormat_InOrder()
    {
        Assert.Equal(
            "epoch,env_steps,gradient_steps,average_return,average_discounted_return,average_episode_length,min_return,max_return," +
            "q_loss,policy_loss,mean_q,alpha,particles,env_steps_per_second,gradient_steps_per_second,training_episodes,training_return," +
            "final_com_x,progress_min,progress_max,max_com_x,min_com_x,distance_to_goal,min_distance_to_goal,min_distance_so_far," +
            "wall_seconds,reward_scale,final_distance_min,final_distance_so_far,stein_direction_norm,actor_loss,q_spread_over_alpha,particle_minority_fraction,particle_action_std," +
            "outcome_episodes,outcome_success,outcome_goals_reached,outcome_goal_east,outcome_goal_west,outcome_goal_north,outcome_goal_south," +
            "outcome_forward,outcome_backward,outcome_past_line,outcome_max_forward_x,outcome_below_threshold,outcome_final_distance," +
            "outcome_closest_final_distance,outcome_discounted_return,outcome_distance_travelled,outcome_direction_resultant",
            string.Join(',', EpochMetrics.Columns));
        Assert.Equal("outcome/forward", EpochMetrics.Tags[Array.IndexOf(EpochMetrics.Columns, "outcome_forward")]);
        Assert.Equal("eval/average_return", EpochMetrics.Tags[Array.IndexOf(EpochMetrics.Columns, "average_return")]);
        Assert.Equal("perf/wall_seconds", EpochMetrics.Tags[Array.IndexOf(EpochMetrics.Columns, "wall_seconds")]);
        Assert.Equal("train/q_loss", EpochMetrics.Tags[Array.IndexOf(EpochMetrics.Columns, "q_loss")]);
        Assert.Equal("train/q_spread_over_alpha", EpochMetrics.Tags[Array.IndexOf(EpochMetrics.Columns, "q_spread_over_alpha")]);
    }

    /// <summary>Resuming a run whose metrics.csv an older build wrote brings the file to today's columns: every row as many fields as the header.</summary>
    [Fact]
    public void Truncate_BringsAnOlderFileToTodaysColumns_KeepingItsValues()
    {
        string dir = TestPaths.ScratchDirectory();
        var run = new RunDirectory(dir);
        var older = EpochMetrics.Columns.TakeWhile(c => c != "q_spread_over_alpha").ToArray();   // a file of the build before that column
        File.WriteAllText(run.MetricsFile, string.Join(',', older) + "\n" +
            string.Join(',', older.Select((_, i) => i < 3 ? "1" : (i + 0.5).ToString(System.Globalization.CultureInfo.InvariantCulture))) + "\n" +
            string.Join(',', older.Select((_, i) => i == 0 ? "2" : "7")) + "\n");
        run.TruncateMetrics(1);
        run.AppendMetrics(new EpochMetrics { Epoch = 2, EnvSteps = 200, QSpreadOverAlpha = 0.25 });
        var lines = File.ReadAllLines(run.MetricsFile);
        Assert.Equal(string.Join(',', EpochMetrics.Columns), lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.All(lines, line => Assert.Equal(EpochMetrics.Columns.Length, line.Split(',').Length));
        var rows = run.ReadMetrics();
        Assert.Equal((1L, Array.IndexOf(EpochMetrics.Columns, "wall_seconds") + 0.5), (rows[0].EnvSteps, rows[0].WallSeconds));   // epoch 1 kept with its values
        Assert.True(double.IsNaN(rows[0].QSpreadOverAlpha));
        Assert.Equal((2, 0.25), (rows[1].Epoch, rows[1].QSpreadOverAlpha));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void RowsRoundTrip_AndAnOlderFileWithoutTheLaterColumnsReadsThemAsNaN()
    {
        string dir = TestPaths.ScratchDirectory();
        var run = new RunDirectory(dir);
        var row = new EpochMetrics { Epoch = 3, EnvSteps = 300, GradientSteps = 237, AverageReturn = -1.25, QLoss = 0.5, WallSeconds = 12.5, FinalDistanceSoFar = 0.75 };
        run.AppendMetrics(row);
        Assert.Equal(row, Assert.Single(run.ReadMetrics()));
        Assert.Equal(237.0, row["gradient_steps"]);
        Assert.Throws<ArgumentException>(() => row["no_such_column"]);

        // a file written before reward_scale and the final distances existed
        var older = EpochMetrics.Columns.Take(26).ToArray();
        File.WriteAllText(run.MetricsFile, string.Join(',', older) + "\n" + string.Join(',', older.Select((_, i) => i.ToString())) + "\n");
        var read = Assert.Single(run.ReadMetrics());
        Assert.Equal((1, 25.0), (read.EnvSteps, read.WallSeconds));
        Assert.True(double.IsNaN(read.RewardScale) && double.IsNaN(read.FinalDistanceSoFar));

        File.WriteAllText(run.MetricsFile, "epoch,env_steps\n1,abc\n");
        var error = Assert.Throws<InvalidDataException>(() => run.ReadMetrics());
        Assert.Contains("not a number", error.Message);
        Directory.Delete(dir, true);
    }
}
