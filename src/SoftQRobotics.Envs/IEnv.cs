namespace SoftQRobotics.Envs;

/// <summary>
/// One environment with Gymnasium's semantics. Observations and actions are float32 spans owned by
/// the caller, so stepping allocates nothing.
/// </summary>
public interface IEnv : IDisposable
{
    /// <summary>Sizes, bounds and horizon of this task.</summary>
    EnvSpec Spec { get; }

    /// <summary>Starts a new episode and writes its first observation.</summary>
    /// <param name="seed">seeds the env's random stream; null continues the current stream (Gymnasium's reset(seed=None)).</param>
    /// <param name="observation">destination, (obsDim).</param>
    /// <returns>the task metrics of the initial state.</returns>
    EnvInfo Reset(int? seed, Span<float> observation);

    /// <summary>Applies <paramref name="action"/> for one env step and writes the next observation.</summary>
    /// <param name="action">(actDim), each component in [−1, 1] (finite values outside are clipped).</param>
    /// <param name="observation">destination, (obsDim).</param>
    /// <exception cref="ArgumentException">the action has the wrong length or a NaN/∞ component; the state is unchanged.</exception>
    /// <exception cref="InvalidOperationException">the episode has ended (or never started): call <see cref="Reset"/>.</exception>
    StepResult Step(ReadOnlySpan<float> action, Span<float> observation);
}

/// <summary>The outcome of one step.</summary>
/// <param name="Reward">raw (unscaled) reward of the transition</param>
/// <param name="Terminated">a terminal state of the MDP (flip, jump, unstable physics): do not bootstrap</param>
/// <param name="Truncated">the time limit cut the episode: bootstrap from the final observation</param>
/// <param name="Info">task metrics after the step</param>
public readonly record struct StepResult(double Reward, bool Terminated, bool Truncated, EnvInfo Info)
{
    /// <summary>The episode is over, for either reason.</summary>
    public bool Done => Terminated || Truncated;
}

/// <summary>
/// Task metrics after a reset or step. Fields a task does not define are NaN.
/// </summary>
/// <param name="Step">steps taken in this episode</param>
/// <param name="ComX">x of the robot's centre of mass (the point's position for multigoal)</param>
/// <param name="ComY">y of the robot's centre of mass</param>
/// <param name="DistanceToGoal">distance from the centre of mass to the task's goal</param>
/// <param name="Unstable">MuJoCo reported a NaN or diverging state (and reset it); the episode ended</param>
/// <param name="Reward">the terms of the step's reward (zero after a reset and for an unstable step)</param>
public readonly record struct EnvInfo(int Step, double ComX, double ComY, double DistanceToGoal, bool Unstable, RewardTerms Reward = default);

/// <summary>
/// The reward of one step split into its terms, each signed so that they sum to the reward (Gymnasium's
/// reward_forward / reward_ctrl / reward_contact / reward_survive convention). Terms a task does not
/// have are 0.
/// </summary>
/// <param name="Speed">the speed term: ‖v_com‖ (swimmer) or ‖v_xy‖ (ant pretraining, hallways)</param>
/// <param name="Goal">the goal-proximity term: the Gaussian(s) around the goal(s) (multi-goal, mazes)</param>
/// <param name="Control">−c·Σa², the control cost (≤ 0)</param>
/// <param name="Contact">−c·Σ clip(f, −1, 1)², the contact cost (≤ 0)</param>
/// <param name="Survive">the per-step survival bonus (ant tasks)</param>
/// <param name="Bonus">the finish-line bonus (swimmer, while the centre of mass is past the line)</param>
public readonly record struct RewardTerms(double Speed, double Goal, double Control, double Contact, double Survive, double Bonus)
{
    /// <summary>The reward: the sum of the terms.</summary>
    public double Total => Speed + Goal + Control + Contact + Survive + Bonus;
}
