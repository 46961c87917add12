namespace SoftQRobotics.Envs.Vector;

/// <summary>One number of a task's outcome: metrics.csv column <c>outcome_NAME</c>, TensorBoard tag <c>outcome/NAME</c>, <c>eval --json</c> field <c>outcome.NAME</c>.</summary>
/// <param name="Name">snake_case name</param>
/// <param name="Value">its value (counts are numbers of evaluation episodes)</param>
public readonly record struct OutcomeValue(string Name, double Value);

/// <summary>
/// What a task's evaluation episodes achieved in the paper's terms (docs/tasks.md, "Outcomes"). Each task says which
/// outcome it has, beside its reward (<see cref="TaskDefinition.Outcome"/>); these records compute them from
/// <see cref="EpisodeStats"/>.
/// </summary>
public abstract record TaskOutcome(int Episodes)
{
    /// <summary>The numbers: <c>episodes</c>, the task's own, then <c>success</c> (1 or 0) where the paper counts runs that succeed.</summary>
    public IReadOnlyList<OutcomeValue> Values =>
        [new("episodes", Episodes), .. TaskValues(), .. Succeeded is { } s ? [new OutcomeValue("success", s ? 1 : 0)] : Array.Empty<OutcomeValue>()];

    /// <summary>Whether the run succeeded in the sense the paper counts runs (e.g. "SQL 10/10 past the line"); null where it reports a mean instead.</summary>
    public abstract bool? Succeeded { get; }

    /// <summary>The task's own numbers.</summary>
    protected abstract IEnumerable<OutcomeValue> TaskValues();

    /// <summary>The short form, for the training epoch line (e.g. "goals 4/4").</summary>
    public abstract string Short { get; }

    /// <summary>The full form, for <c>softq eval</c> (e.g. "goals 4/4 (5,0):6 (−5,0):4 (0,5):5 (0,−5):5").</summary>
    public abstract string Full { get; }

    /// <summary>Checks that there are episodes and that every number the outcome reads is finite.</summary>
    /// <exception cref="ArgumentException">no episodes, or a NaN or infinite value (one line naming the episode).</exception>
    protected static void Require(IReadOnlyList<EpisodeStats> episodes, string what, Func<EpisodeStats, double> value)
    {
        if (episodes.Count == 0) throw new ArgumentException("no evaluation episodes to judge the outcome on");
        for (int i = 0; i < episodes.Count; i++)
        {
            if (!double.IsFinite(value(episodes[i]))) throw new ArgumentException($"evaluation episode {i}: {what} is {value(episodes[i])}");
        }
    }

    /// <summary>The episode's centre-of-mass displacement from its first state to its last (x, y).</summary>
    protected static (double X, double Y) Displacement(EpisodeStats e) =>
        e.ComTrace.Length >= 2 ? (e.Final.ComX - e.ComTrace[0], e.Final.ComY - e.ComTrace[1]) : (double.NaN, double.NaN);
}

/// <summary>
/// Multi-goal (Fig. 1): which goals the episodes end at. An episode reaches a goal when its last position is within
/// <see cref="Radius"/> of it: 1.0, the goal threshold of the authors' multi-goal env (docs/tasks.md, "Outcomes").
/// </summary>
/// <param name="PerGoal">episodes ending at each goal, in <see cref="Goals"/> order</param>
public sealed record GoalsOutcome(int Episodes, IReadOnlyList<(double X, double Y)> Goals, int[] PerGoal) : TaskOutcome(Episodes)
{
    /// <summary>Distance from a goal within which an episode's end counts as reaching it.</summary>
    public const double Radius = 1.0;

    /// <summary>Goals at least one episode reached.</summary>
    public int GoalsReached => PerGoal.Count(n => n > 0);

    /// <summary>What <see cref="Succeeded"/> means here.</summary>
    public const string Success = "reach every goal";

    /// <summary>Every goal reached by some episode (Fig. 1: SQL reaches all four, DDPG commits to one).</summary>
    public override bool? Succeeded => GoalsReached == Goals.Count;

    /// <summary>The outcome of <paramref name="episodes"/> on a task with <paramref name="goals"/>.</summary>
    /// <exception cref="ArgumentException">no episodes, or a non-finite final position.</exception>
    public static GoalsOutcome From(IReadOnlyList<EpisodeStats> episodes, IReadOnlyList<(double X, double Y)> goals)
    {
        Require(episodes, "the final x", e => e.Final.ComX);
        Require(episodes, "the final y", e => e.Final.ComY);
        var perGoal = new int[goals.Count];
        foreach (var e in episodes)
        {
            for (int g = 0; g < goals.Count; g++)
            {
                double dx = e.Final.ComX - goals[g].X, dy = e.Final.ComY - goals[g].Y;
                if (dx * dx + dy * dy <= Radius * Radius) perGoal[g]++;
            }
        }
        return new GoalsOutcome(episodes.Count, goals, perGoal);
    }

