using ILGPU;
using ILGPU.Runtime;
using SoftQRobotics.Core;
using SoftQRobotics.Gpu.Device;
using SoftQRobotics.Gpu.Nn;
using SoftQRobotics.Learning.Agents;
using SoftQRobotics.Learning.Nn;
using SoftQRobotics.Learning.Replay;

namespace SoftQRobotics.Gpu.Agents;

/// <summary>
/// What the device learners share around their update (<see cref="SeedBatchedSoftQLearning"/>,
/// <see cref="SeedBatchedDdpg"/>): one generator per seed, the step's inputs (minibatches, draws, Adam's step
/// sizes) uploaded at once, the update captured into a CUDA graph after two direct launches and replayed,
/// the periodic hard target copy, and the per-seed statistics read back into page-locked memory.
/// </summary>
public abstract class SeedBatchedLearner : ISeedBatchedLearner
{
    private readonly LearnerSettings _settings;
    private readonly MemoryBuffer1D<double, Stride1D.Dense> _stats;   // (S × 5), written by the step's statistics kernel
    private readonly PageLockedArray1D<double> _statsHost;             // page-locked: reading it back allocates nothing
    private readonly Action _enqueue;                                  // cached: no allocation per step
    private CudaGraph? _graph;                                         // the captured update (CUDA)
    private int _eagerUpdates;                                         // updates launched directly (they warm cuBLAS up before a capture)

    /// <param name="drawCount">random draws per seed and step, made on the host</param>
    /// <exception cref="ArgumentException">no seeds.</exception>
    /// <exception cref="GpuOutOfMemoryException">the device has no room.</exception>
    /// <exception cref="NotSupportedException">a Q output-layer learning-rate scale other than 1 (the CPU engine's alone).</exception>
    protected SeedBatchedLearner(GpuDevice device, LearnerSettings settings, int seeds, int observationSize, int actionSize, int drawCount)
    {
        if (seeds < 1) throw new ArgumentException("at least one seed", nameof(seeds));
        if (settings.QOutputLearningRateScale != 1f)
        {
            throw new NotSupportedException($"q_output_learning_rate_scale {settings.QOutputLearningRateScale} runs on the CPU engine only (--device cpu): the GPU engine's Adam has one learning rate per network");
        }
        (Device, _settings, Seeds) = (device, settings, seeds);
        Generators = new Rng[seeds];
        Inputs = new StepInputs(device, seeds, observationSize, actionSize, settings.BatchSize, drawCount);
        _stats = device.AllocateDoubles((long)Kernels.Statistics * seeds);
        _statsHost = device.Accelerator.AllocatePageLocked1D<double>((long)Kernels.Statistics * seeds);
        _enqueue = () =>
        {
            long before = Device.Launches;
            EnqueueStep();
            LaunchesPerUpdate = Device.Launches - before;
        };
    }

    /// <summary>The device.</summary>
    public GpuDevice Device { get; }
    /// <inheritdoc/>
    public int Seeds { get; }
    /// <inheritdoc/>
    public long Updates { get; protected set; }
    /// <summary>Adam's step count t (critic and policy step together).</summary>
    public long AdamStep { get; protected set; }
    /// <summary>Kernel launches and cuBLAS calls in one update (replayed as one graph launch on CUDA).</summary>
    public long LaunchesPerUpdate { get; private set; }

    /// <summary>Each seed's generator.</summary>
    protected Rng[] Generators { get; }
    /// <summary>The step's inputs.</summary>
    private protected StepInputs Inputs { get; }
    /// <summary>Where the step's statistics kernel writes (S × <see cref="Kernels.Statistics"/>).</summary>
    protected ArrayView<double> Statistics => _stats.View;
    /// <summary>Adam's step size for Q, on the device.</summary>
    protected SeedTensor QStepSize => Inputs.Scalar(0);
    /// <summary>Adam's step size for the policy network, on the device.</summary>
    protected SeedTensor PolicyStepSize => Inputs.Scalar(1);

    /// <summary>
    /// One gradient step of every seed, seed s on <paramref name="batches"/>[s]: the host's part (inputs and
    /// draws, one upload), then the device's part, replayed from a CUDA graph (docs/gpu.md, "Kernels and
    /// launches") or launched; returns when it is queued. <see cref="ReadStatistics"/> waits for it.
    /// </summary>
    /// <exception cref="ArgumentException">not one batch per seed, or a batch of another shape.</exception>
    public void Update(IReadOnlyList<TransitionBatch> batches)
    {
        if (batches.Count != Seeds) throw new ArgumentException($"one minibatch per seed: {Seeds}, got {batches.Count}", nameof(batches));
        PrepareInputs(batches);
        AdamStep++;
        Inputs.SetScalar(0, StepSize(_settings.QLearningRate));
        Inputs.SetScalar(1, StepSize(_settings.PolicyLearningRate));
        Inputs.Upload();
        BeforeStep();
        if (Device.Kind == DeviceKind.Cuda && Device.UsesGraphs && _eagerUpdates >= 2)
        {
            if (_graph is null || GraphIsStale)
            {
                _graph?.Dispose();
                _graph = CudaGraph.Capture(Device, _enqueue);
                GraphCaptured();
            }
            _graph.Launch();
        }
        else
        {
            _enqueue();
            _eagerUpdates++;
        }
        Updates++;
        if (Updates % _settings.TargetUpdateInterval == 0) CopyTargets();
    }

