using SoftQRobotics.Core;
using SoftQRobotics.Learning.Nn;
using SoftQRobotics.Learning.Replay;

namespace SoftQRobotics.Learning.Agents;

/// <summary>
/// Deep deterministic policy gradient (Lillicrap et al., 2016), the paper's baseline: actor
/// μ(s) = tanh(MLP(s)), critic Q(s, a), hard-copied targets μ̄ and Q̄.
/// </summary>
public sealed class Ddpg : IAgent
{
    private readonly DdpgSettings _settings;
    private readonly int _obsDim, _actDim, _n;
    private readonly Mlp _q, _qTarget, _mu, _muTarget;
    private readonly Adam _qOptimizer, _muOptimizer;
    private readonly Rng _rng;
    private readonly float[] _stateActions;   // (N × obs+act)
    private readonly float[] _targets;        // (N) y
    private readonly float[] _tdGradient;     // (N)
    private readonly float[] _ascent;         // (N) ∂(−mean Q)/∂Q = −1/N
    private readonly float[] _actionGradient; // (N × act)

    /// <summary>A fresh learner: critic and actor initialised from <paramref name="seed"/>, targets equal to them.</summary>
    /// <param name="observationSize">obsDim</param>
    /// <param name="actionSize">actDim</param>
    /// <param name="settings">the hyperparameters</param>
    /// <param name="seed">seed of the initialisation</param>
    /// <param name="maxActBatch">most observation rows one <c>Act</c> call may hold (e.g. the evaluation envs)</param>
    public Ddpg(int observationSize, int actionSize, DdpgSettings settings, ulong seed, int maxActBatch = 256)
    {
        _settings = settings;
        (_obsDim, _actDim, _n) = (observationSize, actionSize, settings.BatchSize);
        _rng = new Rng(seed);
        int[] qSizes = [observationSize + actionSize, .. settings.HiddenSizes, 1];
        int[] muSizes = [observationSize, .. settings.HiddenSizes, actionSize];
        int batch = Math.Max(_n, maxActBatch);
        _q = new Mlp(qSizes, Activation.Relu, Activation.Identity, batch);
        _qTarget = new Mlp(qSizes, Activation.Relu, Activation.Identity, batch);
        _mu = new Mlp(muSizes, Activation.Relu, Activation.Tanh, batch);
        _muTarget = new Mlp(muSizes, Activation.Relu, Activation.Tanh, batch);
        _q.Initialize(Initializer.FanInHiddenSmallOutput, _rng);
        _mu.Initialize(Initializer.FanInHiddenSmallOutput, _rng);
        _qTarget.CopyParametersFrom(_q);
        _muTarget.CopyParametersFrom(_mu);
        _qOptimizer = new Adam(_q.Parameters.Length, settings.QLearningRate);
        _qOptimizer.ScaleTail(Mlp.Layout(_q.Sizes).WeightOffsets[^1], settings.QOutputLearningRateScale);
        _muOptimizer = new Adam(_mu.Parameters.Length, settings.PolicyLearningRate);
        _stateActions = new float[_n * (observationSize + actionSize)];
        _targets = new float[_n];
        _tdGradient = new float[_n];
        _ascent = Enumerable.Repeat(-1f / _n, _n).ToArray();
        _actionGradient = new float[_n * actionSize];
    }

    /// <inheritdoc/>
    public string Algorithm => "ddpg";

    /// <inheritdoc/>
    public LearnerSettings Settings => _settings;
    /// <inheritdoc/>
    public long Updates { get; private set; }
    /// <summary>The critic.</summary>
    public Mlp Q => _q;
    /// <inheritdoc/>
    public Mlp Critic => _q;
    /// <inheritdoc/>
    public EntropySettings? Entropy => null;
    /// <inheritdoc/>
    public void SetEntropy(EntropySettings settings) => throw new NotSupportedException("DDPG has no temperature or sampler to anneal");
    /// <summary>The actor.</summary>
    public Mlp Actor => _mu;

