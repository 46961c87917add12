using SoftQRobotics.Core;
using System.Diagnostics;
using SoftQRobotics.Envs;
using SoftQRobotics.Envs.Vector;
using SoftQRobotics.Learning.Agents;
using SoftQRobotics.Learning.Nn;
using SoftQRobotics.Learning.Replay;

namespace SoftQRobotics.Pipelines.Training;

/// <summary>Changes training settings from epoch to epoch (fine-tuning's annealing); the trainer applies it before each epoch's steps.</summary>
public interface IEpochSchedule
{
    /// <summary>Sets what epoch <paramref name="epoch"/> (0-based) trains with.</summary>
    void Apply(int epoch, IAgent agent, OffPolicyTrainer trainer);
}

/// <summary>What one epoch did.</summary>
public sealed record EpochResult(
    int Epoch, long EnvSteps, long GradientSteps, EpisodeStats[] Evaluation, double MeanQLoss, double MeanSteinDirectionNorm, double MeanActorLoss,
    double MeanQ, double EnvStepsPerSecond, double GradientStepsPerSecond, int TrainingEpisodes, double MeanTrainingReturn, double MeanQSpreadOverAlpha = double.NaN,
    double MeanParticleMinorityFraction = double.NaN, double MeanParticleActionStd = double.NaN)
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
/// one gradient step per env step, the env step running beside it; evaluate after each epoch.
/// </summary>
public sealed class OffPolicyTrainer : IDisposable
{
    private readonly TrainerSettings _settings;
    private readonly IAgent _agent;
    private readonly VectorEnv _env, _evaluationEnvs;
    private readonly ReplayBuffer _replay;
    private readonly TransitionBatch[] _batches;   // two: an update reads one while the next is drawn into the other
    private int _nextBatch;
    private bool _nextBatchReady;
    private readonly Action _stepAndStore;         // cached: no allocation per step
    private readonly OuNoise _noise;
    private readonly Rng _rng;
    private readonly float[] _observation;
    private readonly int _seed;
    private double _trainingReturn;

    // the running epoch's accumulators: a cancelled epoch resumes where it stopped
    private int _stepInEpoch, _updatesInEpoch, _episodesInEpoch;
    private double _qLoss, _steinNorm, _actorLoss, _meanQ, _qSpread, _particleMinority, _particleStd, _returns, _envSeconds, _learnSeconds;

    private readonly IEpochSchedule? _schedule;

    /// <summary>The loop for <paramref name="agent"/> on <paramref name="task"/>: minibatches of the agent's N, evaluation returns discounted by its γ.</summary>
    /// <param name="seed">seed of the envs, the exploration noise and the replay sampling</param>
    /// <param name="schedule">applied before every epoch (also before continuing an interrupted one); null: the settings stay</param>
    public OffPolicyTrainer(TaskDefinition task, IAgent agent, TrainerSettings settings, int seed, IEpochSchedule? schedule = null)
    {
        _schedule = schedule;
        _settings = settings;
        _agent = agent;
        _seed = seed;
        var spec = task.Spec;
        _env = new VectorEnv(task, numEnvs: 1, numThreads: 1);
        _evaluationEnvs = new VectorEnv(task, settings.EvaluationEpisodes, numThreads: 0, autoReset: false);
        _replay = new ReplayBuffer(settings.ReplayCapacity, spec.ObservationSize, spec.ActionSize);
        _batches = [new TransitionBatch(agent.Settings.BatchSize, spec.ObservationSize, spec.ActionSize),
                    new TransitionBatch(agent.Settings.BatchSize, spec.ObservationSize, spec.ActionSize)];
        _stepAndStore = StepAndStore;
        _noise = new OuNoise(1, spec.ActionSize, settings.OuTheta, settings.OuSigma);
        _rng = new Rng((ulong)seed ^ 0x5EEDUL);
        _observation = new float[spec.ObservationSize];
        MinPoolSize = settings.MinPoolSize;
        RewardScale = settings.RewardScale;
        _env.Reset(seed);
    }

    /// <summary>The replay pool.</summary>
    public ReplayBuffer Replay => _replay;
    /// <summary>Env steps taken.</summary>
    public long EnvSteps { get; private set; }
    /// <summary>Epochs completed.</summary>
    public int Epoch { get; private set; }

    /// <summary>Transitions required before gradient steps start (fine-tuning raises it).</summary>
    public int MinPoolSize { get; set; }

    /// <summary>Factor applied to rewards as they enter the pool (fine-tuning anneals it); returns stay unscaled.</summary>
    public double RewardScale { get; set; }

    /// <summary>Env steps already taken in the running epoch.</summary>
    public int StepInEpoch => _stepInEpoch;

