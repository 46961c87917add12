using SoftQRobotics.Core;
using SoftQRobotics.Envs.Vector;
using SoftQRobotics.Mujoco;

namespace SoftQRobotics.Envs.Mujoco;

/// <summary>
/// Task logic of a MuJoCo environment, and nothing else: the model it runs on, the initial state,
/// observation, reward and termination. Stepping, action mapping, validation, time limits and
/// instability handling live in <see cref="MujocoEnv"/>. A task object is immutable after
/// <see cref="Bind"/> and shared by every env of its model.
/// </summary>
public abstract class MujocoTask
{
    /// <summary>Sizes, bounds and horizon.</summary>
    public abstract EnvSpec Spec { get; }

    /// <summary>What the reward and observation need computed after each step.</summary>
    public virtual MjAfterStep AfterStep => MjAfterStep.None;

    /// <summary>The MJCF document this task runs on (for arenas, the generated one).</summary>
    public abstract string BuildModelXml();

    /// <summary>Looks up the ids the task uses, once per compiled model.</summary>
    public abstract void Bind(MjModel model);

    /// <summary>Puts <paramref name="d"/> (already at the model's default state) into the episode's initial state.</summary>
    public virtual void ResetState(MjModel model, MjData d, Rng rng) { }

    /// <summary>Writes the observation, (obsDim).</summary>
    public abstract void Observe(MjData d, Span<float> observation);

    /// <summary>Reward of the step just taken with <paramref name="action"/> (clipped to [−1, 1]), and whether the new state is terminal.</summary>
    public abstract RewardTerms Reward(MjData d, ReadOnlySpan<float> action, out bool terminated);

    /// <summary>Task metrics of the current state.</summary>
    public abstract EnvInfo Metrics(MjData d, int step);

    /// <summary>What evaluation episodes of this task achieved in the paper's terms (docs/tasks.md, "Outcomes").</summary>
    /// <exception cref="ArgumentException">no episodes, or a non-finite value the outcome reads (one line).</exception>
    public abstract TaskOutcome Outcome(IReadOnlyList<EpisodeStats> episodes);

    /// <summary>What a run's <see cref="TaskOutcome.Succeeded"/> means for this task; null where the paper reports means.</summary>
    public virtual string? Success => null;
}
