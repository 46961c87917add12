using SoftQRobotics.Core;
using SoftQRobotics.Learning.Nn;
using SoftQRobotics.Learning.Replay;

namespace SoftQRobotics.Learning.Agents;

/// <summary>
/// Soft Q-learning (Haarnoja et al., 2017, Algorithm 1): a soft Q-function Q(s, a) on s ⧺ a, its
/// soft value by uniform importance sampling, and an amortized SVGD sampling network f^φ(s, ξ)
/// (<see cref="SteinSampler"/>). α is the temperature of V_soft and of the SVGD score; rewards arrive
/// as the trainer stored them (multiplied by its reward scale: docs/implementation-details.md, "Temperature").
/// </summary>
/// <remarks>
/// Fine-tuning (docs/implementation-details.md, "Fine-tuning") uses <see cref="FreezeNoise"/> (a fixed ξ set of size K_ξ for the sampler,
/// a separate one for the target sampler) and <see cref="ValueTarget.HardMax"/>.
/// </remarks>
public sealed class SoftQLearning : IAgent
{
    private readonly SqlSettings _settings;
    private readonly int _obsDim, _actDim, _n;
    private readonly Mlp _q, _qTarget;       // Q, Q̄
    private readonly SteinSampler _sampler;  // f^φ
    private readonly Mlp _fTarget;           // f^φ̄, read only by the hard-max target
    private readonly Adam _qOptimizer;
    private readonly Rng _rng;

    // workspaces, allocated once
    private readonly float[] _valueActions;      // (N·max(K_V, K) × act): a′_ik for V_soft (hard max: ξ, then tanh f^φ̄(s′, ξ))
    private readonly float[] _y;                 // (N) TD targets
    private readonly float[] _dLdQ;              // (N)
    private readonly QActionGradient[] _dQda;    // ∂Q/∂a for the SVGD score, one per lane
    private float[] _frozenTargetNoise = [];     // (K_ξ × act)

    // an update runs as two lanes, each half of the minibatch (critic half, then sampler half);
    // each lane has its own views of Q, Q̄ and f^φ̄ (shared parameters, own workspace and gradient)
    private readonly TwoLanes _lanes;
    private readonly Mlp[] _qLane, _qTargetLane, _fTargetLane;
    private readonly Action<int> _criticHalf;    // cached: no allocation per step
    private readonly Action _drawStep;           // cached
    private (TransitionBatch Batch, double Alpha, int K) _step;    // set by Update before the lanes run
    private readonly (double QLoss, double MeanQ, double MeanY)[] _criticStats = new (double, double, double)[2];

    /// <summary>A fresh learner: Q, Q̄ = Q and the sampler f^φ initialised from <paramref name="seed"/>.</summary>
    /// <param name="observationSize">obsDim</param>
    /// <param name="actionSize">actDim</param>
    /// <param name="settings">the hyperparameters</param>
    /// <param name="seed">seed of the initialisation and of every draw (a′, ξ)</param>
    /// <param name="maxActBatch">most observation rows one <c>Act</c> call may hold (e.g. the evaluation envs)</param>
    /// <param name="threads">2 or more: the two halves of every update run on two threads (same results as 1)</param>
    public SoftQLearning(int observationSize, int actionSize, SqlSettings settings, ulong seed, int maxActBatch = 256, int threads = 1)
    {
        _settings = settings;
        (_obsDim, _actDim, _n) = (observationSize, actionSize, settings.BatchSize);
        (Alpha, Particles, ValueTarget) = (settings.Alpha, settings.Particles, settings.ValueTarget);
        _rng = new Rng(seed);
        int width = observationSize + actionSize, k = settings.Particles, kv = settings.ValueParticles;
        int[] qSizes = [width, .. settings.HiddenSizes, 1];
        int rows = _n * Math.Max(k, kv);
        _q = new Mlp(qSizes, Activation.Relu, Activation.Identity, rows, groupWidth: observationSize);
        _qTarget = new Mlp(qSizes, Activation.Relu, Activation.Identity, rows, groupWidth: observationSize);
        _q.Initialize(settings.QInitializer, _rng);
        _qOptimizer = new Adam(_q.Parameters.Length, settings.QLearningRate);
        _qOptimizer.ScaleTail(Mlp.Layout(_q.Sizes).WeightOffsets[^1], settings.QOutputLearningRateScale);
        _sampler = new SteinSampler(observationSize, actionSize, settings.HiddenSizes, _n, k, maxActBatch,
            settings.PolicyLearningRate, settings.KernelBandwidth, settings.PolicyInitializer, _rng);
        _fTarget = new Mlp([width, .. settings.HiddenSizes, actionSize], Activation.Relu, Activation.Identity, _n * k, groupWidth: observationSize);
        CopyTargets();

        _valueActions = new float[rows * actionSize];
        _y = new float[_n];
        _dLdQ = new float[_n];
        int half = TwoLanes.Half(_n, 0).Count;
        _qLane = [Mlp.SharingParameters(_q, half), Mlp.SharingParameters(_q, half)];
        _qTargetLane = [Mlp.SharingParameters(_qTarget, half * Math.Max(k, kv)), Mlp.SharingParameters(_qTarget, half * Math.Max(k, kv))];
        _fTargetLane = [Mlp.SharingParameters(_fTarget, half * k), Mlp.SharingParameters(_fTarget, half * k)];
        _dQda = [new QActionGradient(Mlp.SharingParameters(_q, half * k), half * k), new QActionGradient(Mlp.SharingParameters(_q, half * k), half * k)];
        _criticHalf = CriticHalf;
        _drawStep = DrawStep;
        _lanes = new TwoLanes(threads);
    }

