using System.Diagnostics;
using System.Text.Json.Nodes;
using SoftQRobotics.Envs.Vector;
using SoftQRobotics.Learning.Blas;
using SoftQRobotics.Learning.Agents;
using SoftQRobotics.Learning.Nn;
using SoftQRobotics.Pipelines.Training;
using SoftQRobotics.Pipelines.Logging;
using SoftQRobotics.Pipelines.Video;

namespace SoftQRobotics.Pipelines;

/// <summary>Receives training progress (the CLI draws it).</summary>
public interface ITrainingProgress
{
    /// <summary>Called every 100 env steps.</summary>
    void Step(int epoch, int epochs, int stepInEpoch, int epochLength);

    /// <summary>Called after every epoch with its metrics row and the task's outcome of its evaluation (null if it could not be judged).</summary>
    void EpochDone(int epochs, EpochMetrics metrics, TaskOutcome? outcome);
}

/// <summary>
/// A training run in its run directory: trains from scratch (<see cref="Start"/>), continues a
/// checkpointed run (<see cref="Resume"/>) or fine-tunes a pretrained one (<see cref="StartFinetune"/>).
/// Writes a metrics row and the evaluation traces after every epoch and a checkpoint every
/// <c>checkpoint_every</c> epochs, at the end and on cancellation (Ctrl-C).
/// </summary>
public sealed class TrainingRun : IDisposable
{
    private const int ModeTrain = 0, ModeFinetune = 1;

    private readonly RunDirectory _run;
    private readonly RunConfig _config;
    private readonly IAgent _agent;
    private readonly OffPolicyTrainer _trainer;
    private readonly int _mode;
    private readonly TensorBoardWriter _tensorBoard;
    private double _minDistanceSoFar = double.PositiveInfinity, _finalDistanceSoFar = double.PositiveInfinity;
    private double _wallSeconds;
    private TaskOutcome? _lastOutcome;

    /// <summary>How this session's GEMM backend was chosen, as the caller said (null: not said, e.g. the agent learns on a GPU).</summary>
    public GemmChoice? GemmChoice { get; private set; }

    private TrainingRun(RunDirectory run, RunConfig config, IAgent agent, OffPolicyTrainer trainer, int mode)
    {
        (_run, _config, _agent, _trainer, _mode) = (run, config, agent, trainer, mode);
        _tensorBoard = new TensorBoardWriter(run.Path);
    }

    /// <summary>The run folder.</summary>
    public RunDirectory Directory => _run;

    /// <summary>Creates a run directory and a fresh agent for <paramref name="config"/>.</summary>
    /// <param name="name">run name stem, e.g. the config file's name</param>
    /// <param name="agent">the agent to train (a GPU engine's seed, see docs/gpu.md); null: a fresh CPU-engine agent</param>
    /// <param name="device">where the agent learns, for run.json ("cpu" when null)</param>
    /// <param name="gemm">how the process chose its GEMM backend (<see cref="AgentFactory.UseFastestGemm"/>), for run.json</param>
    public static TrainingRun Start(RunConfig config, string name, string? runDirectory, string command, IAgent? agent = null, string? device = null, GemmChoice? gemm = null)
    {
        var run = RunDirectory.Create(runDirectory, name, config.Seed);
        agent ??= AgentFactory.Create(config);
        var training = new TrainingRun(run, config, agent, AgentFactory.CreateTrainer(config, agent), ModeTrain) { GemmChoice = gemm };
        training.WriteHeader(command, name, finetunedFrom: null, device ?? "cpu");
        return training;
    }