    /// <summary>One critic and one actor step from the same parameters, then the periodic hard target copy.</summary>
    /// <inheritdoc cref="IAgent.Update"/>
    public UpdateStats Update(TransitionBatch batch, Action? beside = null)
    {
        beside?.Invoke();   // one thread: the caller's independent work first
        int n = _n, width = _obsDim + _actDim;
        if (Updates == 0) CopyTargets();

        // y = r + γ (1 − terminal) Q̄(s′, μ̄(s′))
        var nextActions = _muTarget.Forward(batch.NextObservations, n);
        Rows.Join(batch.NextObservations, _obsDim, nextActions, _actDim, _stateActions, n);
        var qNext = _qTarget.Forward(_stateActions, n);
        for (int i = 0; i < n; i++) _targets[i] = batch.Rewards[i] + (float)(_settings.Discount * (1 - batch.Terminals[i])) * qNext[i];

        // critic: J_Q = mean (Q(s, a) − y)²
        Rows.Join(batch.Observations, _obsDim, batch.Actions, _actDim, _stateActions, n);
        var q = _q.Forward(_stateActions, n);
        double qLoss = 0, meanQ = 0, meanY = 0;
        for (int i = 0; i < n; i++)
        {
            float error = q[i] - _targets[i];
            qLoss += error * error;
            (meanQ, meanY) = (meanQ + q[i], meanY + _targets[i]);
            _tdGradient[i] = 2 * error / n;
        }
        _q.ZeroGradients();
        _q.Backward(_tdGradient, inputGradient: false);

        // actor: J_μ = −mean Q(s, μ(s)); ∂J/∂a through the critic, then through μ
        var actions = _mu.Forward(batch.Observations, n);
        Rows.Join(batch.Observations, _obsDim, actions, _actDim, _stateActions, n);
        var policyQ = _q.Forward(_stateActions, n);
        double meanPolicyQ = 0;
        for (int i = 0; i < n; i++) meanPolicyQ += policyQ[i];
        var dInput = _q.Backward(_ascent, accumulateParameterGradients: false);
        for (int i = 0; i < n; i++) dInput.Slice(i * width + _obsDim, _actDim).CopyTo(_actionGradient.AsSpan(i * _actDim, _actDim));
        _mu.ZeroGradients();
        _mu.Backward(_actionGradient, inputGradient: false);

        _qOptimizer.Update(_q.Parameters, _q.Gradients);
        _muOptimizer.Update(_mu.Parameters, _mu.Gradients);
        Updates++;
        if (Updates % _settings.TargetUpdateInterval == 0) CopyTargets();
        return new UpdateStats(qLoss / n, SteinDirectionNorm: double.NaN, ActorLoss: -meanPolicyQ / n, meanQ / n, meanY / n);
    }

    /// <summary>The deterministic action μ(s) per row (exploration noise is the caller's).</summary>
    public void Act(ReadOnlySpan<float> observations, Span<float> actions, int count) =>
        _mu.Forward(observations, count).CopyTo(actions);

    /// <inheritdoc/>
    public void ActDeterministic(ReadOnlySpan<float> observations, Span<float> actions, int count) => Act(observations, actions, count);

    private void CopyTargets()
    {
        _qTarget.CopyParametersFrom(_q);
        _muTarget.CopyParametersFrom(_mu);
    }

    /// <inheritdoc/>
    public IEnumerable<(string Name, float[] Values)> SaveState()
    {
        yield return ("q", _q.Parameters);
        yield return ("q_target", _qTarget.Parameters);
        yield return ("actor", _mu.Parameters);
        yield return ("actor_target", _muTarget.Parameters);
        yield return ("adam_q_m", _qOptimizer.FirstMoment);
        yield return ("adam_q_v", _qOptimizer.SecondMoment);
        yield return ("adam_actor_m", _muOptimizer.FirstMoment);
        yield return ("adam_actor_v", _muOptimizer.SecondMoment);
        yield return CheckpointCounters.Entry("updates", Updates);
        yield return CheckpointCounters.Entry("adam_q_step", _qOptimizer.Step);
        yield return CheckpointCounters.Entry("adam_actor_step", _muOptimizer.Step);
        yield return ("rng", BitPacking.FromUInt64(_rng.State));
    }

    /// <inheritdoc/>
    public void LoadNetworks(Dictionary<string, float[]> tensors, string source)
    {
        ParameterFile.Restore(tensors, "q", _q.Parameters, source);
        ParameterFile.Restore(tensors, "q_target", _qTarget.Parameters, source);
        ParameterFile.Restore(tensors, "actor", _mu.Parameters, source);
        ParameterFile.Restore(tensors, "actor_target", _muTarget.Parameters, source);
    }

    /// <inheritdoc/>
    public void LoadState(Dictionary<string, float[]> tensors, string source)
    {
        ParameterFile.Restore(tensors, "q", _q.Parameters, source);
        ParameterFile.Restore(tensors, "q_target", _qTarget.Parameters, source);
        ParameterFile.Restore(tensors, "actor", _mu.Parameters, source);
        ParameterFile.Restore(tensors, "actor_target", _muTarget.Parameters, source);
        ParameterFile.Restore(tensors, "adam_q_m", _qOptimizer.FirstMoment, source);
        ParameterFile.Restore(tensors, "adam_q_v", _qOptimizer.SecondMoment, source);
        ParameterFile.Restore(tensors, "adam_actor_m", _muOptimizer.FirstMoment, source);
        ParameterFile.Restore(tensors, "adam_actor_v", _muOptimizer.SecondMoment, source);
        long Counter(string name, int legacyIndex) => CheckpointCounters.Read(tensors, name, source, "counters", legacyIndex, 3);
        (Updates, _qOptimizer.Step, _muOptimizer.Step) = (Counter("updates", 0), Counter("adam_q_step", 1), Counter("adam_actor_step", 2));
        _rng.State = BitPacking.ToUInt64(ParameterFile.Take(tensors, "rng", 4, source));
    }
}