    /// <summary>
    /// Runs (the rest of) one epoch of <see cref="TrainerSettings.EpochLength"/> env steps, then the
    /// evaluation. Returns null if <paramref name="cancel"/> fired first: the epoch can be continued
    /// (or checkpointed and resumed) later.
    /// </summary>
    /// <param name="progress">called every 100 env steps with the steps done in this epoch</param>
    public EpochResult? RunEpoch(CancellationToken cancel = default, Action<int>? progress = null)
    {
        _schedule?.Apply(Epoch, _agent, this);
        while (_stepInEpoch < _settings.EpochLength)
        {
            if (cancel.IsCancellationRequested) return null;

            // act: a = clip(policy sample + OU state, [−1, 1]), with the parameters of the last update
            long start = Stopwatch.GetTimestamp();
            _env.Observations.CopyTo(_observation, 0);
            _agent.Act(_env.Observations, _env.Actions, 1);
            if (_settings.OuSigma > 0) _noise.Perturb(_env.Actions, _rng);
            _envSeconds += Stopwatch.GetElapsedTime(start).TotalSeconds;

            // learn once the pool, with this step's transition, holds MinPoolSize: each update on a minibatch
            // of the pool as it stood before this step, while beside it the env steps, the transition is
            // stored and the next minibatch is drawn (docs/implementation-details.md, "Trainer order")
            if (_replay.Count == 0 || _replay.Count + 1 < MinPoolSize)
            {
                _nextBatchReady = false;   // MinPoolSize may have risen since it was drawn (fine-tuning)
                StepAndStore();
            }
            else
            {
                long learning = Stopwatch.GetTimestamp();
                for (int u = 0; u < _settings.UpdatesPerStep; u++)
                {
                    var stats = _agent.Update(NextBatch(), u == 0 ? _stepAndStore : null);
                    (_qLoss, _steinNorm, _actorLoss, _meanQ, _updatesInEpoch) = (_qLoss + stats.QLoss, _steinNorm + stats.SteinDirectionNorm, _actorLoss + stats.ActorLoss, _meanQ + stats.MeanQ, _updatesInEpoch + 1);
                    (_qSpread, _particleMinority, _particleStd) = (_qSpread + stats.QSpreadOverAlpha, _particleMinority + stats.ParticleMinorityFraction, _particleStd + stats.ParticleActionStd);
                }
                _learnSeconds += Stopwatch.GetElapsedTime(learning).TotalSeconds;
            }
            if (progress is not null && _stepInEpoch % 100 == 0) progress(_stepInEpoch);
        }

        var evaluation = Evaluate(_seed + 1_000_000 + Epoch * _settings.EvaluationEpisodes);
        Epoch++;
        int updates = _updatesInEpoch, episodes = _episodesInEpoch;
        double Mean(double sum, int count) => count > 0 ? sum / count : double.NaN;
        var result = new EpochResult(Epoch, EnvSteps, _agent.Updates, evaluation, Mean(_qLoss, updates), Mean(_steinNorm, updates), Mean(_actorLoss, updates),
            Mean(_meanQ, updates), _stepInEpoch / Math.Max(_envSeconds, 1e-9), updates > 0 ? updates / _learnSeconds : 0, episodes, Mean(_returns, episodes), Mean(_qSpread, updates),
            Mean(_particleMinority, updates), Mean(_particleStd, updates));
        (_stepInEpoch, _updatesInEpoch, _episodesInEpoch) = (0, 0, 0);
        (_qLoss, _steinNorm, _actorLoss, _meanQ, _qSpread, _particleMinority, _particleStd) = (0, 0, 0, 0, 0, 0, 0);
        (_returns, _envSeconds, _learnSeconds) = (0, 0, 0);
        return result;
    }

