namespace SoftQRobotics.Pipelines.Logging;

/// <summary>TensorBoard tags of the metrics.csv columns, grouped as eval/, train/ and perf/ (<see cref="EpochMetrics"/>); step = env steps.</summary>
public static class MetricTags
{
    /// <summary>The tag of a metrics column, e.g. eval/average_return, train/q_loss, perf/gradient_steps_per_second.</summary>
    /// <exception cref="ArgumentException">no such column.</exception>
    public static string Of(string column)
    {
        int index = Array.IndexOf(EpochMetrics.Columns, column);
        return index >= 0 ? EpochMetrics.Tags[index] : throw new ArgumentException($"unknown metrics column '{column}'");
    }

    /// <summary>Every column of a metrics row but env_steps (the step axis) and the outcome columns the task does not have (NaN), as (tag, value).</summary>
    public static IEnumerable<(string Tag, double Value)> Scalars(EpochMetrics row) =>
        EpochMetrics.Tags.Zip(row.Values()).Where((tv, i) => EpochMetrics.Columns[i] != "env_steps"
            && !(EpochMetrics.Columns[i].StartsWith(EpochMetrics.OutcomePrefix, StringComparison.Ordinal) && double.IsNaN(tv.Second)));
}
