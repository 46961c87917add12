using System.Globalization;
using System.Reflection;

namespace SoftQRobotics.Pipelines;

/// <summary>The TensorBoard group of a metrics column: eval/, train/ or perf/.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MetricGroupAttribute(string group) : Attribute
{
    /// <summary>eval, train or perf.</summary>
    public string Group { get; } = group;
}

/// <summary>
/// One row of metrics.csv: what one epoch did. The columns are these properties in declaration
/// order, snake_cased (docs/implementation-details.md, "metrics.csv", says what each means); columns
/// missing from an older file read as NaN. Returns are in the task's unscaled reward.
/// </summary>
public sealed record EpochMetrics
{
    [MetricGroup("train")] public int Epoch { get; init; }
    [MetricGroup("train")] public long EnvSteps { get; init; }
    [MetricGroup("train")] public long GradientSteps { get; init; }
    [MetricGroup("eval")] public double AverageReturn { get; init; } = double.NaN;
    [MetricGroup("eval")] public double AverageDiscountedReturn { get; init; } = double.NaN;
    [MetricGroup("eval")] public double AverageEpisodeLength { get; init; } = double.NaN;
    [MetricGroup("eval")] public double MinReturn { get; init; } = double.NaN;
    [MetricGroup("eval")] public double MaxReturn { get; init; } = double.NaN;
    [MetricGroup("train")] public double QLoss { get; init; } = double.NaN;
    /// <summary>The policy network's statistic under its historical name: <see cref="SteinDirectionNorm"/> for SQL, <see cref="ActorLoss"/> for DDPG.</summary>
    [MetricGroup("train")] public double PolicyLoss { get; init; } = double.NaN;
    [MetricGroup("train")] public double MeanQ { get; init; } = double.NaN;
    [MetricGroup("train")] public double Alpha { get; init; } = double.NaN;
    [MetricGroup("train")] public double Particles { get; init; } = double.NaN;
    [MetricGroup("perf")] public double EnvStepsPerSecond { get; init; } = double.NaN;
    [MetricGroup("perf")] public double GradientStepsPerSecond { get; init; } = double.NaN;
    [MetricGroup("train")] public double TrainingEpisodes { get; init; } = double.NaN;
    [MetricGroup("train")] public double TrainingReturn { get; init; } = double.NaN;
    [MetricGroup("eval")] public double FinalComX { get; init; } = double.NaN;
    [MetricGroup("eval")] public double ProgressMin { get; init; } = double.NaN;
    [MetricGroup("eval")] public double ProgressMax { get; init; } = double.NaN;
    [MetricGroup("eval")] public double MaxComX { get; init; } = double.NaN;
    [MetricGroup("eval")] public double MinComX { get; init; } = double.NaN;
    [MetricGroup("eval")] public double DistanceToGoal { get; init; } = double.NaN;
    [MetricGroup("eval")] public double MinDistanceToGoal { get; init; } = double.NaN;
    [MetricGroup("eval")] public double MinDistanceSoFar { get; init; } = double.NaN;
    [MetricGroup("perf")] public double WallSeconds { get; init; } = double.NaN;
    [MetricGroup("train")] public double RewardScale { get; init; } = double.NaN;
    [MetricGroup("eval")] public double FinalDistanceMin { get; init; } = double.NaN;
    [MetricGroup("eval")] public double FinalDistanceSoFar { get; init; } = double.NaN;
    /// <summary>SQL: mean over the epoch's gradient steps of the RMS norm of the Stein direction φ (SVGD has no loss); NaN for DDPG.</summary>
    [MetricGroup("train")] public double SteinDirectionNorm { get; init; } = double.NaN;
    /// <summary>DDPG: mean over the epoch's gradient steps of the actor's loss −mean Q(s, μ(s)); NaN for SQL.</summary>
    [MetricGroup("train")] public double ActorLoss { get; init; } = double.NaN;
    /// <summary>SQL: mean over the epoch's gradient steps of how much the sampler's target exp(Q/α) varies over actions: the mean over
    /// the minibatch's states of the standard deviation (1/K form) over the K particles of Q(s, a_k)/α (docs/implementation-details.md, "Temperature"); NaN for DDPG.</summary>
    [MetricGroup("train")] public double QSpreadOverAlpha { get; init; } = double.NaN;

    private static readonly PropertyInfo[] Properties = typeof(EpochMetrics).GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.GetCustomAttribute<MetricGroupAttribute>() is not null).OrderBy(p => p.MetadataToken).ToArray();

    /// <summary>The columns of metrics.csv, in order.</summary>
    public static readonly string[] Columns = Properties.Select(p => RunConfig.SnakeCase(p.Name)).ToArray();

    /// <summary>The TensorBoard tag of each column (e.g. eval/average_return), in column order.</summary>
    public static readonly string[] Tags = Properties.Select((p, i) => $"{p.GetCustomAttribute<MetricGroupAttribute>()!.Group}/{Columns[i]}").ToArray();

    /// <summary>The value of column <paramref name="column"/> (a metrics.csv name, e.g. for <c>plot --metric</c>).</summary>
    /// <exception cref="ArgumentException">no such column; the message lists them.</exception>
    public double this[string column]
    {
        get
        {
            int index = Array.IndexOf(Columns, column);
            if (index < 0) throw new ArgumentException($"unknown metric '{column}'; metrics.csv has: {string.Join(", ", Columns)}");
            return Convert.ToDouble(Properties[index].GetValue(this), CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The values in column order.</summary>
    public double[] Values() => Properties.Select(p => Convert.ToDouble(p.GetValue(this), CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Reads a row from its cells under <paramref name="header"/> (columns may be missing or in any order; unknown ones are ignored).</summary>
    /// <exception cref="FormatException">a cell is not a number.</exception>
    public static EpochMetrics FromCells(string[] header, string[] cells)
    {
        object row = new EpochMetrics();
        for (int c = 0; c < header.Length; c++)
        {
            int index = Array.IndexOf(Columns, header[c]);
            if (index < 0) continue;
            double value = double.Parse(cells[c], CultureInfo.InvariantCulture);
            var property = Properties[index];
            property.SetValue(row, property.PropertyType == typeof(double) ? value : Convert.ChangeType(value, property.PropertyType, CultureInfo.InvariantCulture));
        }
        return (EpochMetrics)row;
    }
}