    /// <summary>
    /// Steps the env with the chosen action and stores (s, a, scale·r, s′, terminal); after an episode
    /// ends s′ is its final observation, not the reset one. Then, if the next step will learn, draws its
    /// minibatch. Runs beside an update (on the agent's worker thread when it has one): it touches only
    /// the env, the pool, the batch not in use and the trainer's counters.
    /// </summary>
    private void StepAndStore()
    {
        long start = Stopwatch.GetTimestamp();
        int obsDim = _observation.Length;
        _env.Step();
        EnvSteps++;
        _stepInEpoch++;
        bool done = _env.Terminated[0] || _env.Truncated[0];
        var next = done ? _env.FinalObservations.AsSpan(0, obsDim) : _env.Observations.AsSpan(0, obsDim);
        _replay.Add(_observation, _env.Actions, (float)(RewardScale * _env.Rewards[0]), next, _env.Terminated[0]);
        _trainingReturn += _env.Rewards[0];
        if (done)
        {
            (_returns, _episodesInEpoch, _trainingReturn) = (_returns + _trainingReturn, _episodesInEpoch + 1, 0);
            _noise.Reset(0);
        }
        if (_replay.Count + 1 >= MinPoolSize)
        {
            _replay.Sample(_rng, _batches[_nextBatch]);
            _nextBatchReady = true;
        }
        _envSeconds += Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <summary>The minibatch the next update learns on: the one drawn beside the last update, or one drawn now; the other buffer is then free for the next draw.</summary>
    private TransitionBatch NextBatch()
    {
        var batch = _batches[_nextBatch];
        if (!_nextBatchReady) _replay.Sample(_rng, batch);
        (_nextBatchReady, _nextBatch) = (false, 1 - _nextBatch);
        return batch;
    }

    /// <summary>The trainer's own state for a checkpoint: counters, RNG, exploration noise and (optionally) the replay pool.</summary>
    public IEnumerable<(string Name, float[] Values)> SaveState(bool includeReplay)
    {
        yield return CheckpointCounters.Entry("env_steps", EnvSteps);
        yield return CheckpointCounters.Entry("epoch", Epoch);
        yield return CheckpointCounters.Entry("step_in_epoch", _stepInEpoch);
        yield return CheckpointCounters.Entry("replay_count", _replay.Count);
        yield return CheckpointCounters.Entry("replay_next", _replay.Next);
        yield return CheckpointCounters.Entry("replay_saved", includeReplay ? 1 : 0);
        yield return ("trainer_rng", BitPacking.FromUInt64(_rng.State));
        yield return ("trainer_ou", _noise.State);
        if (!includeReplay) yield break;
        yield return ("replay_observations", _replay.Observations);
        yield return ("replay_actions", _replay.Actions);
        yield return ("replay_rewards", _replay.Rewards);
        yield return ("replay_next_observations", _replay.NextObservations);
        yield return ("replay_terminals", _replay.Terminals.Select(t => t ? 1f : 0f).ToArray());
    }

    /// <summary>Epochs completed when the checkpoint <paramref name="tensors"/> was written.</summary>
    public static int EpochOf(Dictionary<string, float[]> tensors, string source) => (int)Counter(tensors, "epoch", source);

    private static long Counter(Dictionary<string, float[]> tensors, string name, string source)
    {
        string[] legacyOrder = ["env_steps", "epoch", "step_in_epoch", "replay_count", "replay_next", "replay_saved"];
        return CheckpointCounters.Read(tensors, name, source, "trainer_counters", Array.IndexOf(legacyOrder, name), legacyOrder.Length);
    }

    /// <summary>
    /// Restores what <see cref="SaveState"/> wrote. The env starts a fresh episode (a MuJoCo state
    /// mid-episode is not checkpointed); without a saved replay pool, learning pauses until it
    /// again holds <see cref="MinPoolSize"/> transitions.
    /// </summary>
    public void LoadState(Dictionary<string, float[]> tensors, string source)
    {
        (EnvSteps, Epoch, _stepInEpoch) = (Counter(tensors, "env_steps", source), (int)Counter(tensors, "epoch", source), (int)Counter(tensors, "step_in_epoch", source));
        _rng.State = BitPacking.ToUInt64(ParameterFile.Take(tensors, "trainer_rng", 4, source));
        ParameterFile.Restore(tensors, "trainer_ou", _noise.State, source);
        if (Counter(tensors, "replay_saved", source) == 1)
        {
            ParameterFile.Restore(tensors, "replay_observations", _replay.Observations, source);
            ParameterFile.Restore(tensors, "replay_actions", _replay.Actions, source);
            ParameterFile.Restore(tensors, "replay_rewards", _replay.Rewards, source);
            ParameterFile.Restore(tensors, "replay_next_observations", _replay.NextObservations, source);
            var terminals = new float[_replay.Capacity];
            ParameterFile.Restore(tensors, "replay_terminals", terminals, source);
            for (int i = 0; i < terminals.Length; i++) _replay.Terminals[i] = terminals[i] != 0;
            _replay.RestorePosition((int)Counter(tensors, "replay_count", source), (int)Counter(tensors, "replay_next", source));
        }
        (_trainingReturn, _nextBatchReady) = (0, false);
        _noise.Reset(0);
        _env.Reset(_seed + 7919 * (Epoch + 1) + _stepInEpoch);
    }

    /// <summary>Evaluation episodes of the current policy (no exploration noise), in parallel.</summary>
    public EpisodeStats[] Evaluate(int seed) => Evaluator.Run(_evaluationEnvs, _agent, seed, _agent.Settings.Discount);

    public void Dispose()
    {
        _env.Dispose();
        _evaluationEnvs.Dispose();
    }
}
