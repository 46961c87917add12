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
/// Soft Q-learning (Haarnoja et al., 2017, Algorithm 1) for S seeds at once on a device: each seed is
/// its own agent (own Q, Q̄, f^φ, Adam moments, generator), and every step of the update is one launch
/// for all seeds. It computes what <see cref="SoftQLearning"/> computes, seed by seed, from the same
/// draws: a′ ~ U[−1, 1]^d for V_soft, then ξ, from the seed's generator, made on the host
/// (docs/gpu.md, "One update, two engines").
/// </summary>
/// <remarks>
/// Not on the device (yet): fine-tuning's frozen noise, annealed K and the hard-max target; acting
/// (the policy is downloaded to the CPU engine for that, see <see cref="SaveState"/>).
/// </remarks>
public sealed class SeedBatchedSoftQLearning : ISeedBatchedLearner
{
    private readonly GpuDevice _device;
    private readonly SqlSettings _settings;
    private readonly int _obs, _act, _n, _k, _kv;
    private readonly Rng[] _rngs;
    private readonly DeviceArray _ones;
    private readonly SeedBatchedMlp _q, _qTarget, _f, _fTarget;        // Q, Q̄, f^φ, f^φ̄
    private readonly DeviceArray _qM, _qV, _fM, _fV;                    // Adam moments
    private readonly StepInputs _inputs;
    private readonly DeviceArray _y, _tdGradient, _qValues;             // (S × N): y, ∂J_Q/∂Q, Q(s, a)
    private readonly DeviceArray _actions, _steinGradient;              // (S × N·K × d): a = tanh u, −φ/N
    private readonly DeviceArray _distances, _squaredNorms;             // (S × N·K × K), (S × N·K)
    private readonly MemoryBuffer1D<double, Stride1D.Dense> _stats;     // (S × 4)
    private readonly PageLockedArray1D<double> _statsHost;   // page-locked: reading it back allocates nothing
    private readonly SeedWorkers _workers;
    private readonly Action<int> _prepareSeed;   // cached: no allocation per step
    private IReadOnlyList<TransitionBatch>? _batches;
    private readonly Action _enqueueStep;        // cached
    private CudaGraph? _graph;                   // the captured update (CUDA)
    private double _graphAlpha;                  // the α it was captured with
    private int _eagerUpdates;                   // updates launched directly (the first ones warm cuBLAS up before a capture)
    private const int QStepSize = 0, PolicyStepSize = 1;   // the step inputs' scalars

    /// <summary>S fresh learners, seed s initialised exactly as <c>new SoftQLearning(obs, act, settings, seeds[s])</c>.</summary>
    /// <exception cref="ArgumentException">no seeds.</exception>
    /// <exception cref="GpuOutOfMemoryException">the device has no room.</exception>
    public SeedBatchedSoftQLearning(GpuDevice device, int observationSize, int actionSize, SqlSettings settings, IReadOnlyList<ulong> seeds)
    {
        if (seeds.Count == 0) throw new ArgumentException("at least one seed", nameof(seeds));
        (_device, _settings, _obs, _act) = (device, settings, observationSize, actionSize);
        (_n, _k, _kv) = (settings.BatchSize, settings.Particles, settings.ValueParticles);
        Alpha = settings.Alpha;
        int s = seeds.Count, width = observationSize + actionSize, nk = _n * _k, nkv = _n * _kv;
        Seeds = s;
        _rngs = new Rng[s];
        _ones = device.Allocate(Math.Max(nk, nkv), "ones");
        _ones.Upload(Enumerable.Repeat(1f, Math.Max(nk, nkv)).ToArray());
        int[] qSizes = [width, .. settings.HiddenSizes, 1], fSizes = [width, .. settings.HiddenSizes, actionSize];
        _q = new SeedBatchedMlp(device, qSizes, Activation.Relu, Activation.Identity, s, Math.Max(nk, _n), observationSize, _ones);
        _qTarget = new SeedBatchedMlp(device, qSizes, Activation.Relu, Activation.Identity, s, nkv, observationSize, _ones);
        _f = new SeedBatchedMlp(device, fSizes, Activation.Relu, Activation.Identity, s, nk, observationSize, _ones);
        _fTarget = new SeedBatchedMlp(device, fSizes, Activation.Relu, Activation.Identity, s, 1, observationSize, _ones);
        _qM = device.Allocate(_q.Parameters.Length, "Adam moments");
        _qV = device.Allocate(_q.Parameters.Length, "Adam moments");
        _fM = device.Allocate(_f.Parameters.Length, "Adam moments");
        _fV = device.Allocate(_f.Parameters.Length, "Adam moments");
        _inputs = new StepInputs(device, s, observationSize, actionSize, _n, (nkv + nk) * actionSize);
        _y = device.Allocate((long)s * _n, "TD targets");
        _tdGradient = device.Allocate((long)s * _n, "TD gradients");
        _qValues = device.Allocate((long)s * _n, "Q values");
        _actions = device.Allocate((long)s * nk * actionSize, "particle actions");
        _steinGradient = device.Allocate((long)s * nk * actionSize, "Stein directions");
        _distances = device.Allocate((long)s * nk * _k, "pairwise distances");
        _squaredNorms = device.Allocate((long)s * nk, "direction norms");
        _stats = device.AllocateDoubles(4L * s);
        _statsHost = device.Accelerator.AllocatePageLocked1D<double>(4L * s);
        _workers = new SeedWorkers(Math.Min(s, Math.Max(1, Environment.ProcessorCount / 2)));
        _prepareSeed = PrepareSeed;
        _enqueueStep = EnqueueStep;

        // every seed starts where the CPU engine's learner with that seed starts (same initialisation code)
        for (int i = 0; i < s; i++)
        {
            var cpu = new SoftQLearning(observationSize, actionSize, settings, seeds[i], maxActBatch: 1);
            _rngs[i] = new Rng(seeds[i]);
            LoadState(i, cpu.SaveState().ToDictionary(t => t.Name, t => t.Values), "initialisation");
        }
    }

