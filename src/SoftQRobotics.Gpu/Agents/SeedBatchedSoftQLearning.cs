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
/// (the policy is downloaded to a CPU-engine copy for that, see <see cref="DeviceAgentGroup"/>).
/// </remarks>
public sealed class SeedBatchedSoftQLearning : SeedBatchedLearner
{
    private readonly SqlSettings _settings;
    private readonly int _act, _n, _k, _kv;
    private readonly DeviceArray _ones;
    private readonly SeedBatchedMlp _q, _qTarget, _f, _fTarget;        // Q, Q̄, f^φ, f^φ̄
    private readonly DeviceArray _qM, _qV, _fM, _fV;                    // Adam moments
    private readonly (string Name, SeedBatchedMlp Network, DeviceArray Array)[] _parameterTensors;
    private readonly DeviceArray _y, _tdGradient, _qValues;             // (S × N): y, ∂J_Q/∂Q, Q(s, a)
    private readonly DeviceArray _actions, _steinGradient;              // (S × N·K × d): a = tanh u, −φ/N
    private readonly DeviceArray _distances, _squaredNorms;             // (S × N·K × K), (S × N·K)
    private readonly SeedWorkers _workers;
    private readonly Action<int> _prepareSeed;   // cached: no allocation per step
    private IReadOnlyList<TransitionBatch>? _batches;
    private double _graphAlpha;                  // the α the CUDA graph was captured with

    /// <summary>S fresh learners, seed s initialised exactly as <c>new SoftQLearning(obs, act, settings, seeds[s])</c>.</summary>
    /// <exception cref="ArgumentException">no seeds.</exception>
    /// <exception cref="GpuOutOfMemoryException">the device has no room.</exception>
    public SeedBatchedSoftQLearning(GpuDevice device, int observationSize, int actionSize, SqlSettings settings, IReadOnlyList<ulong> seeds)
        : base(device, settings, seeds.Count, observationSize, actionSize, drawCount: settings.BatchSize * (settings.ValueParticles + settings.Particles) * actionSize)
    {
        (_settings, _act) = (settings, actionSize);
        (_n, _k, _kv) = (settings.BatchSize, settings.Particles, settings.ValueParticles);
        Alpha = settings.Alpha;
        int s = seeds.Count, width = observationSize + actionSize, nk = _n * _k, nkv = _n * _kv;
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
        _y = device.Allocate((long)s * _n, "TD targets");
        _tdGradient = device.Allocate((long)s * _n, "TD gradients");
        _qValues = device.Allocate((long)s * _n, "Q values");
        _actions = device.Allocate((long)s * nk * actionSize, "particle actions");
        _steinGradient = device.Allocate((long)s * nk * actionSize, "Stein directions");
        _distances = device.Allocate((long)s * nk * _k, "pairwise distances");
        _squaredNorms = device.Allocate((long)s * nk, "direction norms");
        _workers = new SeedWorkers(Math.Min(s, Math.Max(1, Environment.ProcessorCount / 2)));
        _prepareSeed = PrepareSeed;

        // every seed starts where the CPU engine's learner with that seed starts (same initialisation code)
        _parameterTensors =
        [
            ("q", _q, _q.Parameters), ("q_target", _qTarget, _qTarget.Parameters), ("sampler", _f, _f.Parameters), ("sampler_target", _fTarget, _fTarget.Parameters),
            ("adam_q_m", _q, _qM), ("adam_q_v", _q, _qV), ("adam_sampler_m", _f, _fM), ("adam_sampler_v", _f, _fV),
        ];
        for (int i = 0; i < s; i++)
        {
            var cpu = new SoftQLearning(observationSize, actionSize, settings, seeds[i], maxActBatch: 1);
            Generators[i] = new Rng(seeds[i]);
            LoadState(i, cpu.SaveState().ToDictionary(t => t.Name, t => t.Values), "initialisation");
        }
    }

    /// <summary>α, the temperature of V_soft and of the SVGD score (every seed).</summary>
    public double Alpha { get; set; }
    /// <summary>The hyperparameters.</summary>
    public SqlSettings Settings => _settings;

