using System.ComponentModel.DataAnnotations;
using SoftQRobotics.Learning.Nn;

namespace SoftQRobotics.Learning.Agents;

/// <summary>How the critic's target values the next state.</summary>
public enum ValueTarget
{
    /// <summary>V_soft by uniform importance sampling (training from scratch).</summary>
    Soft,

    /// <summary>max over K_ξ target-sampler actions of Q̄ (the authors' fine-tuning switch).</summary>
    HardMax,
}

/// <summary>
/// Hyperparameters both learners share: the networks and their optimisation. Each is declared
/// here once, with its default (the authors' shared settings) and its range; a YAML config sets it under
/// its snake_case name (<c>hidden_sizes</c>, <c>batch_size</c>, …), see docs/configs.md.
/// </summary>
public abstract record LearnerSettings
{
    /// <summary>Hidden widths of the critic and of the policy network (sampler or actor).</summary>
    [Range(1, int.MaxValue)]
    public int[] HiddenSizes { get; init; } = [100, 100];

    /// <summary>N: transitions per minibatch.</summary>
    [Range(1, int.MaxValue)]
    public int BatchSize { get; init; } = 64;

    /// <summary>γ: discount of the TD target (and of the evaluation's discounted return).</summary>
    [Range(0.0, 1.0)]
    public double Discount { get; init; } = 0.99;

    /// <summary>Adam learning rate of Q.</summary>
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public float QLearningRate { get; init; } = 1e-3f;

    /// <summary>
    /// Multiplier of the Q learning rate for Q's output layer (its weights and bias) alone: with rewards × c,
    /// c here makes Adam's path the one of rewards × 1 (docs/implementation-details.md, "Temperature").
    /// </summary>
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public float QOutputLearningRateScale { get; init; } = 1f;

    /// <summary>Adam learning rate of the policy network: SQL's sampler f^φ, DDPG's actor μ.</summary>
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public float PolicyLearningRate { get; init; } = 1e-4f;

    /// <summary>Hard copy of the targets (Q̄ ← Q; DDPG also μ̄ ← μ) every this many gradient steps.</summary>
    [Range(1, int.MaxValue)]
    public int TargetUpdateInterval { get; init; } = 1000;
}

/// <summary>Hyperparameters of soft Q-learning beyond the shared ones (paper notation: K, K_V, α).</summary>
public sealed record SqlSettings : LearnerSettings
{
    /// <summary>K: SVGD particles per state.</summary>
    [Range(1, int.MaxValue)]
    public int Particles { get; init; } = 32;

    /// <summary>K_V: uniform action samples per next state for V_soft.</summary>
    [Range(1, int.MaxValue)]
    public int ValueParticles { get; init; } = 50;

    /// <summary>α: temperature of V_soft and of the SVGD score (with rewards × <c>reward_scale</c>, see docs/implementation-details.md, "Temperature").</summary>
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double Alpha { get; init; } = 0.1;

    /// <summary>RBF bandwidth rule of the SVGD kernel.</summary>
    public KernelBandwidth KernelBandwidth { get; init; } = KernelBandwidth.AuthorsCode;

    /// <summary>Initialisation of Q.</summary>
    public Initializer QInitializer { get; init; } = Initializer.FanInHiddenSmallOutput;

    /// <summary>Initialisation of the sampling network.</summary>
    public Initializer PolicyInitializer { get; init; } = Initializer.SmallUniform;

    /// <summary>The critic's target: the soft value (training from scratch) or the hard max (what fine-tuning switches to).</summary>
    public ValueTarget ValueTarget { get; init; } = ValueTarget.Soft;
}

/// <summary>Hyperparameters of the DDPG baseline: the shared ones only (same networks and schedule as SQL; no α).</summary>
public sealed record DdpgSettings : LearnerSettings;
