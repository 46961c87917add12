using ILGPU.Runtime;
using SoftQRobotics.Core;
using SoftQRobotics.Learning.Agents;
using SoftQRobotics.Learning.Replay;

namespace SoftQRobotics.Gpu.Agents;

/// <summary>An off-policy learner for S seeds on a device (<see cref="SeedBatchedSoftQLearning"/>, <see cref="SeedBatchedDdpg"/>).</summary>
public interface ISeedBatchedLearner : IDisposable
{
    /// <summary>S.</summary>
    int Seeds { get; }

    /// <summary>Gradient steps taken (every seed).</summary>
    long Updates { get; }

    /// <summary>One gradient step of every seed, seed s on <paramref name="batches"/>[s]; queued on the device.</summary>
    void Update(IReadOnlyList<TransitionBatch> batches);

    /// <summary>Waits for the last update and writes each seed's losses.</summary>
    void ReadStatistics(Span<UpdateStats> destination);

    /// <summary>Seed <paramref name="seed"/>'s checkpoint tensors, named as the CPU engine names them.</summary>
    IEnumerable<(string Name, float[] Values)> SaveState(int seed);

    /// <summary>Restores seed <paramref name="seed"/> from a CPU or GPU checkpoint's tensors.</summary>
    void LoadState(int seed, Dictionary<string, float[]> tensors, string source);

    /// <summary>Seed <paramref name="seed"/>'s generator: every draw of its updates, and of its actions (shared with whoever acts for it).</summary>
    Rng Generator(int seed);

    /// <summary>Parameters of one seed's policy network (SQL's sampler f^φ, DDPG's actor μ).</summary>
    int PolicyParameterCount { get; }

    /// <summary>Every seed's policy parameters into page-locked host memory, (S × <see cref="PolicyParameterCount"/>), waiting for the device.</summary>
    void DownloadPolicies(PageLockedArray1D<float> destination);

    /// <summary>Seed <paramref name="seed"/>'s Q-network parameters.</summary>
    float[] DownloadCritic(int seed);
}
