using SoftQRobotics.Envs.Vector;

namespace SoftQRobotics.Envs.Tasks;

/// <summary>
/// The 2-D multi-goal point task (docs/tasks.md, "Multi-goal"): position += action, clipped to [−7, 7]²; reward is the
/// mean over four goals of 10·exp(−b‖s − g‖²) evaluated at the pre-step position (0.1 at the origin,
/// ≈ 2.5 on a goal); starts at the origin; T = 20. Pure C#, no physics.
/// </summary>
public sealed class MultiGoal : IEnv
{
    /// <summary>Goal positions (x, y).</summary>
    public static readonly (double X, double Y)[] Goals = [(5, 0), (-5, 0), (0, 5), (0, -5)];

    /// <summary>Position bound: the point stays in [−Bound, Bound]².</summary>
    public const double Bound = 7;

    // b = ln(goal reward / start reward) / ‖g‖² = ln(10 / 0.1) / 25
    private static readonly double Sharpness = Math.Log(10 / 0.1) / 25;
    private double _x, _y;
    private int _step;
    private bool _running;

    /// <inheritdoc/>
    public EnvSpec Spec { get; } = new("multigoal", 2, 2, 20, 1.0, Bound,
        "2-D point mass with four goals; reward is a mixture of Gaussians around them");

    /// <summary>The reward at position (x, y): mean over the goals of 10·exp(−b‖(x, y) − g‖²).</summary>
    public static double RewardAt(double x, double y)
    {
        double sum = 0;
        foreach (var (gx, gy) in Goals) sum += 10 * Math.Exp(-Sharpness * ((x - gx) * (x - gx) + (y - gy) * (y - gy)));
        return sum / Goals.Length;
    }

    /// <summary>Success in Fig. 1: the goals the episodes end at (within 1.0 of one, the authors' goal threshold).</summary>
    /// <exception cref="ArgumentException">no episodes, or a non-finite final position.</exception>
    public static TaskOutcome Outcome(IReadOnlyList<EpisodeStats> episodes) => GoalsOutcome.From(episodes, Goals);

    /// <summary>Distance from (x, y) to the nearest goal.</summary>
    public static double NearestGoalDistance(double x, double y)
    {
        double best = double.PositiveInfinity;
        foreach (var (gx, gy) in Goals) best = Math.Min(best, Math.Sqrt((x - gx) * (x - gx) + (y - gy) * (y - gy)));
        return best;
    }

    /// <inheritdoc/>
    public EnvInfo Reset(int? seed, Span<float> observation)
    {
        ActionCheck.ValidateObservation(Spec, observation);
        (_x, _y, _step, _running) = (0, 0, 0, true);
        Observe(observation);
        return Info();
    }

    /// <inheritdoc/>
    public StepResult Step(ReadOnlySpan<float> action, Span<float> observation)
    {
        ActionCheck.Validate(Spec, action);
        ActionCheck.ValidateObservation(Spec, observation);
        if (!_running) throw new InvalidOperationException($"{Spec.Name}: the episode has ended; call Reset before Step");

        // the reward belongs to the state the action is taken in
        double reward = RewardAt(_x, _y);
        _x = Math.Clamp(_x + Math.Clamp(action[0], -1f, 1f), -Bound, Bound);
        _y = Math.Clamp(_y + Math.Clamp(action[1], -1f, 1f), -Bound, Bound);
        _step++;
        bool truncated = _step >= Spec.Horizon;
        _running = !truncated;
        Observe(observation);
        return new StepResult(reward, Terminated: false, truncated, Info() with { Reward = new RewardTerms { Goal = reward } });
    }

    /// <inheritdoc/>
    public void Dispose() { }

    private void Observe(Span<float> observation)
    {
        observation[0] = (float)_x;
        observation[1] = (float)_y;
    }

    private EnvInfo Info() => new(_step, _x, _y, NearestGoalDistance(_x, _y), Unstable: false);
}