    /// <summary>Column names of the goals: east (5, 0), west (−5, 0), north (0, 5), south (0, −5) for the paper's four.</summary>
    private static string GoalName((double X, double Y) g) =>
        g.Y == 0 ? (g.X > 0 ? "goal_east" : "goal_west") : g.X == 0 ? (g.Y > 0 ? "goal_north" : "goal_south") : $"goal_{g.X:0.#}_{g.Y:0.#}";

    /// <inheritdoc/>
    protected override IEnumerable<OutcomeValue> TaskValues() =>
        [new("goals_reached", GoalsReached), .. Goals.Select((g, i) => new OutcomeValue(GoalName(g), PerGoal[i]))];

    /// <inheritdoc/>
    public override string Short => $"goals {GoalsReached}/{Goals.Count}";

    /// <inheritdoc/>
    public override string Full =>
        $"goals {GoalsReached}/{Goals.Count} " + string.Join(' ', Goals.Select((g, i) => $"({g.X:0.#},{g.Y:0.#}):{PerGoal[i]}")) +
        $" of {Episodes} episodes (ending within {Radius:0.0} of a goal)";
}

/// <summary>
/// Swimmer with a finish line (Fig. 3a, 6): which way the episodes swam (the sign of their progress, final minus
/// initial centre-of-mass x), how many ended past the line, and how far forward any got.
/// </summary>
/// <param name="Forward">episodes with progress &gt; 0</param>
/// <param name="Backward">episodes with progress &lt; 0</param>
/// <param name="PastLine">episodes whose last centre-of-mass x is past the finish line</param>
/// <param name="MaxForwardX">the largest centre-of-mass x of any state of any episode</param>
/// <param name="Line">the finish line's x</param>
public sealed record DirectionOutcome(int Episodes, int Forward, int Backward, int PastLine, double MaxForwardX, double Line) : TaskOutcome(Episodes)
{
    /// <summary>What <see cref="Succeeded"/> means here.</summary>
    public const string Success = "most episodes end forward past the finish line";

    /// <summary>At least half of the episodes end past the line (the paper's "SQL 10/10, DDPG 8/10" counts runs that swim forward past it).</summary>
    public override bool? Succeeded => PastLine > 0 && 2 * PastLine >= Episodes;

    /// <summary>The outcome of <paramref name="episodes"/> with the finish line at <paramref name="line"/>.</summary>
    /// <exception cref="ArgumentException">no episodes, or a non-finite position.</exception>
    public static DirectionOutcome From(IReadOnlyList<EpisodeStats> episodes, double line)
    {
        Require(episodes, "the progress", e => Displacement(e).X);
        Require(episodes, "the largest x", e => e.MaxComX);
        return new DirectionOutcome(episodes.Count, episodes.Count(e => Displacement(e).X > 0), episodes.Count(e => Displacement(e).X < 0),
            episodes.Count(e => e.Final.ComX > line), episodes.Max(e => e.MaxComX), line);
    }

    /// <inheritdoc/>
    protected override IEnumerable<OutcomeValue> TaskValues() =>
        [new("forward", Forward), new("backward", Backward), new("past_line", PastLine), new("max_forward_x", MaxForwardX)];

    /// <inheritdoc/>
    public override string Short => $"forward {Forward}/{Episodes}  past line {PastLine}";

    /// <inheritdoc/>
    public override string Full =>
        $"{Forward} of {Episodes} episodes forward, {Backward} backward; {PastLine} past the finish line x = {Line:0.0#}; largest x reached {MaxForwardX:F2}";
}

/// <summary>
/// Ant maze (Fig. 3b): how close the episodes end to the target, and how many end closer than the upper-passage
/// threshold (the smallest distance a robot can reach in the upper passage: it took the lower one).
/// </summary>
/// <param name="FinalDistance">mean over the episodes of the last state's distance to the target</param>
/// <param name="ClosestFinalDistance">the smallest of them</param>
/// <param name="BelowThreshold">episodes that end closer than <paramref name="Threshold"/></param>
/// <param name="Threshold">the upper-passage threshold</param>
public sealed record ThresholdOutcome(int Episodes, double FinalDistance, double ClosestFinalDistance, int BelowThreshold, double Threshold) : TaskOutcome(Episodes)
{
    /// <summary>What <see cref="Succeeded"/> means here.</summary>
    public const string Success = "most episodes end below the upper-passage threshold";

    /// <summary>At least half of the episodes end closer than the threshold: the run took the lower passage.</summary>
    public override bool? Succeeded => BelowThreshold > 0 && 2 * BelowThreshold >= Episodes;

    /// <summary>The outcome of <paramref name="episodes"/> against <paramref name="threshold"/>.</summary>
    /// <exception cref="ArgumentException">no episodes, or a non-finite distance.</exception>
    public static ThresholdOutcome From(IReadOnlyList<EpisodeStats> episodes, double threshold)
    {
        Require(episodes, "the final distance to the target", e => e.Final.DistanceToGoal);
        return new ThresholdOutcome(episodes.Count, episodes.Average(e => e.Final.DistanceToGoal), episodes.Min(e => e.Final.DistanceToGoal),
            episodes.Count(e => e.Final.DistanceToGoal < threshold), threshold);
    }

