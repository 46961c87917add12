namespace SoftQRobotics.Pipelines.Logging;

/// <summary>TensorBoard tags of the metrics.csv columns: grouped as eval/, train/ and perf/ (step = env steps).</summary>
public static class MetricTags
{
    private static readonly HashSet<string> Evaluation =
    [
        "average_return", "average_discounted_return", "average_episode_length", "min_return", "max_return",
        "final_com_x", "progress_min", "progress_max", "max_com_x", "min_com_x",
        "distance_to_goal", "min_distance_to_goal", "min_distance_so_far", "final_distance_min", "final_distance_so_far",
    ];

    private static readonly HashSet<string> Performance = ["env_steps_per_second", "gradient_steps_per_second", "wall_seconds"];

    /// <summary>The tag of a metrics column, e.g. eval/average_return, train/q_loss, perf/gradient_steps_per_second.</summary>
    public static string Of(string column) =>
        Evaluation.Contains(column) ? "eval/" + column : Performance.Contains(column) ? "perf/" + column : "train/" + column;

    /// <summary>Every column of a metrics row but env_steps (the step axis), as (tag, value).</summary>
    public static IEnumerable<(string Tag, double Value)> Scalars(IReadOnlyDictionary<string, double> row) =>
        RunDirectory.MetricColumns.Where(c => c != "env_steps" && row.ContainsKey(c)).Select(c => (Of(c), row[c]));
}
