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
    private readonly float[] _nextStateActions;  // (N·max(K_V, K) × obs+act): [s′_i, a′_k]
    private readonly float[] _stateActions;      // (N × obs+act): [s_i, a_i]
    private readonly float[] _y;                 // (N) TD targets
    private readonly float[] _dLdQ;              // (N)
    private readonly QActionGradient _dQda;      // ∂Q/∂a for the SVGD score
    private float[] _frozenTargetNoise = [];     // (K_ξ × act)

    // the two parts of an update, cached delegates (no allocation per step), and what they share
    private readonly Action _criticPart, _samplerPart;
    private readonly ParallelPair? _parallel;
    private (TransitionBatch Batch, int K, double Alpha) _step;    // set by Update before the parts run
    private (double QLoss, double MeanQ, double MeanY) _criticStats;
    private double _steinNorm;

    /// <summary>A fresh learner: Q, Q̄ = Q and the sampler f^φ initialised from <paramref name="seed"/>.</summary>
    /// <param name="observationSize">obsDim</param>
    /// <param name="actionSize">actDim</param>
    /// <param name="settings">the hyperparameters</param>
    /// <param name="seed">seed of the initialisation and of every draw (a′, ξ)</param>
    /// <param name="maxActBatch">most observation rows one <c>Act</c> call may hold (e.g. the evaluation envs)</param>
    /// <param name="threads">2 or more: the critic's and the sampler's parts of an update run on two threads (same results as 1)</param>
    public SoftQLearning(int observationSize, int actionSize, SqlSettings settings, ulong seed, int maxActBatch = 256, int threads = 1)
    {
        _settings = settings;
        (_obsDim, _actDim, _n) = (observationSize, actionSize, settings.BatchSize);
        (Alpha, Particles, ValueTarget) = (settings.Alpha, settings.Particles, settings.ValueTarget);
        _rng = new Rng(seed);
        int width = observationSize + actionSize, k = settings.Particles, kv = settings.ValueParticles;
        int[] qSizes = [width, .. settings.HiddenSizes, 1];
        int rows = _n * Math.Max(k, kv);
        _q = new Mlp(qSizes, Activation.Relu, Activation.Identity, rows);
        _qTarget = new Mlp(qSizes, Activation.Relu, Activation.Identity, rows);
        _q.Initialize(settings.QInitializer, _rng);
        _qOptimizer = new Adam(_q.Parameters.Length, settings.QLearningRate);
        _sampler = new SteinSampler(observationSize, actionSize, settings.HiddenSizes, _n, k, maxActBatch,
            settings.PolicyLearningRate, settings.KernelBandwidth, settings.PolicyInitializer, _rng);
        _fTarget = new Mlp([width, .. settings.HiddenSizes, actionSize], Activation.Relu, Activation.Identity, _n * k);
        CopyTargets();

        _nextStateActions = new float[rows * width];
        _stateActions = new float[_n * width];
        _y = new float[_n];
        _dLdQ = new float[_n];
        // the sampler's ∂Q/∂a runs on its own view of Q's parameters, so that it can run beside the critic's pass
        _dQda = new QActionGradient(Mlp.SharingParameters(_q, _n * k), observationSize, actionSize, _n * k);
        _criticPart = CriticPart;
        _samplerPart = SamplerPart;
        _parallel = threads >= 2 ? new ParallelPair() : null;
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
    /// The critic's part and the sampler's part read the same θ and are independent (the authors ran
    /// them in one graph call): with two threads they run at once. Every random draw happens in the
    /// same order either way (a′ here, ξ in the sampler's part, the only one drawing), so the result
    /// does not depend on the thread count.
    /// </summary>
    public UpdateStats Update(TransitionBatch batch)
    {
        int n = _n, d = _actDim, width = _obsDim + d;
        _step = (batch, Math.Clamp(Particles, 1, _settings.Particles), Alpha);

        // the critic's draws: a′ ~ U[−1, 1]^d for V_soft (fine-tuning: members of the frozen target set)
        if (ValueTarget == ValueTarget.Soft)
        {
            int kv = _settings.ValueParticles;
            RepeatStates(_nextStateActions, batch.NextObservations, kv);
            for (int row = 0; row < n * kv; row++) _rng.FillUniform(_nextStateActions.AsSpan(row * width + _obsDim, d), -1f, 1f);
        }
        else
        {
            DrawFrozenTargetNoise(batch.NextObservations);
        }

        if (_parallel is null)
        {
            _criticPart();
            _samplerPart();
        }
        else
        {
            _parallel.Run(_samplerPart, _criticPart);
        }

        // --- Adam on Q, then the periodic hard target copy θ̄ ← θ, φ̄ ← φ -------------------------
        _qOptimizer.Update(_q.Parameters, _q.Gradients);
        Updates++;
        if (Updates % _settings.TargetUpdateInterval == 0) CopyTargets();

        var (qLoss, meanQ, meanY) = _criticStats;
        return new UpdateStats(qLoss / n, SteinDirectionNorm: _steinNorm, ActorLoss: double.NaN, meanQ / n, meanY / n);
    }

    /// <summary>The soft Q-function's gradient for <see cref="_step"/>, its a′ already drawn; leaves θ unchanged.</summary>
    private void CriticPart()
    {
        var (batch, _, α) = _step;
        int n = _n, d = _actDim;
        double γ = _settings.Discount;

        // V_soft(s′) = α log E_{a′~U[−1,1]^d}[exp(Q̄(s′, a′)/α) / 2^−d]   (eq. 10; fine-tuning: the hard max)
        var V = _y.AsSpan();
        if (ValueTarget == ValueTarget.Soft)
        {
            int kv = _settings.ValueParticles;
            var Qbar = _qTarget.Forward(_nextStateActions, n * kv);
            for (int i = 0; i < n; i++) V[i] = (float)SoftValue.Estimate(Qbar.Slice(i * kv, kv), α, d);
        }
        else
        {
            HardMaxValue(V);
        }

        // y = r + γ (1 − terminal) V_soft(s′);   J_Q = mean_i (Q(s_i, a_i) − y_i)²   (eq. 11, without its ½)
        for (int i = 0; i < n; i++) _y[i] = batch.Rewards[i] + (float)(γ * (1 - batch.Terminals[i])) * V[i];
        Rows.Join(batch.Observations, _obsDim, batch.Actions, d, _stateActions, n);
        var Q = _q.Forward(_stateActions, n);
        double qLoss = 0, meanQ = 0, meanY = 0;
        for (int i = 0; i < n; i++)
        {
            float error = Q[i] - _y[i];
            (qLoss, meanQ, meanY) = (qLoss + error * error, meanQ + Q[i], meanY + _y[i]);
            _dLdQ[i] = 2 * error / n;
        }
        _q.ZeroGradients();
        _q.Backward(_dLdQ);
        _criticStats = (qLoss, meanQ, meanY);
    }

    /// <summary>
    /// The sampler's step for <see cref="_step"/> by amortized SVGD, scores from Q before its update:
    /// a_ij = tanh f^φ(s_i, ξ_ij), ξ_ij ~ N(0, I); ∂Q/∂a at every particle; the Stein direction (eq. 13)
    /// on the pre-tanh outputs (docs/implementation-details.md, "SVGD"), back through f^φ into φ (eq. 14).
    /// </summary>
    private void SamplerPart()
    {
        var (batch, k, α) = _step;
        _steinNorm = _sampler.SteinStep(batch.Observations, _n, k, _dQda, (float)α, _rng);
    }

    /// <summary>a = tanh(f^φ(s, ξ)), a fresh ξ per row (or a frozen member); exploration noise is the caller's.</summary>
    public void Act(ReadOnlySpan<float> observations, Span<float> actions, int count) => _sampler.Act(observations, actions, count, _rng);

    /// <inheritdoc/>
    public void ActDeterministic(ReadOnlySpan<float> observations, Span<float> actions, int count) => _sampler.ActAtZeroNoise(observations, actions, count);

    /// <summary>Rows [s′_i, ξ] of the hard-max target, K_ξ per state, ξ drawn from the target's frozen set.</summary>
    private void DrawFrozenTargetNoise(ReadOnlySpan<float> nextObservations)
    {
        int kξ = _sampler.FrozenCount, n = _n, d = _actDim, width = _obsDim + d;
        if (kξ == 0) throw new InvalidOperationException("the hard-max target needs frozen noise: call FreezeNoise first");
        RepeatStates(_nextStateActions, nextObservations, kξ);
        for (int row = 0; row < n * kξ; row++)
        {
            _frozenTargetNoise.AsSpan(_rng.NextInt(kξ) * d, d).CopyTo(_nextStateActions.AsSpan(row * width + _obsDim, d));
        }
    }

    /// <summary>V(s′) = max over the K_ξ drawn rows of Q̄(s′, tanh f^φ̄(s′, ξ)).</summary>
    private void HardMaxValue(Span<float> V)
    {
        int kξ = _sampler.FrozenCount, n = _n, d = _actDim, width = _obsDim + d;
        var u = _fTarget.Forward(_nextStateActions, n * kξ);
        for (int row = 0; row < n * kξ; row++)
        {
            for (int c = 0; c < d; c++) _nextStateActions[row * width + _obsDim + c] = MathF.Tanh(u[row * d + c]);
        }
        var Qbar = _qTarget.Forward(_nextStateActions, n * kξ);
        for (int i = 0; i < n; i++)
        {
            float best = float.NegativeInfinity;
            for (int j = 0; j < kξ; j++) best = Math.Max(best, Qbar[i * kξ + j]);
            V[i] = best;
        }
    }

    /// <summary>Writes s_i into the state columns of rows i·perState … (i+1)·perState − 1 of an (rows × obs+act) matrix.</summary>
    private void RepeatStates(float[] destination, ReadOnlySpan<float> states, int perState)
    {
        int width = _obsDim + _actDim;
        for (int i = 0; i < _n; i++)
        {
            var s = states.Slice(i * _obsDim, _obsDim);
            for (int j = 0; j < perState; j++) s.CopyTo(destination.AsSpan((i * perState + j) * width, _obsDim));
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
