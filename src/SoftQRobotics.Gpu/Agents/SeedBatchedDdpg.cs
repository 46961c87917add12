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
public sealed class SeedBatchedDdpg : SeedBatchedLearner
{
    private readonly DdpgSettings _settings;
    private readonly int _n;
    private readonly DeviceArray _ones, _ascent;
    private readonly SeedBatchedMlp _q, _qTarget, _mu, _muTarget;
    private readonly DeviceArray _qM, _qV, _muM, _muV;
    private readonly (string Name, SeedBatchedMlp Network, DeviceArray Array)[] _parameterTensors;
    private readonly DeviceArray _y, _tdGradient, _qValues;             // (S × N): y, ∂J_Q/∂Q, Q(s, a)

    /// <summary>S fresh learners, seed s initialised exactly as <c>new Ddpg(obs, act, settings, seeds[s])</c>.</summary>
    /// <exception cref="ArgumentException">no seeds.</exception>
    /// <exception cref="GpuOutOfMemoryException">the device has no room.</exception>
    public SeedBatchedDdpg(GpuDevice device, int observationSize, int actionSize, DdpgSettings settings, IReadOnlyList<ulong> seeds)
        : base(device, settings, seeds.Count, observationSize, actionSize, drawCount: 0)
    {
        (_settings, _n) = (settings, settings.BatchSize);
        int s = seeds.Count;
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
        _y = device.Allocate((long)s * _n, "TD targets");
        _tdGradient = device.Allocate((long)s * _n, "TD gradients");
        _qValues = device.Allocate((long)s * _n, "Q values");
        _parameterTensors =
        [
            ("q", _q, _q.Parameters), ("q_target", _qTarget, _qTarget.Parameters), ("actor", _mu, _mu.Parameters), ("actor_target", _muTarget, _muTarget.Parameters),
            ("adam_q_m", _q, _qM), ("adam_q_v", _q, _qV), ("adam_actor_m", _mu, _muM), ("adam_actor_v", _mu, _muV),
        ];
        for (int i = 0; i < s; i++)
        {
            var cpu = new Ddpg(observationSize, actionSize, settings, seeds[i], maxActBatch: 1);
            Generators[i] = new Rng(seeds[i]);
            LoadState(i, cpu.SaveState().ToDictionary(t => t.Name, t => t.Values), "initialisation");
        }
    }

    /// <summary>Each seed's minibatch (DDPG draws nothing in its update).</summary>
    protected override void PrepareInputs(IReadOnlyList<TransitionBatch> batches)
    {
        for (int i = 0; i < Seeds; i++) Inputs.Write(i, batches[i]);
    }

    /// <summary>The targets start as copies (as the CPU engine's first update makes them).</summary>
    protected override void BeforeStep()
    {
        if (Updates == 0) CopyTargets();
    }

    /// <summary>One critic and one actor step for every seed from the same parameters (<see cref="Ddpg.Update"/>), on the uploaded inputs.</summary>
    protected override void EnqueueStep()
    {
        int n = _n, s = Seeds;
        var device = Device;
        var states = Inputs.At(0);
        var nextStates = Inputs.At(Inputs.NextObservationsOffset);
        var y = new SeedTensor(_y, 0, n);

        // y = r + γ (1 − terminal) Q̄(s′, μ̄(s′))
        var nextActions = _muTarget.Forward(nextStates, nextStates, n, 1);
        var qNext = _qTarget.Forward(nextStates, nextActions, n, 1);
        device.BootstrapTarget(s, n, qNext, Inputs.At(0), Inputs.RewardsOffset, Inputs.TerminalsOffset, y, _settings.Discount);

        // critic: J_Q = mean (Q(s, a) − y)²
        var q = _q.Forward(states, Inputs.At(Inputs.ActionsOffset), n, 1);
        device.TdGradient(s, n, q, y, new SeedTensor(_tdGradient, 0, n), new SeedTensor(_qValues, 0, n));
        _q.Backward(new SeedTensor(_tdGradient, 0, n), parameterGradients: true, inputGradient: false);

        // actor: J_μ = −mean Q(s, μ(s)); ∂J/∂a through the critic (θ before its step), then through μ
        var actions = _mu.Forward(states, states, n, 1);
        var policyQ = _q.Forward(states, actions, n, 1);
        var dJda = _q.Backward(new SeedTensor(_ascent, 0, 0), parameterGradients: false, inputGradient: true);
        _mu.Backward(dJda, parameterGradients: true, inputGradient: false);
        device.StepStatistics(s, new SeedTensor(_qValues, 0, n), y, n, policyQ, n, false, default, default, 0, 0, 0, Statistics);

        device.Adam(_q.Parameters, _q.Gradients, _qM, _qV, 0.9f, 0.999f, 1e-8f, QStepSize);
        device.Adam(_mu.Parameters, _mu.Gradients, _muM, _muV, 0.9f, 0.999f, 1e-8f, PolicyStepSize);
    }

    /// <inheritdoc/>
    protected override UpdateStats ToStats(double qLoss, double policyStatistic, double meanQ, double meanTarget, double qSpreadOverAlpha, double particleMinorityFraction, double particleActionStd) =>
        new(qLoss, SteinDirectionNorm: double.NaN, ActorLoss: policyStatistic, meanQ, meanTarget);

    /// <inheritdoc/>
    protected override void CopyTargets()
    {
        _qTarget.CopyParametersFrom(_q);
        _muTarget.CopyParametersFrom(_mu);
    }

    /// <inheritdoc/>
    protected override (string Name, SeedBatchedMlp Network, DeviceArray Array)[] ParameterTensors => _parameterTensors;

    /// <inheritdoc/>
    protected override IEnumerable<(string Name, float[] Values)> OtherState(int seed)
    {
        return
        [
            CheckpointCounters.Entry("updates", Updates),
            CheckpointCounters.Entry("adam_q_step", AdamStep),
            CheckpointCounters.Entry("adam_actor_step", AdamStep),
            ("rng", BitPacking.FromUInt64(Generators[seed].State)),
        ];
    }

    /// <inheritdoc/>
    protected override void LoadOtherState(int seed, Dictionary<string, float[]> tensors, string source)
    {
        long Counter(string name, int legacyIndex) => CheckpointCounters.Read(tensors, name, source, "counters", legacyIndex, 3);
        (Updates, AdamStep) = (Counter("updates", 0), Counter("adam_q_step", 1));
        Generators[seed].State = BitPacking.ToUInt64(ParameterFile.Take(tensors, "rng", 4, source));
    }

    /// <inheritdoc/>
    protected override SeedBatchedMlp PolicyNetwork => _mu;

    /// <inheritdoc/>
    protected override SeedBatchedMlp CriticNetwork => _q;

    /// <inheritdoc/>
    protected override void DisposeArrays()
    {
        foreach (var network in new[] { _q, _qTarget, _mu, _muTarget }) network.Dispose();
        foreach (var array in new[] { _ones, _ascent, _qM, _qV, _muM, _muV, _y, _tdGradient, _qValues }) array.Dispose();
    }
}
