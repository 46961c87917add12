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
public readonly record struct EnvInfo(int Step, double ComX, double ComY, double DistanceToGoal, bool Unstable);