    /// <summary>
    /// Fine-tuning (docs/implementation-details.md, "Fine-tuning"): the pretrained run's Q-function and sampler (or DDPG actor and
    /// critic) with a new replay pool and new optimiser state; learning starts after
    /// <c>finetune_min_pool_size</c> transitions; SQL anneals α and the frozen ξ set and uses the
    /// hard-max target. The network widths come from the pretrained run.
    /// </summary>
    /// <param name="gemm">how the process chose its GEMM backend, for run.json</param>
    public static TrainingRun StartFinetune(RunConfig config, string pretrainedDirectory, string name, string? runDirectory, string command, GemmChoice? gemm = null)
    {
        config.ValidateForFinetune("finetune config");
        var source = RunDirectory.Open(pretrainedDirectory);
        var pretrained = source.LoadConfig();
        if (pretrained.Algorithm != config.Algorithm)
        {
            throw new InvalidDataException($"{pretrainedDirectory} trained {RunConfig.SnakeCase(pretrained.Algorithm.ToString())} but the config asks for {RunConfig.SnakeCase(config.Algorithm.ToString())}");
        }
        var (from, to) = (Envs.TaskRegistry.Get(pretrained.Task).Spec, Envs.TaskRegistry.Get(config.Task).Spec);
        if ((from.ObservationSize, from.ActionSize) != (to.ObservationSize, to.ActionSize))
        {
            throw new InvalidDataException($"cannot fine-tune {pretrained.Task} ({from.ObservationSize}-d observations, {from.ActionSize} actions) on {config.Task} ({to.ObservationSize}, {to.ActionSize})");
        }
        config = config with { Learner = config.Learner with { HiddenSizes = pretrained.Learner.HiddenSizes } };
        var tensors = source.LoadCheckpoint();

        var run = RunDirectory.Create(runDirectory, name, config.Seed);
        var agent = AgentFactory.Create(config);
        agent.LoadNetworks(tensors, source.CheckpointFile);
        var trainer = AgentFactory.CreateTrainer(config, agent, new FinetuneSchedule(config));
        var training = new TrainingRun(run, config, agent, trainer, ModeFinetune) { GemmChoice = gemm };
        training.WriteHeader(command, name, finetunedFrom: source.Path, "cpu");
        return training;
    }

    /// <summary>Continues a run from its last checkpoint; metric rows written after it are dropped.</summary>
    /// <param name="threads">learner threads for this session (null: as configured); results do not depend on it</param>
    /// <param name="agent">the agent to continue (a GPU engine's seed); null: a CPU-engine agent</param>
    /// <param name="gemm">how the process chose its GEMM backend for this session, for run.json</param>
    public static TrainingRun Resume(string runDirectory, int? epochs, int? threads = null, IAgent? agent = null, GemmChoice? gemm = null)
    {
        var run = RunDirectory.Open(runDirectory);
        var config = run.LoadConfig();
        if (epochs is { } e) config = config with { Epochs = e };
        if (threads is { } t) config = config with { Threads = t };
        var tensors = run.LoadCheckpoint();
        agent ??= AgentFactory.Create(config);
        agent.LoadState(tensors, run.CheckpointFile);
        int mode = (int)CheckpointCounters.Read(tensors, "run_mode", run.CheckpointFile, legacyTensor: "run_mode", legacyIndex: 0, legacyLength: 1);
        var trainer = AgentFactory.CreateTrainer(config, agent, mode == ModeFinetune ? new FinetuneSchedule(config) : null);
        trainer.LoadState(tensors, run.CheckpointFile);
        var training = new TrainingRun(run, config, agent, trainer, mode) { GemmChoice = gemm };

        run.TruncateMetrics(trainer.Epoch);
        training._tensorBoard.WriteSessionStart(trainer.EnvSteps);   // TensorBoard drops what the earlier file logged after the checkpoint
        var rows = run.ReadMetrics();
        if (rows.Count > 0)
        {
            (training._minDistanceSoFar, training._wallSeconds) = (rows[^1].MinDistanceSoFar, rows[^1].WallSeconds);
            training._finalDistanceSoFar = rows[^1].FinalDistanceSoFar;
        }
        var info = run.ReadRunInfo();
        info["status"] = "running";
        info["resumed"] = (info["resumed"]?.GetValue<int>() ?? 0) + 1;
        info["gemm_choice"] = gemm?.ToJson();   // this session's (a resume may run on another machine)
        if (info["versions"] is JsonObject versions) versions["gemm"] = Gemm.Describe(Gemm.Active);
        run.WriteRunInfo(info);
        if (epochs is not null) File.WriteAllText(run.ConfigFile, config.ToYaml());
        return training;
    }