    /// <summary>
    /// The host's part of an update: every seed's minibatch and every draw of its step (a′, then ξ), from
    /// its own generator, on the host's worker threads, while the device may still run the previous step.
    /// </summary>
    protected override void PrepareInputs(IReadOnlyList<TransitionBatch> batches)
    {
        _batches = batches;
        _workers.Run(Seeds, _prepareSeed);
        _batches = null;
    }

    /// <inheritdoc/>
    protected override bool GraphIsStale => _graphAlpha != Alpha;

    /// <inheritdoc/>
    protected override void GraphCaptured() => _graphAlpha = Alpha;

    /// <summary>One pass of Algorithm 1's inner loop for every seed (<see cref="SoftQLearning.Update"/>), on the uploaded inputs.</summary>
    protected override void EnqueueStep()
    {
        int n = _n, d = _act, k = _k, kv = _kv, s = Seeds, nk = n * k;
        var device = Device;
        var states = Inputs.At(0);
        var actions = Inputs.At(Inputs.ActionsOffset);
        var nextStates = Inputs.At(Inputs.NextObservationsOffset);
        var valueActions = Inputs.At(Inputs.DrawsOffset);
        var noise = Inputs.At(Inputs.DrawsOffset + n * kv * d);
        var y = new SeedTensor(_y, 0, n);
        var tdGradient = new SeedTensor(_tdGradient, 0, n);
        var qValues = new SeedTensor(_qValues, 0, n);

        // V_soft(s′) = α log E_{a′~U[−1,1]^d}[exp(Q̄(s′, a′)/α) / 2^−d]  (eq. 10);  y = r + γ (1 − terminal) V_soft(s′)
        var qBar = _qTarget.Forward(nextStates, valueActions, n, kv);
        device.SoftTarget(s, n, qBar, kv, Inputs.At(0), Inputs.RewardsOffset, Inputs.TerminalsOffset, y, Alpha, _settings.Discount, d);

        // J_Q = mean_i (Q(s_i, a_i) − y_i)²  (eq. 11 without its ½): ∂J_Q/∂θ
        var q = _q.Forward(states, actions, n, 1);
        device.TdGradient(s, n, q, y, tdGradient, qValues);
        _q.Backward(tdGradient, parameterGradients: true, inputGradient: false);

        // the sampler: particles u_ij = f^φ(s_i, ξ_ij), a_ij = tanh u_ij, ∂Q/∂a at them (θ before its step)
        var particles = _f.Forward(states, noise, n, k);   // (S × N·K × d), seed stride N·K·d: f^φ's output buffer
        var particleActions = new SeedTensor(_actions, 0, (long)nk * d);
        device.Tanh(s, particles, particleActions, nk * d);
        var particleQ = _q.Forward(states, particleActions, n, k);   // Q(s_i, a_ij), kept for the statistics
        var dQda = _q.Backward(new SeedTensor(_ones, 0, 0), parameterGradients: false, inputGradient: true);

        // SVGD (eqs. 13–14): φ per state from its K particles' scores; ascend along ∂u/∂φ·φ
        var shape = new SteinShape
        {
            States = n, Particles = k, Dim = d, BatchSize = n, AuthorsCodeBandwidth = _settings.KernelBandwidth == KernelBandwidth.AuthorsCode ? 1 : 0,
            Alpha = (float)Alpha, ParticleStride = nk * d, DistanceStride = nk * k,
        };
        device.SteinDirection(s, particles.View, _actions.View, dQda.View, _distances.View, _steinGradient.View, _squaredNorms.View, shape);
        _f.Backward(new SeedTensor(_steinGradient, 0, (long)nk * d), parameterGradients: true, inputGradient: false);
        device.StepStatistics(s, qValues, y, n, new SeedTensor(_squaredNorms, 0, nk), nk, true, particleQ, particleActions, k, d, Alpha, Statistics);

        // Adam on θ and φ (step sizes from the uploaded scalars); the periodic hard target copy follows the update
        device.Adam(_q.Parameters, _q.Gradients, _qM, _qV, 0.9f, 0.999f, 1e-8f, QStepSize);
        device.Adam(_f.Parameters, _f.Gradients, _fM, _fV, 0.9f, 0.999f, 1e-8f, PolicyStepSize);
    }

