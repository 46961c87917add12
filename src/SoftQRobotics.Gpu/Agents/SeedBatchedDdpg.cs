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
/// DDPG (the paper's baseline) for S seeds at once on a device, each seed its own actor μ, critic Q,
/// targets and Adam moments; computes what <see cref="Ddpg.Update"/> computes, seed by seed.
/// </summary>
public sealed class SeedBatchedDdpg : ISeedBatchedLearner
{
    private readonly GpuDevice _device;
    private readonly DdpgSettings _settings;
    private readonly int _obs, _act, _n;
    private readonly Rng[] _rngs;
    private readonly DeviceArray _ones, _ascent;
    private readonly SeedBatchedMlp _q, _qTarget, _mu, _muTarget;
    private readonly DeviceArray _qM, _qV, _muM, _muV;
    private readonly StepInputs _inputs;
    private readonly DeviceArray _y, _tdGradient, _qValues;             // (S × N): y, ∂J_Q/∂Q, Q(s, a)
    private readonly MemoryBuffer1D<double, Stride1D.Dense> _stats;
    private readonly PageLockedArray1D<double> _statsHost;   // page-locked: reading it back allocates nothing
    private readonly Action _enqueueStep;   // cached
    private CudaGraph? _graph;              // the captured update (CUDA)
    private int _eagerUpdates;
    private const int QStepSize = 0, PolicyStepSize = 1;

    /// <summary>S fresh learners, seed s initialised exactly as <c>new Ddpg(obs, act, settings, seeds[s])</c>.</summary>
    /// <exception cref="ArgumentException">no seeds.</exception>
    /// <exception cref="GpuOutOfMemoryException">the device has no room.</exception>
    public SeedBatchedDdpg(GpuDevice device, int observationSize, int actionSize, DdpgSettings settings, IReadOnlyList<ulong> seeds)
    {
        if (seeds.Count == 0) throw new ArgumentException("at least one seed", nameof(seeds));
        (_device, _settings, _obs, _act, _n) = (device, settings, observationSize, actionSize, settings.BatchSize);
        int s = seeds.Count;
        Seeds = s;
        _rngs = new Rng[s];
        _ones = device.Allocate(_n, "ones");
        _ones.Upload(Enumerable.Repeat(1f, _n).ToArray());
        _ascent = device.Allocate(_n, "actor loss gradient");
        _ascent.Upload(Enumerable.Repeat(-1f / _n, _n).ToArray());
        int[] qSizes = [observationSize + actionSize, .. settings.HiddenSizes, 1], muSizes = [observationSize, .. settings.HiddenSizes, actionSize];
        _q = new SeedBatchedMlp(device, qSizes, Activation.Relu, Activation.Identity, s, _n, observationSize, _ones);
        _qTarget = new SeedBatchedMlp(device, qSizes, Activation.Relu, Activation.Identity, s, _n, observationSize, _ones);
        _mu = new SeedBatchedMlp(device, muSizes, Activation.Relu, Activation.Tanh, s, _n, observationSize, _ones);
        _muTarget = new SeedBatchedMlp(device, muSizes, Activation.Relu, Activation.Tanh, s, _n, observationSize, _ones);
        _qM = device.Allocate(_q.Parameters.Length, "Adam moments");
        _qV = device.Allocate(_q.Parameters.Length, "Adam moments");
        _muM = device.Allocate(_mu.Parameters.Length, "Adam moments");
        _muV = device.Allocate(_mu.Parameters.Length, "Adam moments");
        _inputs = new StepInputs(device, s, observationSize, actionSize, _n, 0);
        _y = device.Allocate((long)s * _n, "TD targets");
        _tdGradient = device.Allocate((long)s * _n, "TD gradients");
        _qValues = device.Allocate((long)s * _n, "Q values");
        _stats = device.AllocateDoubles(4L * s);
        _statsHost = device.Accelerator.AllocatePageLocked1D<double>(4L * s);
        _enqueueStep = EnqueueStep;
        for (int i = 0; i < s; i++)
        {
            var cpu = new Ddpg(observationSize, actionSize, settings, seeds[i], maxActBatch: 1);
            _rngs[i] = new Rng(seeds[i]);
            LoadState(i, cpu.SaveState().ToDictionary(t => t.Name, t => t.Values), "initialisation");
        }
    }