    /// <inheritdoc/>
    public string Algorithm => "sql";

    /// <inheritdoc/>
    public LearnerSettings Settings => _settings;

    /// <inheritdoc/>
    public long Updates { get; private set; }
    /// <summary>α, the temperature (fine-tuning anneals it).</summary>
    public double Alpha { get; set; }
    /// <summary>K, SVGD particles per state (fine-tuning anneals it; at most the configured K).</summary>
    public int Particles { get; set; }
    /// <summary>The critic's value target.</summary>
    public ValueTarget ValueTarget { get; set; }
    /// <summary>The Q-network.</summary>
    public Mlp Q => _q;
    /// <summary>Managed bytes the update's worker thread has allocated since it started (0 with one thread; benchmarks).</summary>
    public long WorkerAllocatedBytes => _lanes.WorkerAllocatedBytes;
    /// <summary>The sampling network.</summary>
    public SteinSampler Sampler => _sampler;

    /// <inheritdoc/>
    public Mlp Critic => _q;

    /// <inheritdoc/>
    public EntropySettings? Entropy => new(Alpha, Particles, _sampler.FrozenCount, ValueTarget);

    /// <inheritdoc/>
    public void SetEntropy(EntropySettings settings)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Particles, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(settings.FrozenNoise);
        Alpha = settings.Alpha;
        Particles = settings.Particles;
        ValueTarget = settings.ValueTarget;
        if (settings.FrozenNoise > 0) FreezeNoise(settings.FrozenNoise);
    }

    /// <summary>
    /// Switches to frozen noise: every ξ is drawn from the first <paramref name="count"/> members
    /// of a fixed set. Later calls only truncate the sets (K_ξ annealing).
    /// </summary>
    public void FreezeNoise(int count)
    {
        _sampler.FreezeNoise(count, _rng);
        if (_frozenTargetNoise.Length == 0)
        {
            _frozenTargetNoise = new float[count * _actDim];
            _rng.FillGaussian(_frozenTargetNoise);
        }
    }

    /// <summary>
    /// One pass of Algorithm 1's inner loop on a minibatch {(s, a, r, s′, terminal)} of N transitions.
    /// The critic's gradient and the sampler's step read the same θ and are independent (the authors ran
    /// them in one graph call). Both split the minibatch into two halves, the lanes of
    /// docs/performance.md: lane h computes the critic's gradient on its half, then the sampler's;
    /// the halves' gradients are summed in lane order. All random draws happen first, in a fixed order
    /// (a′, then ξ), so one thread or two give bit-identical results.
    /// </summary>
    /// <inheritdoc cref="IAgent.Update"/>
    public UpdateStats Update(TransitionBatch batch, Action? beside = null)
    {
        int n = _n;
        int k = Math.Clamp(Particles, 1, _settings.Particles);
        _step = (batch, Alpha, k);

        // every draw of the step (a′, then ξ), beside the caller's independent work when there is some
        if (beside is null) DrawStep();
        else _lanes.RunBeside(beside, _drawStep);

        // the lanes: each lane's critic half, then its sampler half (eqs. 13–14)
        double steinNorm = _sampler.SteinStep(n, k, _dQda, (float)Alpha, _lanes, _criticHalf);

        // --- Adam on Q (∂J_Q/∂θ summed over the halves), then the periodic hard target copy θ̄ ← θ, φ̄ ← φ ---
        var gradients = _q.Gradients.AsSpan();
        _qLane[0].Gradients.CopyTo(gradients);
        if (TwoLanes.Half(n, 1).Count > 0) System.Numerics.Tensors.TensorPrimitives.Add(gradients, _qLane[1].Gradients, gradients);
        _qOptimizer.Update(_q.Parameters, _q.Gradients);
        Updates++;
        if (Updates % _settings.TargetUpdateInterval == 0) CopyTargets();

        var (qLoss, meanQ, meanY) = (_criticStats[0].QLoss + _criticStats[1].QLoss, _criticStats[0].MeanQ + _criticStats[1].MeanQ, _criticStats[0].MeanY + _criticStats[1].MeanY);
        return new UpdateStats(qLoss / n, SteinDirectionNorm: steinNorm, ActorLoss: double.NaN, meanQ / n, meanY / n, _sampler.LastQSpreadOverAlpha,
            _sampler.LastParticleMinorityFraction, _sampler.LastParticleActionStd);
    }

    /// <summary>The draws of <see cref="_step"/>: a′ ~ U[−1, 1]^d for V_soft (fine-tuning: members of the frozen target set), then the sampler's ξ.</summary>
    private void DrawStep()
    {
        var (batch, _, k) = _step;
        int n = _n, d = _actDim;
        if (ValueTarget == ValueTarget.Soft) _rng.FillUniform(_valueActions.AsSpan(0, n * _settings.ValueParticles * d), -1f, 1f);
        else DrawFrozenTargetNoise();
        _sampler.DrawNoise(batch.Observations, n, k, _rng);
    }

    /// <summary>The soft Q-function's gradient on lane <paramref name="lane"/>'s half of <see cref="_step"/>, its a′ already drawn, into the lane's view of Q; leaves θ unchanged.</summary>
    private void CriticHalf(int lane)
    {
        var (batch, α, _) = _step;
        var (first, count) = TwoLanes.Half(_n, lane);
        _criticStats[lane] = (0, 0, 0);
        if (count == 0) return;
        int d = _actDim, obs = _obsDim;
        double γ = _settings.Discount;

        // V_soft(s′) = α log E_{a′~U[−1,1]^d}[exp(Q̄(s′, a′)/α) / 2^−d]   (eq. 10; fine-tuning: the hard max)
        var V = _y.AsSpan(first, count);
        var nextStates = batch.NextObservations.AsSpan(first * obs, count * obs);
        if (ValueTarget == ValueTarget.Soft)
        {
            int kv = _settings.ValueParticles;
            var Qbar = _qTargetLane[lane].ForwardGrouped(nextStates, _valueActions.AsSpan(first * kv * d, count * kv * d), count, kv);
            for (int i = 0; i < count; i++) V[i] = (float)SoftValue.Estimate(Qbar.Slice(i * kv, kv), α, d);
        }
        else
        {
            HardMaxValue(lane, nextStates, first, count, V);
        }

        // y = r + γ (1 − terminal) V_soft(s′);   J_Q = mean_i (Q(s_i, a_i) − y_i)²   (eq. 11, without its ½)
        for (int i = first; i < first + count; i++) _y[i] = batch.Rewards[i] + (float)(γ * (1 - batch.Terminals[i])) * _y[i];
        var Q = _qLane[lane].ForwardGrouped(batch.Observations.AsSpan(first * obs, count * obs), batch.Actions.AsSpan(first * d, count * d), count, 1);
        double qLoss = 0, meanQ = 0, meanY = 0;
        for (int i = 0; i < count; i++)
        {
            float error = Q[i] - _y[first + i];
            (qLoss, meanQ, meanY) = (qLoss + error * error, meanQ + Q[i], meanY + _y[first + i]);
            _dLdQ[first + i] = 2 * error / _n;
        }
        _qLane[lane].ZeroGradients();
        _qLane[lane].Backward(_dLdQ.AsSpan(first, count), inputGradient: false);
        _criticStats[lane] = (qLoss, meanQ, meanY);
    }

    /// <summary>a = tanh(f^φ(s, ξ)), a fresh ξ per row (or a frozen member); exploration noise is the caller's.</summary>
    public void Act(ReadOnlySpan<float> observations, Span<float> actions, int count) => _sampler.Act(observations, actions, count, _rng);

    /// <inheritdoc/>
    public void ActDeterministic(ReadOnlySpan<float> observations, Span<float> actions, int count) => _sampler.ActAtZeroNoise(observations, actions, count);

    /// <summary>ξ of the hard-max target's rows, K_ξ per next state, drawn from the target's frozen set.</summary>
    private void DrawFrozenTargetNoise()
    {
        int kξ = _sampler.FrozenCount, d = _actDim;
        if (kξ == 0) throw new InvalidOperationException("the hard-max target needs frozen noise: call FreezeNoise first");
        for (int row = 0; row < _n * kξ; row++) _frozenTargetNoise.AsSpan(_rng.NextInt(kξ) * d, d).CopyTo(_valueActions.AsSpan(row * d, d));
    }

    /// <summary>V(s′) = max over the K_ξ drawn rows of Q̄(s′, tanh f^φ̄(s′, ξ)), for lane <paramref name="lane"/>'s next states <paramref name="nextStates"/> (states first … first + count − 1).</summary>
    private void HardMaxValue(int lane, ReadOnlySpan<float> nextStates, int first, int count, Span<float> V)
    {
        int kξ = _sampler.FrozenCount, d = _actDim;
        var actions = _valueActions.AsSpan(first * kξ * d, count * kξ * d);
        var u = _fTargetLane[lane].ForwardGrouped(nextStates, actions, count, kξ);
        for (int p = 0; p < actions.Length; p++) actions[p] = MathF.Tanh(u[p]);
        var Qbar = _qTargetLane[lane].ForwardGrouped(nextStates, actions, count, kξ);
        for (int i = 0; i < count; i++)
        {
            float best = float.NegativeInfinity;
            for (int j = 0; j < kξ; j++) best = Math.Max(best, Qbar[i * kξ + j]);
            V[i] = best;
        }
    }

    private void CopyTargets()
    {
        _qTarget.CopyParametersFrom(_q);
        _fTarget.CopyParametersFrom(_sampler.Network);
    }

    /// <inheritdoc/>
    public IEnumerable<(string Name, float[] Values)> SaveState()
    {
        yield return ("q", _q.Parameters);
        yield return ("q_target", _qTarget.Parameters);
        yield return ("sampler", _sampler.Network.Parameters);
        yield return ("sampler_target", _fTarget.Parameters);
        yield return ("adam_q_m", _qOptimizer.FirstMoment);
        yield return ("adam_q_v", _qOptimizer.SecondMoment);
        yield return ("adam_sampler_m", _sampler.Optimizer.FirstMoment);
        yield return ("adam_sampler_v", _sampler.Optimizer.SecondMoment);
        yield return ("frozen_noise", _sampler.FrozenNoise);
        yield return ("frozen_target_noise", _frozenTargetNoise);
        yield return CheckpointCounters.Entry("updates", Updates);
        yield return CheckpointCounters.Entry("adam_q_step", _qOptimizer.Step);
        yield return CheckpointCounters.Entry("adam_sampler_step", _sampler.Optimizer.Step);
        yield return CheckpointCounters.Entry("frozen_noise_count", _sampler.FrozenCount);
        yield return CheckpointCounters.Entry("particles", Particles);
        yield return CheckpointCounters.Entry("value_target", (long)ValueTarget);
        yield return ("alpha", BitPacking.FromDouble([Alpha]));
        yield return ("rng", BitPacking.FromUInt64(_rng.State));
    }

    /// <inheritdoc/>
    public void LoadNetworks(Dictionary<string, float[]> tensors, string source)
    {
        ParameterFile.Restore(tensors, "q", _q.Parameters, source);
        ParameterFile.Restore(tensors, "q_target", _qTarget.Parameters, source);
        ParameterFile.Restore(tensors, "sampler", _sampler.Network.Parameters, source);
        ParameterFile.Restore(tensors, "sampler_target", _fTarget.Parameters, source);
    }

    /// <inheritdoc/>
    public void LoadState(Dictionary<string, float[]> tensors, string source)
    {
        ParameterFile.Restore(tensors, "q", _q.Parameters, source);
        ParameterFile.Restore(tensors, "q_target", _qTarget.Parameters, source);
        ParameterFile.Restore(tensors, "sampler", _sampler.Network.Parameters, source);
        ParameterFile.Restore(tensors, "sampler_target", _fTarget.Parameters, source);
        ParameterFile.Restore(tensors, "adam_q_m", _qOptimizer.FirstMoment, source);
        ParameterFile.Restore(tensors, "adam_q_v", _qOptimizer.SecondMoment, source);
        ParameterFile.Restore(tensors, "adam_sampler_m", _sampler.Optimizer.FirstMoment, source);
        ParameterFile.Restore(tensors, "adam_sampler_v", _sampler.Optimizer.SecondMoment, source);
        long Counter(string name, int legacyIndex) => CheckpointCounters.Read(tensors, name, source, "counters", legacyIndex, 6);
        (Updates, _qOptimizer.Step, _sampler.Optimizer.Step) = (Counter("updates", 0), Counter("adam_q_step", 1), Counter("adam_sampler_step", 2));
        _sampler.RestoreFrozenNoise(tensors.GetValueOrDefault("frozen_noise") ?? [], (int)Counter("frozen_noise_count", 3));
        _frozenTargetNoise = tensors.GetValueOrDefault("frozen_target_noise") ?? [];
        (Particles, ValueTarget) = ((int)Counter("particles", 4), (ValueTarget)Counter("value_target", 5));
        Alpha = BitPacking.ToDouble(ParameterFile.Take(tensors, "alpha", 1, source))[0];
        _rng.State = BitPacking.ToUInt64(ParameterFile.Take(tensors, "rng", 4, source));
    }
}
