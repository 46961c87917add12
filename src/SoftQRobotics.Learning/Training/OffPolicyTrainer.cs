using System.Diagnostics;
using SoftQRobotics.Envs;
using SoftQRobotics.Envs.Vector;
using SoftQRobotics.Learning.Agents;
using SoftQRobotics.Learning.Replay;

namespace SoftQRobotics.Learning.Training;

/// <summary>Schedule of off-policy training (defaults: the spec's shared values).</summary>
public sealed record TrainerSettings
{
    /// <summary>Env steps (and gradient steps) per epoch.</summary>
    public int EpochLength { get; init; } = 10_000;
    /// <summary>Transitions collected before the first gradient step.</summary>
    public int MinPoolSize { get; init; } = 10_000;
    /// <summary>Replay capacity.</summary>
    public int ReplayCapacity { get; init; } = 1_000_000;
    /// <summary>Evaluation episodes after every epoch (stochastic policy, no exploration noise).</summary>
    public int EvaluationEpisodes { get; init; } = 10;
    /// <summary>Ornstein–Uhlenbeck exploration (θ, σ); σ = 0 turns it off.</summary>
    public double OuTheta { get; init; } = 0.15;
    /// <summary>OU σ.</summary>
    public double OuSigma { get; init; } = 0.3;
    /// <summary>γ for the discounted evaluation return.</summary>
    public double Discount { get; init; } = 0.99;
    /// <summary>Gradient steps per env step.</summary>
    public int UpdatesPerStep { get; init; } = 1;
}

/// <summary>What one epoch did.</summary>
public sealed record EpochResult(
    int Epoch, long EnvSteps, long GradientSteps, EpisodeStats[] Evaluation, double MeanQLoss, double MeanPolicyLoss,
    double MeanQ, double EnvStepsPerSecond, double GradientStepsPerSecond, int TrainingEpisodes, double MeanTrainingReturn)
{
    /// <summary>Mean undiscounted evaluation return.</summary>
    public double AverageReturn => Evaluation.Average(e => e.Return);
    /// <summary>Mean discounted evaluation return (the paper's Fig. 5 axis).</summary>
    public double AverageDiscountedReturn => Evaluation.Average(e => e.DiscountedReturn);
    /// <summary>Mean evaluation episode length.</summary>
    public double AverageEpisodeLength => Evaluation.Average(e => (double)e.Length);
}

/// <summary>
/// The interaction loop of Algorithm 1 for one env: act (policy + OU noise), step, store the
/// transition, and once the pool holds <see cref="TrainerSettings.MinPoolSize"/> transitions take
/// one gradient step per env step; evaluate after each epoch.
/// </summary>
public sealed class OffPolicyTrainer : IDisposable
{
    private readonly TrainerSettings _settings;
    private readonly IAgent _agent;
    private readonly VectorEnv _env, _evaluationEnvs;
    private readonly ReplayBuffer _replay;
    private readonly TransitionBatch _batch;
    private readonly OuNoise _noise;
    private readonly Rng _rng;
    private readonly float[] _observation;
    private readonly int _seed;
    private double _trainingReturn;

    public OffPolicyTrainer(TaskDefinition task, IAgent agent, TrainerSettings settings, int batchSize, int seed)
    {
        _settings = settings;
        _agent = agent;
        _seed = seed;
        var spec = task.Spec;
        _env = new VectorEnv(task, numEnvs: 1, numThreads: 1);
        _evaluationEnvs = new VectorEnv(task, settings.EvaluationEpisodes, numThreads: 0, autoReset: false);
        _replay = new ReplayBuffer(settings.ReplayCapacity, spec.ObservationSize, spec.ActionSize);
        _batch = new TransitionBatch(batchSize, spec.ObservationSize, spec.ActionSize);
        _noise = new OuNoise(1, spec.ActionSize, settings.OuTheta, settings.OuSigma);
        _rng = new Rng((ulong)seed ^ 0x5EEDUL);
        _observation = new float[spec.ObservationSize];
        _env.Reset(seed);
    }

    /// <summary>The replay pool.</summary>
    public ReplayBuffer Replay => _replay;
    /// <summary>Env steps taken.</summary>
    public long EnvSteps { get; private set; }
    /// <summary>Epochs completed.</summary>
    public int Epoch { get; private set; }

    /// <summary>Runs one epoch of <see cref="TrainerSettings.EpochLength"/> env steps, then the evaluation.</summary>
    public EpochResult RunEpoch()
    {
        double qLoss = 0, policyLoss = 0, meanQ = 0, returns = 0;
        int updates = 0, episodes = 0, obsDim = _observation.Length;
        double envSeconds = 0, learnSeconds = 0;
        for (int t = 0; t < _settings.EpochLength; t++)
        {
            // act: a = clip(policy sample + OU state, [−1, 1])
            long start = Stopwatch.GetTimestamp();
            _env.Observations.CopyTo(_observation, 0);
            _agent.Act(_env.Observations, _env.Actions, 1);
            if (_settings.OuSigma > 0) _noise.Perturb(_env.Actions, _rng);
            _env.Step();
            EnvSteps++;

            // store (s, a, r, s′, terminal); after an episode ends s′ is its final observation, not the reset one
            bool done = _env.Terminated[0] || _env.Truncated[0];
            var next = done ? _env.FinalObservations.AsSpan(0, obsDim) : _env.Observations.AsSpan(0, obsDim);
            _replay.Add(_observation, _env.Actions, (float)_env.Rewards[0], next, _env.Terminated[0]);
            _trainingReturn += _env.Rewards[0];
            if (done)
            {
                (returns, episodes, _trainingReturn) = (returns + _trainingReturn, episodes + 1, 0);
                _noise.Reset(0);
            }
            long stepped = Stopwatch.GetTimestamp();
            envSeconds += Stopwatch.GetElapsedTime(start, stepped).TotalSeconds;

            if (_replay.Count < _settings.MinPoolSize) continue;
            for (int u = 0; u < _settings.UpdatesPerStep; u++)
            {
                _replay.Sample(_rng, _batch);
                var stats = _agent.Update(_batch);
                (qLoss, policyLoss, meanQ, updates) = (qLoss + stats.QLoss, policyLoss + stats.PolicyLoss, meanQ + stats.MeanQ, updates + 1);
            }
            learnSeconds += Stopwatch.GetElapsedTime(stepped).TotalSeconds;
        }

        var evaluation = Evaluate(_seed + 1_000_000 + Epoch * _settings.EvaluationEpisodes);
        Epoch++;
        double Mean(double sum, int count) => count > 0 ? sum / count : double.NaN;
        return new EpochResult(Epoch, EnvSteps, _agent.Updates, evaluation, Mean(qLoss, updates), Mean(policyLoss, updates),
            Mean(meanQ, updates), _settings.EpochLength / envSeconds, updates > 0 ? updates / learnSeconds : 0, episodes, Mean(returns, episodes));
    }

    /// <summary>Evaluation episodes of the current policy (no exploration noise), in parallel.</summary>
    public EpisodeStats[] Evaluate(int seed) => Evaluator.Run(_evaluationEnvs, _agent, seed, _settings.Discount);

    public void Dispose()
    {
        _env.Dispose();
        _evaluationEnvs.Dispose();
    }
}