    /// <summary>S.</summary>
    public int Seeds { get; }
    /// <summary>Gradient steps taken (every seed).</summary>
    public long Updates { get; private set; }
    /// <summary>Adam's step count t (critic and actor step together).</summary>
    public long AdamStep { get; private set; }

    /// <summary>One critic and one actor step for every seed from <paramref name="batches"/>[s], then the periodic hard target copy; queued on the device.</summary>
    /// <exception cref="ArgumentException">not one batch per seed, or a batch of another shape.</exception>
    public void Update(IReadOnlyList<TransitionBatch> batches)
    {
        if (batches.Count != Seeds) throw new ArgumentException($"one minibatch per seed: {Seeds}, got {batches.Count}", nameof(batches));
        int s = Seeds;
        for (int i = 0; i < s; i++) _inputs.Write(i, batches[i]);
        AdamStep++;
        _inputs.SetScalar(QStepSize, StepSize(_settings.QLearningRate));
        _inputs.SetScalar(PolicyStepSize, StepSize(_settings.PolicyLearningRate));
        _inputs.Upload();
        if (Updates == 0) CopyTargets();
        if (_device.Kind == DeviceKind.Cuda && _device.UsesGraphs && _eagerUpdates >= 2)
        {
            _graph ??= CudaGraph.Capture(_device, _enqueueStep);
            _graph.Launch();
        }
        else
        {
            EnqueueStep();
            _eagerUpdates++;
        }
        Updates++;
        if (Updates % _settings.TargetUpdateInterval == 0) CopyTargets();
    }

    /// <summary>Kernel launches and cuBLAS calls in one update (replayed as one graph launch on CUDA).</summary>
    public long LaunchesPerUpdate { get; private set; }

    /// <summary>Queues one update's device work for the inputs already uploaded.</summary>
    private void EnqueueStep()
    {
        long launches = _device.Launches;
        int n = _n, s = Seeds;
        var states = _inputs.At(0);
        var nextStates = _inputs.At(_inputs.NextObservationsOffset);
        var y = new SeedTensor(_y, 0, n);

        // y = r + γ (1 − terminal) Q̄(s′, μ̄(s′))
        var nextActions = _muTarget.Forward(nextStates, nextStates, n, 1);
        var qNext = _qTarget.Forward(nextStates, nextActions, n, 1);
        _device.BootstrapTarget(s, n, qNext, _inputs.At(0), _inputs.RewardsOffset, _inputs.TerminalsOffset, y, _settings.Discount);

        // critic: J_Q = mean (Q(s, a) − y)²
        var q = _q.Forward(states, _inputs.At(_inputs.ActionsOffset), n, 1);
        _device.TdGradient(s, n, q, y, new SeedTensor(_tdGradient, 0, n), new SeedTensor(_qValues, 0, n));
        _q.Backward(new SeedTensor(_tdGradient, 0, n), parameterGradients: true, inputGradient: false);

        // actor: J_μ = −mean Q(s, μ(s)); ∂J/∂a through the critic (θ before its step), then through μ
        var actions = _mu.Forward(states, states, n, 1);
        var policyQ = _q.Forward(states, actions, n, 1);
        var dJda = _q.Backward(new SeedTensor(_ascent, 0, 0), parameterGradients: false, inputGradient: true);
        _mu.Backward(dJda, parameterGradients: true, inputGradient: false);
        _device.StepStatistics(s, new SeedTensor(_qValues, 0, n), y, n, policyQ, n, false, _stats.View);

        _device.Adam(_q.Parameters, _q.Gradients, _qM, _qV, 0.9f, 0.999f, 1e-8f, _inputs.Scalar(QStepSize));
        _device.Adam(_mu.Parameters, _mu.Gradients, _muM, _muV, 0.9f, 0.999f, 1e-8f, _inputs.Scalar(PolicyStepSize));
        LaunchesPerUpdate = _device.Launches - launches;
    }

    private float StepSize(float learningRate) => (float)(learningRate * Math.Sqrt(1 - Math.Pow(0.999f, AdamStep)) / (1 - Math.Pow(0.9f, AdamStep)));