    /// <summary>Epochs completed.</summary>
    public int CompletedEpochs => _trainer.Epoch;

    /// <summary>Trains until the configured epochs are done or <paramref name="cancel"/> fires; checkpoints either way.</summary>
    /// <returns>true if all epochs finished, false if interrupted</returns>
    public bool Run(CancellationToken cancel, ITrainingProgress? progress = null)
    {
        bool sinceCheckpoint = false;
        while (_trainer.Epoch < _config.Epochs)
        {
            long start = Stopwatch.GetTimestamp();
            int epoch = _trainer.Epoch + 1;
            var result = _trainer.RunEpoch(cancel, step => progress?.Step(epoch, _config.Epochs, step, _config.Trainer.EpochLength));
            _wallSeconds += Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (result is null)
            {
                Checkpoint("interrupted");
                return false;
            }
            var row = MetricsRow(result);
            _run.AppendMetrics(row);
            _tensorBoard.WriteScalars(result.EnvSteps, MetricTags.Scalars(row));
            _run.WriteEvaluationTraces(result.Epoch, result.Evaluation);
            _run.WriteEvaluationEpisodes(result.Epoch, result.Evaluation);
            if (_config.Video.Every > 0 && result.Epoch % _config.Video.Every == 0) RecordVideo(result.Epoch);
            sinceCheckpoint = true;
            if (result.Epoch % _config.CheckpointEvery == 0)
            {
                Checkpoint("running");
                sinceCheckpoint = false;
            }
            progress?.EpochDone(_config.Epochs, row, _lastOutcome);
        }
        if (sinceCheckpoint || !File.Exists(_run.CheckpointFile)) Checkpoint("completed");
        else SetStatus("completed");
        return true;
    }

    private EpochMetrics MetricsRow(EpochResult r)
    {
        var eval = r.Evaluation;
        try
        {
            _lastOutcome = Envs.TaskRegistry.Get(_config.Task).Outcome(eval);
        }
        catch (ArgumentException e)
        {
            _lastOutcome = null;   // the epoch's row keeps NaN outcome columns
            Console.Error.WriteLine($"softq: epoch {r.Epoch}: no outcome: {e.Message}");
        }

        // progress: centre-of-mass x at the last step minus at the first (the trace starts with the initial state)
        var progressPerEpisode = eval.Select(e => e.Final.ComX - e.ComTrace[0]).ToArray();
        double minDistance = eval.Min(e => e.MinDistanceToGoal);
        if (!double.IsNaN(minDistance)) _minDistanceSoFar = Math.Min(_minDistanceSoFar, minDistance);

        // the authors' Fig. 3b statistic: the smallest final distance over the episodes, as a running minimum over epochs
        double finalDistance = eval.Min(e => e.Final.DistanceToGoal);
        if (!double.IsNaN(finalDistance)) _finalDistanceSoFar = double.IsNaN(_finalDistanceSoFar) ? finalDistance : Math.Min(_finalDistanceSoFar, finalDistance);
        return new EpochMetrics
        {
            Epoch = r.Epoch,
            EnvSteps = r.EnvSteps,
            GradientSteps = r.GradientSteps,
            AverageReturn = r.AverageReturn,
            AverageDiscountedReturn = r.AverageDiscountedReturn,
            AverageEpisodeLength = r.AverageEpisodeLength,
            MinReturn = eval.Min(e => e.Return),
            MaxReturn = eval.Max(e => e.Return),
            QLoss = r.MeanQLoss,
            PolicyLoss = double.IsNaN(r.MeanSteinDirectionNorm) ? r.MeanActorLoss : r.MeanSteinDirectionNorm,
            SteinDirectionNorm = r.MeanSteinDirectionNorm,
            ActorLoss = r.MeanActorLoss,
            QSpreadOverAlpha = r.MeanQSpreadOverAlpha,
            ParticleMinorityFraction = r.MeanParticleMinorityFraction,
            ParticleActionStd = r.MeanParticleActionStd,
            MeanQ = r.MeanQ,
            Alpha = _agent.Entropy?.Alpha ?? double.NaN,
            RewardScale = _trainer.RewardScale,
            Particles = _agent.Entropy?.Particles ?? double.NaN,
            EnvStepsPerSecond = r.EnvStepsPerSecond,
            GradientStepsPerSecond = r.GradientStepsPerSecond,
            TrainingEpisodes = r.TrainingEpisodes,
            TrainingReturn = r.MeanTrainingReturn,
            FinalComX = eval.Average(e => e.Final.ComX),
            ProgressMin = progressPerEpisode.Min(),
            ProgressMax = progressPerEpisode.Max(),
            MaxComX = eval.Max(e => e.MaxComX),
            MinComX = eval.Min(e => e.MinComX),
            DistanceToGoal = eval.Average(e => e.Final.DistanceToGoal),
            MinDistanceToGoal = minDistance,
            MinDistanceSoFar = double.IsPositiveInfinity(_minDistanceSoFar) ? double.NaN : _minDistanceSoFar,
            WallSeconds = _wallSeconds,
            FinalDistanceMin = finalDistance,
            FinalDistanceSoFar = double.IsPositiveInfinity(_finalDistanceSoFar) ? double.NaN : _finalDistanceSoFar,
        } is var row && _lastOutcome is { } outcome ? row.WithOutcome(outcome) : row;
    }