    /// <summary>Writes every seed's minibatch (and draws) into <see cref="Inputs"/>' host copy.</summary>
    protected abstract void PrepareInputs(IReadOnlyList<TransitionBatch> batches);

    /// <summary>Queues the update's device work on the uploaded inputs (captured into a graph on CUDA: no host-side values may change between replays).</summary>
    protected abstract void EnqueueStep();

    /// <summary>Runs after the upload, before the device's part.</summary>
    protected virtual void BeforeStep()
    {
    }

    /// <summary>θ̄ ← θ (and the policy's target).</summary>
    protected abstract void CopyTargets();

    /// <summary>Whether a value baked into the captured graph has changed since (SQL's α).</summary>
    protected virtual bool GraphIsStale => false;

    /// <summary>Runs after each capture.</summary>
    protected virtual void GraphCaptured()
    {
    }

    /// <summary>lr·√(1−β₂ᵗ)/(1−β₁ᵗ) in double, as the CPU engine's Adam computes it.</summary>
    private float StepSize(float learningRate) => (float)(learningRate * Math.Sqrt(1 - Math.Pow(0.999f, AdamStep)) / (1 - Math.Pow(0.9f, AdamStep)));

    /// <summary>Waits for the last update and writes each seed's losses and diagnostics (as the CPU engine's update returns them).</summary>
    /// <exception cref="ArgumentException">the destination is shorter than the seeds.</exception>
    public void ReadStatistics(Span<UpdateStats> destination)
    {
        if (destination.Length < Seeds) throw new ArgumentException($"room for {Seeds} seeds needed", nameof(destination));
        _stats.View.CopyTo(Device.Stream, _statsHost.ArrayView);
        Device.Stream.Synchronize();
        const int m = Kernels.Statistics;
        for (int i = 0; i < Seeds; i++) destination[i] = ToStats(_statsHost[m * i], _statsHost[m * i + 1], _statsHost[m * i + 2], _statsHost[m * i + 3], _statsHost[m * i + 4],
            _statsHost[m * i + 5], _statsHost[m * i + 6]);
    }

    /// <summary>A seed's statistics from the kernel's values: mean squared TD error, the algorithm's own (Stein norm or actor loss), mean Q, mean target, SQL's Q spread over α, its particles' minority fraction and action spread.</summary>
    protected abstract UpdateStats ToStats(double qLoss, double policyStatistic, double meanQ, double meanTarget, double qSpreadOverAlpha, double particleMinorityFraction, double particleActionStd);

    /// <exception cref="ArgumentOutOfRangeException">not a seed of this learner.</exception>
    private void CheckSeed(int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(seed);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(seed, Seeds);
    }

    /// <inheritdoc/>
    public Rng Generator(int seed) => Generators[seed];

    /// <summary>
    /// The checkpoint's per-parameter tensors, named as the CPU engine names them, and where each seed's
    /// slice lives: networks, targets and Adam moments.
    /// </summary>
    protected abstract (string Name, SeedBatchedMlp Network, DeviceArray Array)[] ParameterTensors { get; }

    /// <summary>The checkpoint's other entries for seed <paramref name="seed"/> (counters, α, the generator), as the CPU engine writes them.</summary>
    protected abstract IEnumerable<(string Name, float[] Values)> OtherState(int seed);

    /// <summary>Restores what <see cref="OtherState"/> wrote.</summary>
    /// <exception cref="InvalidDataException">an entry is missing or malformed.</exception>
    protected abstract void LoadOtherState(int seed, Dictionary<string, float[]> tensors, string source);

    /// <summary>Seed <paramref name="seed"/>'s checkpoint tensors, named and laid out as the CPU engine's agent writes them (it loads them).</summary>
    public IEnumerable<(string Name, float[] Values)> SaveState(int seed)
    {
        CheckSeed(seed);
        return [.. ParameterTensors.Select(t => (t.Name, t.Network.DownloadFrom(t.Array, seed))), .. OtherState(seed)];
    }

    /// <summary>Restores seed <paramref name="seed"/> from tensors a CPU or GPU checkpoint holds.</summary>
    /// <exception cref="InvalidDataException">a tensor is missing or has the wrong size.</exception>
    public void LoadState(int seed, Dictionary<string, float[]> tensors, string source)
    {
        CheckSeed(seed);
        foreach (var (name, network, array) in ParameterTensors)
        {
            var values = new float[network.ParameterCount];
            ParameterFile.Restore(tensors, name, values, source);
            network.UploadTo(array, seed, values);
        }
        LoadOtherState(seed, tensors, source);
    }

    /// <summary>The policy network: SQL's sampler f^φ, DDPG's actor μ.</summary>
    protected abstract SeedBatchedMlp PolicyNetwork { get; }

    /// <summary>The Q-network.</summary>
    protected abstract SeedBatchedMlp CriticNetwork { get; }

    /// <inheritdoc/>
    public int PolicyParameterCount => PolicyNetwork.ParameterCount;

    /// <inheritdoc/>
    public void DownloadPolicies(PageLockedArray1D<float> destination) => PolicyNetwork.Parameters.DownloadTo(destination);

    /// <inheritdoc/>
    public float[] DownloadCritic(int seed) => CriticNetwork.Download(seed);

    /// <summary>Frees the subclass's device arrays.</summary>
    protected abstract void DisposeArrays();

    /// <inheritdoc/>
    public void Dispose()
    {
        DisposeArrays();
        Inputs.Dispose();
        _stats.Dispose();
        _statsHost.Dispose();
        _graph?.Dispose();
        GC.SuppressFinalize(this);
    }
}