    /// <summary>Waits for the last update and writes each seed's losses (as <see cref="Ddpg.Update"/> returns them).</summary>
    /// <exception cref="ArgumentException">the destination is shorter than the seeds.</exception>
    public void ReadStatistics(Span<UpdateStats> destination)
    {
        if (destination.Length < Seeds) throw new ArgumentException($"room for {Seeds} seeds needed", nameof(destination));
        _stats.View.CopyTo(_device.Stream, _statsHost.ArrayView);
        _device.Stream.Synchronize();
        for (int i = 0; i < Seeds; i++)
        {
            destination[i] = new UpdateStats(_statsHost[4 * i], double.NaN, _statsHost[4 * i + 1], _statsHost[4 * i + 2], _statsHost[4 * i + 3]);
        }
    }

    private void CopyTargets()
    {
        _qTarget.CopyParametersFrom(_q);
        _muTarget.CopyParametersFrom(_mu);
    }

    /// <summary>Seed <paramref name="seed"/>'s checkpoint tensors, as <see cref="Ddpg.SaveState"/> writes them.</summary>
    public IEnumerable<(string Name, float[] Values)> SaveState(int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(seed);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(seed, Seeds);
        return
        [
            ("q", _q.Download(seed)),
            ("q_target", _qTarget.Download(seed)),
            ("actor", _mu.Download(seed)),
            ("actor_target", _muTarget.Download(seed)),
            ("adam_q_m", _q.DownloadFrom(_qM, seed)),
            ("adam_q_v", _q.DownloadFrom(_qV, seed)),
            ("adam_actor_m", _mu.DownloadFrom(_muM, seed)),
            ("adam_actor_v", _mu.DownloadFrom(_muV, seed)),
            CheckpointCounters.Entry("updates", Updates),
            CheckpointCounters.Entry("adam_q_step", AdamStep),
            CheckpointCounters.Entry("adam_actor_step", AdamStep),
            ("rng", BitPacking.FromUInt64(_rngs[seed].State)),
        ];
    }

    /// <summary>Restores seed <paramref name="seed"/> from a CPU or GPU checkpoint's tensors.</summary>
    /// <exception cref="InvalidDataException">a tensor is missing or has the wrong size.</exception>
    public void LoadState(int seed, Dictionary<string, float[]> tensors, string source)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(seed);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(seed, Seeds);
        void Restore(SeedBatchedMlp network, DeviceArray array, string name)
        {
            var values = new float[network.ParameterCount];
            ParameterFile.Restore(tensors, name, values, source);
            network.UploadTo(array, seed, values);
        }
        Restore(_q, _q.Parameters, "q");
        Restore(_qTarget, _qTarget.Parameters, "q_target");
        Restore(_mu, _mu.Parameters, "actor");
        Restore(_muTarget, _muTarget.Parameters, "actor_target");
        Restore(_q, _qM, "adam_q_m");
        Restore(_q, _qV, "adam_q_v");
        Restore(_mu, _muM, "adam_actor_m");
        Restore(_mu, _muV, "adam_actor_v");
        long Counter(string name, int legacyIndex) => CheckpointCounters.Read(tensors, name, source, "counters", legacyIndex, 3);
        (Updates, AdamStep) = (Counter("updates", 0), Counter("adam_q_step", 1));
        _rngs[seed].State = BitPacking.ToUInt64(ParameterFile.Take(tensors, "rng", 4, source));
    }

    /// <inheritdoc/>
    public Rng Generator(int seed) => _rngs[seed];

    /// <inheritdoc/>
    public int PolicyParameterCount => _mu.ParameterCount;

    /// <inheritdoc/>
    public void DownloadPolicies(PageLockedArray1D<float> destination) => _mu.Parameters.DownloadTo(destination);

    /// <inheritdoc/>
    public float[] DownloadCritic(int seed) => _q.Download(seed);

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var network in new[] { _q, _qTarget, _mu, _muTarget }) network.Dispose();
        foreach (var array in new[] { _ones, _ascent, _qM, _qV, _muM, _muV, _y, _tdGradient, _qValues }) array.Dispose();
        _inputs.Dispose();
        _stats.Dispose();
        _statsHost.Dispose();
        _graph?.Dispose();
    }
}