    /// <summary>One evaluation episode (stochastic policy, no exploration noise) rendered to videos/epoch_NNNN.mp4, or .gif without ffmpeg.</summary>
    private void RecordVideo(int epoch)
    {
        System.IO.Directory.CreateDirectory(_run.VideosFolder);
        string extension = FfmpegVideoWriter.IsAvailable() ? ".mp4" : ".gif";
        string file = System.IO.Path.Combine(_run.VideosFolder, $"epoch_{epoch:D4}{extension}");
        EpisodeRenderer.Render(Envs.TaskRegistry.Get(_config.Task), _agent,
            new RenderRequest(1, _config.Video.Camera, _config.Video.Width, _config.Video.Height, _config.Seed + 1_000_000 + epoch, file));
    }

    private void WriteHeader(string command, string name, string? finetunedFrom, string device)
    {
        File.WriteAllText(_run.ConfigFile, _config.ToYaml());
        _run.WriteRunInfo(new JsonObject
        {
            ["name"] = name,
            ["seed"] = _config.Seed,
            ["task"] = _config.Task,
            ["algorithm"] = RunConfig.SnakeCase(_config.Algorithm.ToString()),
            ["mode"] = _mode == ModeFinetune ? "finetune" : "train",
            ["finetuned_from"] = finetunedFrom,
            ["device"] = device,
            ["command"] = command,
            ["started"] = DateTime.UtcNow.ToString("O"),
            ["status"] = "running",
            ["versions"] = RunDirectory.Versions(),
            ["gemm_choice"] = GemmChoice?.ToJson(),
        });
    }

    private void Checkpoint(string status)
    {
        _run.SaveCheckpoint(_agent, _trainer, _config.SaveReplayBuffer, _mode);
        SetStatus(status);
    }

    private void SetStatus(string status)
    {
        var info = _run.ReadRunInfo();
        info["status"] = status;
        info["epochs_completed"] = _trainer.Epoch;
        info["env_steps"] = _trainer.EnvSteps;
        _run.WriteRunInfo(info);
    }

    public void Dispose()
    {
        _trainer.Dispose();
        _tensorBoard.Dispose();
    }
}
