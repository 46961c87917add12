using System.ComponentModel.DataAnnotations;

namespace SoftQRobotics.Pipelines.Training;

/// <summary>
/// Schedule of off-policy training, each setting declared here once with its default (the authors'
/// shared settings) and its range; a YAML config sets it under its snake_case name (docs/configs.md).
/// </summary>
public sealed record TrainerSettings
{
    /// <summary>Env steps per epoch (one gradient step each once the pool is large enough, times <see cref="UpdatesPerStep"/>).</summary>
    [Range(1, int.MaxValue)]
    public int EpochLength { get; init; } = 10_000;

    /// <summary>Transitions collected before the first gradient step.</summary>
    [Range(1, int.MaxValue)]
    public int MinPoolSize { get; init; } = 10_000;

    /// <summary>Replay capacity: the oldest transitions are overwritten beyond it.</summary>
    [Range(1, int.MaxValue)]
    public int ReplayCapacity { get; init; } = 1_000_000;

    /// <summary>Evaluation episodes after every epoch (stochastic policy, no exploration noise).</summary>
    [Range(1, int.MaxValue)]
    public int EvaluationEpisodes { get; init; } = 10;

    /// <summary>θ of the Ornstein–Uhlenbeck exploration noise.</summary>
    [Range(0.0, double.MaxValue)]
    public double OuTheta { get; init; } = 0.15;

    /// <summary>σ of the Ornstein–Uhlenbeck exploration noise; 0 turns exploration noise off.</summary>
    [Range(0.0, double.MaxValue)]
    public double OuSigma { get; init; } = 0.3;

    /// <summary>Gradient steps per env step.</summary>
    [Range(1, int.MaxValue)]
    public int UpdatesPerStep { get; init; } = 1;

    /// <summary>
    /// Rewards are multiplied by this before they enter the replay pool. The authors trained with
    /// <c>reward_scale: 1/α, alpha: 1</c> (same fixed point as <c>alpha: α</c>, another path under
    /// Adam; docs/implementation-details.md, "Temperature"). Evaluation returns and metrics stay in
    /// the task's unscaled reward.
    /// </summary>
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double RewardScale { get; init; } = 1;
}
