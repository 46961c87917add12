using SoftQRobotics.Core;
using SoftQRobotics.Learning.Nn;
using SoftQRobotics.Learning.Replay;

namespace SoftQRobotics.Learning.Agents;

/// <summary>Losses and diagnostics of one gradient step.</summary>
/// <param name="QLoss">mean squared TD error</param>
/// <param name="SteinDirectionNorm">SQL: root-mean-square norm of the Stein direction φ over the N·K particles (SVGD has no loss; this shrinks as the sampler matches exp(Q/α)); NaN for DDPG</param>
/// <param name="ActorLoss">DDPG: the actor's loss −mean Q(s, μ(s)); NaN for SQL</param>
/// <param name="MeanQ">mean Q(s, a) over the batch</param>
/// <param name="MeanTarget">mean TD target y</param>
/// <param name="QSpreadOverAlpha">SQL: how much the sampler's target exp(Q/α) varies over actions: the mean over the
/// minibatch's states of the standard deviation (1/K form) over the K particles of Q(s, a_k)/α; NaN for DDPG
/// (docs/implementation-details.md, "Temperature")</param>
/// <param name="ParticleMinorityFraction">SQL: whether the sampler keeps both sides of the action space: the mean over the
/// minibatch's states and action dimensions of the fraction of the K particles' actions on the less populated side of 0
/// (0.5: an even split, 0: one side only); NaN for DDPG</param>
/// <param name="ParticleActionStd">SQL: the mean over the minibatch's states and action dimensions of the standard deviation
/// (1/K form) of the K particles' actions; NaN for DDPG</param>
public readonly record struct UpdateStats(double QLoss, double SteinDirectionNorm, double ActorLoss, double MeanQ, double MeanTarget, double QSpreadOverAlpha = double.NaN,
    double ParticleMinorityFraction = double.NaN, double ParticleActionStd = double.NaN);

/// <summary>What fine-tuning anneals in a maximum-entropy agent (docs/implementation-details.md, "Fine-tuning").</summary>
/// <param name="Alpha">α, the temperature of V_soft and of the SVGD score</param>
/// <param name="Particles">K, SVGD particles per state (at most the configured K)</param>
/// <param name="FrozenNoise">K_ξ, the size of the fixed ξ set every draw comes from; 0: fresh ξ ~ N(0, I)</param>
/// <param name="ValueTarget">the critic's target: the soft value or the hard max</param>
public sealed record EntropySettings(double Alpha, int Particles, int FrozenNoise, ValueTarget ValueTarget);

/// <summary>An off-policy learner: acts on batches of observations and learns from replayed minibatches.</summary>
public interface IAgent : IBatchPolicy
{
    /// <summary>"sql" or "ddpg".</summary>
    string Algorithm { get; }

    /// <summary>The hyperparameters the agent was built with (<see cref="SqlSettings"/> or <see cref="DdpgSettings"/>).</summary>
    LearnerSettings Settings { get; }

    /// <summary>
    /// The policy without its randomness, one action row per observation row: SQL's sampling network
    /// at ξ = 0, DDPG's actor (which is deterministic anyway).
    /// </summary>
    /// <param name="observations">(count × obsDim)</param>
    /// <param name="actions">destination, (count × actDim), in [−1, 1]</param>
    void ActDeterministic(ReadOnlySpan<float> observations, Span<float> actions, int count);

    /// <summary>The Q-network on s ⧺ a, input (rows × obsDim+actDim), output (rows × 1).</summary>
    Mlp Critic { get; }

    /// <summary>The maximum-entropy settings now in force; null for agents without a temperature (DDPG).</summary>
    EntropySettings? Entropy { get; }

    /// <summary>Changes the maximum-entropy settings (fine-tuning's annealing).</summary>
    /// <exception cref="NotSupportedException">the agent has none (<see cref="Entropy"/> is null).</exception>
    /// <exception cref="ArgumentOutOfRangeException">K below 1, or K_ξ negative.</exception>
    void SetEntropy(EntropySettings settings);

    /// <summary>Gradient steps taken.</summary>
    long Updates { get; }

    /// <summary>One gradient step on the critic and the policy from <paramref name="batch"/>.</summary>
    /// <param name="batch">the minibatch; read only</param>
    /// <param name="beside">
    /// work independent of the agent and of <paramref name="batch"/> (the trainer's env step, store and
    /// next sample), run once during the step: beside the step's serial draws on the agent's worker
    /// thread when it has one, otherwise before the step. It must not call the agent. Null: none.
    /// </param>
    /// <exception cref="Exception">whatever <paramref name="beside"/> threw (the networks are unchanged).</exception>
    UpdateStats Update(TransitionBatch batch, Action? beside = null);

    /// <summary>Every tensor a checkpoint needs to resume exactly: networks, targets, optimiser moments, counters, RNG.</summary>
    IEnumerable<(string Name, float[] Values)> SaveState();

    /// <summary>Restores only the networks and their targets (fine-tuning: optimiser, counters and RNG stay fresh).</summary>
    /// <exception cref="InvalidDataException">a network is missing or has another architecture.</exception>
    void LoadNetworks(Dictionary<string, float[]> tensors, string source);

    /// <summary>Restores what <see cref="SaveState"/> wrote.</summary>
    /// <param name="source">file the tensors came from, for error messages</param>
    /// <exception cref="InvalidDataException">a tensor is missing or has the wrong size.</exception>
    void LoadState(Dictionary<string, float[]> tensors, string source);
}
