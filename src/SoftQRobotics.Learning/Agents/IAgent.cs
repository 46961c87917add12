using SoftQRobotics.Core;
using SoftQRobotics.Learning.Replay;

namespace SoftQRobotics.Learning.Agents;

/// <summary>Losses and diagnostics of one gradient step.</summary>
/// <param name="QLoss">mean squared TD error</param>
/// <param name="PolicyLoss">SQL: mean ‖φ‖ of the Stein direction; DDPG: −mean Q(s, μ(s))</param>
/// <param name="MeanQ">mean Q(s, a) over the batch</param>
/// <param name="MeanTarget">mean TD target y</param>
public readonly record struct UpdateStats(double QLoss, double PolicyLoss, double MeanQ, double MeanTarget);

/// <summary>An off-policy learner: acts on batches of observations and learns from replayed minibatches.</summary>
public interface IAgent : IBatchPolicy
{
    /// <summary>"sql" or "ddpg".</summary>
    string Algorithm { get; }

    /// <summary>
    /// The policy without its randomness, one action row per observation row: SQL's sampling network
    /// at ξ = 0, DDPG's actor (which is deterministic anyway).
    /// </summary>
    /// <param name="observations">(count × obsDim)</param>
    /// <param name="actions">destination, (count × actDim), in [−1, 1]</param>
    void ActDeterministic(ReadOnlySpan<float> observations, Span<float> actions, int count);

    /// <summary>Gradient steps taken.</summary>
    long Updates { get; }

    /// <summary>One gradient step on the critic and the policy from <paramref name="batch"/>.</summary>
    UpdateStats Update(TransitionBatch batch);

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