    /// <summary>S.</summary>
    public int Seeds { get; }
    /// <summary>Gradient steps taken (the same for every seed).</summary>
    public long Updates { get; private set; }
    /// <summary>Adam's step count t (Q and f^φ step together).</summary>
    public long AdamStep { get; private set; }
    /// <summary>α, the temperature of V_soft and of the SVGD score (every seed).</summary>
    public double Alpha { get; set; }
    /// <summary>The hyperparameters.</summary>
    public SqlSettings Settings => _settings;
    /// <summary>The device.</summary>
    public GpuDevice Device => _device;

    /// <summary>
    /// One pass of Algorithm 1's inner loop for every seed: seed s learns from <paramref name="batches"/>[s]
    /// with its own draws. Returns when the work is queued on the device; <see cref="ReadStatistics"/> waits for it.
    /// </summary>
    /// <exception cref="ArgumentException">not one batch per seed, or a batch of another shape.</exception>
    public void Update(IReadOnlyList<TransitionBatch> batches)
    {
        if (batches.Count != Seeds) throw new ArgumentException($"one minibatch per seed: {Seeds}, got {batches.Count}", nameof(batches));
        int s = Seeds;

        // the host's part: minibatches and every draw of the step (a′, then ξ), each seed from its own
        // generator (on the host's worker threads), while the device may still run the previous step; one upload
        _batches = batches;
        _workers.Run(s, _prepareSeed);
        _batches = null;
        AdamStep++;
        _inputs.SetScalar(QStepSize, StepSize(_settings.QLearningRate));
        _inputs.SetScalar(PolicyStepSize, StepSize(_settings.PolicyLearningRate));
        _inputs.Upload();

        // the device's part: captured once into a CUDA graph and replayed (docs/gpu.md, "Launches"), or launched
        if (_device.Kind == DeviceKind.Cuda && _device.UsesGraphs && _eagerUpdates >= 2)
        {
            if (_graph is null || _graphAlpha != Alpha)
            {
                _graph?.Dispose();
                (_graph, _graphAlpha) = (CudaGraph.Capture(_device, _enqueueStep), Alpha);
            }
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

    /// <summary>Queues the update's device work for the inputs already uploaded: Algorithm 1's inner loop for every seed.</summary>
    private void EnqueueStep()
    {
        long launches = _device.Launches;
        int n = _n, d = _act, k = _k, kv = _kv, s = Seeds, nk = n * k;
        var states = _inputs.At(0);
        var actions = _inputs.At(_inputs.ActionsOffset);
        var nextStates = _inputs.At(_inputs.NextObservationsOffset);
        var valueActions = _inputs.At(_inputs.DrawsOffset);
        var noise = _inputs.At(_inputs.DrawsOffset + n * kv * d);
        var y = new SeedTensor(_y, 0, n);
        var tdGradient = new SeedTensor(_tdGradient, 0, n);
        var qValues = new SeedTensor(_qValues, 0, n);

        // V_soft(s′) = α log E_{a′~U[−1,1]^d}[exp(Q̄(s′, a′)/α) / 2^−d]  (eq. 10);  y = r + γ (1 − terminal) V_soft(s′)
        var qBar = _qTarget.Forward(nextStates, valueActions, n, kv);
        _device.SoftTarget(s, n, qBar, kv, _inputs.At(0), _inputs.RewardsOffset, _inputs.TerminalsOffset, y, Alpha, _settings.Discount, d);

        // J_Q = mean_i (Q(s_i, a_i) − y_i)²  (eq. 11 without its ½): ∂J_Q/∂θ
        var q = _q.Forward(states, actions, n, 1);
        _device.TdGradient(s, n, q, y, tdGradient, qValues);
        _q.Backward(tdGradient, parameterGradients: true, inputGradient: false);

        // the sampler: particles u_ij = f^φ(s_i, ξ_ij), a_ij = tanh u_ij, ∂Q/∂a at them (θ before its step)
        var particles = _f.Forward(states, noise, n, k);   // (S × N·K × d), seed stride N·K·d: f^φ's output buffer
        var particleActions = new SeedTensor(_actions, 0, (long)nk * d);
        _device.Tanh(s, particles, particleActions, nk * d);
        _q.Forward(states, particleActions, n, k);
        var dQda = _q.Backward(new SeedTensor(_ones, 0, 0), parameterGradients: false, inputGradient: true);

        // SVGD (eqs. 13–14): φ per state from its K particles' scores; ascend along ∂u/∂φ·φ
        var shape = new SteinShape
        {
            States = n, Particles = k, Dim = d, BatchSize = n, AuthorsCodeBandwidth = _settings.KernelBandwidth == KernelBandwidth.AuthorsCode ? 1 : 0,
            Alpha = (float)Alpha, ParticleStride = nk * d, DistanceStride = nk * k,
        };
        _device.SteinDirection(s, particles.View, _actions.View, dQda.View, _distances.View, _steinGradient.View, _squaredNorms.View, shape);
        _f.Backward(new SeedTensor(_steinGradient, 0, (long)nk * d), parameterGradients: true, inputGradient: false);
        _device.StepStatistics(s, qValues, y, n, new SeedTensor(_squaredNorms, 0, nk), nk, true, _stats.View);

        // Adam on θ and φ (step sizes from the uploaded scalars); the periodic hard target copy follows the update
        _device.Adam(_q.Parameters, _q.Gradients, _qM, _qV, 0.9f, 0.999f, 1e-8f, _inputs.Scalar(QStepSize));
        _device.Adam(_f.Parameters, _f.Gradients, _fM, _fV, 0.9f, 0.999f, 1e-8f, _inputs.Scalar(PolicyStepSize));
        LaunchesPerUpdate = _device.Launches - launches;
    }

    /// <summary>Seed <paramref name="seed"/>'s minibatch and draws (a′ ~ U[−1, 1]^d for V_soft, then ξ ~ N(0, I)) into the step's inputs, in the CPU engine's order.</summary>
    private void PrepareSeed(int seed)
    {
        int d = _act, nkv = _n * _kv, nk = _n * _k;
        _inputs.Write(seed, _batches![seed]);
        var draws = _inputs.Draws(seed);
        _rngs[seed].FillUniform(draws[..(nkv * d)], -1f, 1f);
        _rngs[seed].FillGaussian(draws.Slice(nkv * d, nk * d));
    }

    /// <summary>lr·√(1−β₂ᵗ)/(1−β₁ᵗ) in double, as the CPU engine's Adam computes it.</summary>
    private float StepSize(float learningRate) => (float)(learningRate * Math.Sqrt(1 - Math.Pow(0.999f, AdamStep)) / (1 - Math.Pow(0.9f, AdamStep)));

    /// <summary>Waits for the last update and writes each seed's losses and diagnostics (as <see cref="SoftQLearning.Update"/> returns them).</summary>
    /// <exception cref="ArgumentException">the destination is shorter than the seeds.</exception>
    public void ReadStatistics(Span<UpdateStats> destination)
    {
        if (destination.Length < Seeds) throw new ArgumentException($"room for {Seeds} seeds needed", nameof(destination));
        _stats.View.CopyTo(_device.Stream, _statsHost.ArrayView);
        _device.Stream.Synchronize();
        for (int i = 0; i < Seeds; i++)
        {
            destination[i] = new UpdateStats(_statsHost[4 * i], _statsHost[4 * i + 1], double.NaN, _statsHost[4 * i + 2], _statsHost[4 * i + 3]);
        }
    }

    private void CopyTargets()
    {
        _qTarget.CopyParametersFrom(_q);
        _fTarget.CopyParametersFrom(_f);
    }

    /// <summary>Seed <paramref name="seed"/>'s checkpoint tensors, named and laid out as <see cref="SoftQLearning.SaveState"/> writes them (the CPU engine loads them).</summary>
    public IEnumerable<(string Name, float[] Values)> SaveState(int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(seed);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(seed, Seeds);
        return
        [
            ("q", _q.Download(seed)),
            ("q_target", _qTarget.Download(seed)),
            ("sampler", _f.Download(seed)),
            ("sampler_target", _fTarget.Download(seed)),
            ("adam_q_m", _q.DownloadFrom(_qM, seed)),
            ("adam_q_v", _q.DownloadFrom(_qV, seed)),
            ("adam_sampler_m", _f.DownloadFrom(_fM, seed)),
            ("adam_sampler_v", _f.DownloadFrom(_fV, seed)),
            ("frozen_noise", []),
            ("frozen_target_noise", []),
            CheckpointCounters.Entry("updates", Updates),
            CheckpointCounters.Entry("adam_q_step", AdamStep),
            CheckpointCounters.Entry("adam_sampler_step", AdamStep),
            CheckpointCounters.Entry("frozen_noise_count", 0),
            CheckpointCounters.Entry("particles", _k),
            CheckpointCounters.Entry("value_target", (long)ValueTarget.Soft),
            ("alpha", BitPacking.FromDouble([Alpha])),
            ("rng", BitPacking.FromUInt64(_rngs[seed].State)),
        ];
    }

    /// <summary>Restores seed <paramref name="seed"/> from tensors a CPU or GPU checkpoint holds (<see cref="SoftQLearning.SaveState"/>'s names).</summary>
    /// <exception cref="InvalidDataException">a tensor is missing or has the wrong size.</exception>
    /// <exception cref="NotSupportedException">the checkpoint is in a fine-tuning state the device engine does not run (frozen noise, fewer particles, the hard-max target).</exception>
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
        Restore(_f, _f.Parameters, "sampler");
        Restore(_fTarget, _fTarget.Parameters, "sampler_target");
        Restore(_q, _qM, "adam_q_m");
        Restore(_q, _qV, "adam_q_v");
        Restore(_f, _fM, "adam_sampler_m");
        Restore(_f, _fV, "adam_sampler_v");
        long Counter(string name, int legacyIndex) => CheckpointCounters.Read(tensors, name, source, "counters", legacyIndex, 6);
        if (Counter("frozen_noise_count", 3) != 0 || Counter("particles", 4) != _k || Counter("value_target", 5) != (long)ValueTarget.Soft)
        {
            throw new NotSupportedException($"{source}: a fine-tuning state (frozen noise, annealed K or the hard-max target) runs on the CPU engine only");
        }
        (Updates, AdamStep) = (Counter("updates", 0), Counter("adam_q_step", 1));
        Alpha = BitPacking.ToDouble(ParameterFile.Take(tensors, "alpha", 1, source))[0];
        _rngs[seed].State = BitPacking.ToUInt64(ParameterFile.Take(tensors, "rng", 4, source));
    }

    /// <inheritdoc/>
    public Rng Generator(int seed) => _rngs[seed];

    /// <inheritdoc/>
    public int PolicyParameterCount => _f.ParameterCount;

    /// <inheritdoc/>
    public void DownloadPolicies(PageLockedArray1D<float> destination) => _f.Parameters.DownloadTo(destination);

    /// <inheritdoc/>
    public float[] DownloadCritic(int seed) => _q.Download(seed);

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var network in new[] { _q, _qTarget, _f, _fTarget }) network.Dispose();
        foreach (var array in new[] { _ones, _qM, _qV, _fM, _fV, _y, _tdGradient, _qValues, _actions, _steinGradient, _distances, _squaredNorms }) array.Dispose();
        _inputs.Dispose();
        _stats.Dispose();
        _statsHost.Dispose();
        _workers.Dispose();
        _graph?.Dispose();
    }
}
