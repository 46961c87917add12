using System.Globalization;
using System.Reflection;
using SoftQRobotics.Envs.Vector;

namespace SoftQRobotics.Pipelines;

/// <summary>The TensorBoard group of a metrics column: eval/, train/, perf/ or outcome/.</summary>
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
    /// <summary>SQL: mean over the epoch's gradient steps of the mean over the minibatch's states and action dimensions of the fraction of the
    /// sampler's K particles on the less populated side of 0 (0.5: an even split, 0: one side only; docs/implementation-details.md, "Temperature"); NaN for DDPG.</summary>
    [MetricGroup("train")] public double ParticleMinorityFraction { get; init; } = double.NaN;
    /// <summary>SQL: mean over the epoch's gradient steps of the mean over states and action dimensions of the standard deviation of the K particles' actions; NaN for DDPG.</summary>
    [MetricGroup("train")] public double ParticleActionStd { get; init; } = double.NaN;

    // the task's outcome in the paper's terms (docs/tasks.md, "Outcomes"): NaN where it does not apply to the task
    /// <summary>Evaluation episodes the outcome counts.</summary>
    [MetricGroup("outcome")] public double OutcomeEpisodes { get; init; } = double.NaN;
    /// <summary>1 when the run succeeded as the paper counts runs (the task says what that means), 0 otherwise.</summary>
    [MetricGroup("outcome")] public double OutcomeSuccess { get; init; } = double.NaN;
    /// <summary>Multi-goal: goals some episode ends within 1.0 of.</summary>
    [MetricGroup("outcome")] public double OutcomeGoalsReached { get; init; } = double.NaN;
    /// <summary>Multi-goal: episodes ending at (5, 0).</summary>
    [MetricGroup("outcome")] public double OutcomeGoalEast { get; init; } = double.NaN;
    /// <summary>Multi-goal: episodes ending at (−5, 0).</summary>
    [MetricGroup("outcome")] public double OutcomeGoalWest { get; init; } = double.NaN;
    /// <summary>Multi-goal: episodes ending at (0, 5).</summary>
    [MetricGroup("outcome")] public double OutcomeGoalNorth { get; init; } = double.NaN;
    /// <summary>Multi-goal: episodes ending at (0, −5).</summary>
    [MetricGroup("outcome")] public double OutcomeGoalSouth { get; init; } = double.NaN;
    /// <summary>Swimmer: episodes with positive progress.</summary>
    [MetricGroup("outcome")] public double OutcomeForward { get; init; } = double.NaN;
    /// <summary>Swimmer: episodes with negative progress.</summary>
    [MetricGroup("outcome")] public double OutcomeBackward { get; init; } = double.NaN;
    /// <summary>Swimmer: episodes ending past the finish line x = 1.5.</summary>
    [MetricGroup("outcome")] public double OutcomePastLine { get; init; } = double.NaN;
    /// <summary>Swimmer: the largest centre-of-mass x of any state of any episode.</summary>
    [MetricGroup("outcome")] public double OutcomeMaxForwardX { get; init; } = double.NaN;
    /// <summary>Ant maze: episodes ending closer to the target than the upper-passage threshold.</summary>
    [MetricGroup("outcome")] public double OutcomeBelowThreshold { get; init; } = double.NaN;
    /// <summary>Ant maze, U-maze: mean final distance to the target.</summary>
    [MetricGroup("outcome")] public double OutcomeFinalDistance { get; init; } = double.NaN;
    /// <summary>Ant maze: the smallest final distance to the target.</summary>
    [MetricGroup("outcome")] public double OutcomeClosestFinalDistance { get; init; } = double.NaN;
    /// <summary>Hallways, U-maze: mean discounted return (the fine-tuning figures' measure).</summary>
    [MetricGroup("outcome")] public double OutcomeDiscountedReturn { get; init; } = double.NaN;
    /// <summary>Pretraining: mean distance from the first centre of mass to the last.</summary>
    [MetricGroup("outcome")] public double OutcomeDistanceTravelled { get; init; } = double.NaN;
    /// <summary>Pretraining: resultant length of the episodes' unit directions (1: one way, 0: spread).</summary>
    [MetricGroup("outcome")] public double OutcomeDirectionResultant { get; init; } = double.NaN;

    private static readonly PropertyInfo[] Properties = typeof(EpochMetrics).GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.GetCustomAttribute<MetricGroupAttribute>() is not null).OrderBy(p => p.MetadataToken).ToArray();

    /// <summary>The columns of metrics.csv, in order.</summary>
    public static readonly string[] Columns = Properties.Select(p => RunConfig.SnakeCase(p.Name)).ToArray();

    /// <summary>The TensorBoard tag of each column (e.g. eval/average_return, outcome/past_line), in column order.</summary>
    public static readonly string[] Tags = Properties.Select((p, i) => p.GetCustomAttribute<MetricGroupAttribute>()!.Group is var group && group == "outcome"
        ? $"outcome/{Columns[i][OutcomePrefix.Length..]}" : $"{group}/{Columns[i]}").ToArray();

    /// <summary>The prefix of the outcome columns: outcome_NAME holds <see cref="OutcomeValue"/> NAME.</summary>
    public const string OutcomePrefix = "outcome_";

    /// <summary>This row with the outcome's values in their <c>outcome_</c> columns (the others stay NaN).</summary>
    /// <exception cref="InvalidOperationException">the outcome has a value without a column (a task defined a new one: add it here).</exception>
    public EpochMetrics WithOutcome(TaskOutcome outcome)
    {
        object row = this with { };
        foreach (var value in outcome.Values)
        {
            int index = Array.IndexOf(Columns, OutcomePrefix + value.Name);
            if (index < 0) throw new InvalidOperationException($"metrics.csv has no column {OutcomePrefix}{value.Name} for the outcome {outcome.GetType().Name}");
            Properties[index].SetValue(row, value.Value);
        }
        return (EpochMetrics)row;
    }

    /// <summary>The outcome columns that hold a value in this row, as (name without the prefix, value).</summary>
    public IEnumerable<OutcomeValue> OutcomeValues()
    {
        var values = Values();
        return Columns.Select((column, i) => (column, i))
            .Where(x => x.column.StartsWith(OutcomePrefix, StringComparison.Ordinal) && double.IsFinite(values[x.i]))
            .Select(x => new OutcomeValue(x.column[OutcomePrefix.Length..], values[x.i]));
    }

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
