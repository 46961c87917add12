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

/// <summary>Hyperparameters of soft Q-learning (defaults: the spec's shared values).</summary>
public sealed record SqlSettings
{
    /// <summary>Hidden widths of Q and of the sampling network.</summary>
    public int[] HiddenSizes { get; init; } = [100, 100];
    /// <summary>K: SVGD particles per state.</summary>
    public int Particles { get; init; } = 32;
    /// <summary>K_V: uniform action samples per next state for V_soft.</summary>
    public int ValueParticles { get; init; } = 50;
    /// <summary>α: temperature.</summary>
    public double Alpha { get; init; } = 0.1;
    /// <summary>Hard copy Q̄ ← Q every this many gradient steps.</summary>
    public int TargetUpdateInterval { get; init; } = 1000;
    /// <summary>N: minibatch size.</summary>
    public int BatchSize { get; init; } = 64;
    /// <summary>Adam learning rate of Q.</summary>
    public float QLearningRate { get; init; } = 1e-3f;
    /// <summary>Adam learning rate of the sampling network.</summary>
    public float PolicyLearningRate { get; init; } = 1e-4f;
    /// <summary>γ.</summary>
    public double Discount { get; init; } = 0.99;
    /// <summary>RBF bandwidth rule.</summary>
    public KernelBandwidth Kernel { get; init; } = KernelBandwidth.AuthorsCode;
    /// <summary>Q initialisation.</summary>
    public Initializer QInitializer { get; init; } = Initializer.FanInHiddenSmallOutput;
    /// <summary>Sampling network initialisation.</summary>
    public Initializer PolicyInitializer { get; init; } = Initializer.SmallUniform;
    /// <summary>Soft (training) or hard-max (fine-tuning) value target.</summary>
    public ValueTarget ValueTarget { get; init; } = ValueTarget.Soft;
    /// <summary>Largest number of observations one <c>Act</c> call may hold (evaluation envs).</summary>
    public int MaxActBatch { get; init; } = 256;
}