    /// <inheritdoc/>
    protected override IEnumerable<OutcomeValue> TaskValues() =>
        [new("below_threshold", BelowThreshold), new("final_distance", FinalDistance), new("closest_final_distance", ClosestFinalDistance)];

    /// <inheritdoc/>
    public override string Short => $"below threshold {BelowThreshold}/{Episodes}  final distance {FinalDistance:F2}";

    /// <inheritdoc/>
    public override string Full =>
        $"{BelowThreshold} of {Episodes} episodes end below the upper-passage threshold {Threshold:F2}; final distance to the target {FinalDistance:F2} (closest {ClosestFinalDistance:F2})";
}

/// <summary>
/// Fine-tuning tasks (Fig. 4b–d): the paper reports the discounted return; the distance to the goal says where the
/// episodes end where the task has one (NaN otherwise).
/// </summary>
/// <param name="DiscountedReturn">mean discounted return</param>
/// <param name="FinalDistance">mean final distance to the goal, NaN without one</param>
public sealed record ReturnOutcome(int Episodes, double DiscountedReturn, double FinalDistance) : TaskOutcome(Episodes)
{
    /// <summary>The paper compares mean returns here, it does not count runs.</summary>
    public override bool? Succeeded => null;

    /// <summary>The outcome of <paramref name="episodes"/>.</summary>
    /// <exception cref="ArgumentException">no episodes, or a non-finite discounted return.</exception>
    public static ReturnOutcome From(IReadOnlyList<EpisodeStats> episodes, bool hasGoal)
    {
        Require(episodes, "the discounted return", e => e.DiscountedReturn);
        if (hasGoal) Require(episodes, "the final distance to the goal", e => e.Final.DistanceToGoal);
        return new ReturnOutcome(episodes.Count, episodes.Average(e => e.DiscountedReturn), hasGoal ? episodes.Average(e => e.Final.DistanceToGoal) : double.NaN);
    }

    /// <inheritdoc/>
    protected override IEnumerable<OutcomeValue> TaskValues() =>
        double.IsNaN(FinalDistance) ? [new("discounted_return", DiscountedReturn)] : [new("discounted_return", DiscountedReturn), new("final_distance", FinalDistance)];

    /// <inheritdoc/>
    public override string Short => double.IsNaN(FinalDistance) ? $"discounted {DiscountedReturn:F2}" : $"discounted {DiscountedReturn:F2}  final distance {FinalDistance:F2}";

    /// <inheritdoc/>
    public override string Full => double.IsNaN(FinalDistance)
        ? $"discounted return {DiscountedReturn:F2} over {Episodes} episodes"
        : $"discounted return {DiscountedReturn:F2} over {Episodes} episodes; final distance to the goal {FinalDistance:F2}";
}

/// <summary>
/// Pretraining (Fig. 7): how far the episodes carried the robot and how evenly their directions cover the plane: the
/// resultant length of the unit displacement vectors, 1 when every episode went the same way, near 0 when they spread.
/// </summary>
/// <param name="DistanceTravelled">mean distance from the first centre of mass to the last</param>
/// <param name="DirectionResultant">|mean of the episodes' unit displacement vectors|</param>
public sealed record SpreadOutcome(int Episodes, double DistanceTravelled, double DirectionResultant) : TaskOutcome(Episodes)
{
    /// <summary>The paper shows the spread of directions, it does not count runs.</summary>
    public override bool? Succeeded => null;

    /// <summary>The outcome of <paramref name="episodes"/>; an episode that did not move has no direction and is left out of the resultant.</summary>
    /// <exception cref="ArgumentException">no episodes, or a non-finite position.</exception>
    public static SpreadOutcome From(IReadOnlyList<EpisodeStats> episodes)
    {
        Require(episodes, "the final x", e => Displacement(e).X);
        Require(episodes, "the final y", e => Displacement(e).Y);
        double sumX = 0, sumY = 0, distance = 0;
        int moved = 0;
        foreach (var e in episodes)
        {
            var (dx, dy) = Displacement(e);
            double length = Math.Sqrt(dx * dx + dy * dy);
            distance += length;
            if (length <= 1e-9) continue;
            (sumX, sumY, moved) = (sumX + dx / length, sumY + dy / length, moved + 1);
        }
        double resultant = moved == 0 ? double.NaN : Math.Sqrt(sumX * sumX + sumY * sumY) / moved;
        return new SpreadOutcome(episodes.Count, distance / episodes.Count, resultant);
    }

    /// <inheritdoc/>
    protected override IEnumerable<OutcomeValue> TaskValues() =>
        [new("distance_travelled", DistanceTravelled), new("direction_resultant", DirectionResultant)];

    /// <inheritdoc/>
    public override string Short => $"travelled {DistanceTravelled:F2}  direction resultant {DirectionResultant:F2}";

    /// <inheritdoc/>
    public override string Full =>
        $"travelled {DistanceTravelled:F2} on average over {Episodes} episodes; resultant length of their directions {DirectionResultant:F2} (1: all one way, 0: spread evenly)";
}