    /// <summary>Seed <paramref name="seed"/>'s minibatch and draws (a′ ~ U[−1, 1]^d for V_soft, then ξ ~ N(0, I)) into the step's inputs, in the CPU engine's order.</summary>
    private void PrepareSeed(int seed)
    {
        int d = _act, nkv = _n * _kv, nk = _n * _k;
        Inputs.Write(seed, _batches![seed]);
        var draws = Inputs.Draws(seed);
        Generators[seed].FillUniform(draws[..(nkv * d)], -1f, 1f);
        Generators[seed].FillGaussian(draws.Slice(nkv * d, nk * d));
    }

    /// <inheritdoc/>
    protected override UpdateStats ToStats(double qLoss, double policyStatistic, double meanQ, double meanTarget, double qSpreadOverAlpha, double particleMinorityFraction, double particleActionStd) =>
        new(qLoss, SteinDirectionNorm: policyStatistic, ActorLoss: double.NaN, meanQ, meanTarget, qSpreadOverAlpha, particleMinorityFraction, particleActionStd);

    /// <inheritdoc/>
    protected override void CopyTargets()
    {
        _qTarget.CopyParametersFrom(_q);
        _fTarget.CopyParametersFrom(_f);
    }

    /// <inheritdoc/>
    protected override (string Name, SeedBatchedMlp Network, DeviceArray Array)[] ParameterTensors => _parameterTensors;

    /// <inheritdoc/>
    protected override IEnumerable<(string Name, float[] Values)> OtherState(int seed)
    {
        return
        [
            ("frozen_noise", []),
            ("frozen_target_noise", []),
            CheckpointCounters.Entry("updates", Updates),
            CheckpointCounters.Entry("adam_q_step", AdamStep),
            CheckpointCounters.Entry("adam_sampler_step", AdamStep),
            CheckpointCounters.Entry("frozen_noise_count", 0),
            CheckpointCounters.Entry("particles", _k),
            CheckpointCounters.Entry("value_target", (long)ValueTarget.Soft),
            ("alpha", BitPacking.FromDouble([Alpha])),
            ("rng", BitPacking.FromUInt64(Generators[seed].State)),
        ];
    }

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">the checkpoint is in a fine-tuning state the device engine does not run (frozen noise, fewer particles, the hard-max target).</exception>
    protected override void LoadOtherState(int seed, Dictionary<string, float[]> tensors, string source)
    {
        long Counter(string name, int legacyIndex) => CheckpointCounters.Read(tensors, name, source, "counters", legacyIndex, 6);
        if (Counter("frozen_noise_count", 3) != 0 || Counter("particles", 4) != _k || Counter("value_target", 5) != (long)ValueTarget.Soft)
        {
            throw new NotSupportedException($"{source}: a fine-tuning state (frozen noise, annealed K or the hard-max target) runs on the CPU engine only");
        }
        (Updates, AdamStep) = (Counter("updates", 0), Counter("adam_q_step", 1));
        Alpha = BitPacking.ToDouble(ParameterFile.Take(tensors, "alpha", 1, source))[0];
        Generators[seed].State = BitPacking.ToUInt64(ParameterFile.Take(tensors, "rng", 4, source));
    }

    /// <inheritdoc/>
    protected override SeedBatchedMlp PolicyNetwork => _f;

    /// <inheritdoc/>
    protected override SeedBatchedMlp CriticNetwork => _q;

    /// <inheritdoc/>
    protected override void DisposeArrays()
    {
        foreach (var network in new[] { _q, _qTarget, _f, _fTarget }) network.Dispose();
        foreach (var array in new[] { _ones, _qM, _qV, _fM, _fV, _y, _tdGradient, _qValues, _actions, _steinGradient, _distances, _squaredNorms }) array.Dispose();
        _workers.Dispose();
    }
}
