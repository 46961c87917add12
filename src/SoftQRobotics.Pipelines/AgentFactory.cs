using SoftQRobotics.Core;
using SoftQRobotics.Envs;
using SoftQRobotics.Learning.Agents;
using SoftQRobotics.Learning.Blas;
using SoftQRobotics.Learning.Replay;
using SoftQRobotics.Pipelines.Training;

namespace SoftQRobotics.Pipelines;

/// <summary>Builds the agent and the trainer a config describes.</summary>
public static class AgentFactory
{
    /// <summary>A fresh SQL or DDPG agent sized for the config's task, with the config's learner section.</summary>
    public static IAgent Create(RunConfig config)
    {
        var spec = TaskRegistry.Get(config.Task).Spec;
        ulong seed = AgentSeed(config.Seed);
        int actBatch = config.Trainer.EvaluationEpisodes;
        return config.Learner switch
        {
            SqlSettings sql => new SoftQLearning(spec.ObservationSize, spec.ActionSize, sql, seed, actBatch, config.LearnerThreads),
            DdpgSettings ddpg => new Ddpg(spec.ObservationSize, spec.ActionSize, ddpg, seed, actBatch),
            var other => throw new InvalidOperationException($"no agent for {other.GetType().Name}"),
        };
    }

    /// <summary>
    /// Chooses the GEMM backend a CPU-engine agent of <paramref name="config"/> trains fastest with on this machine and switches
    /// to it (SOFTQ_GEMM=auto, the default; a forced one otherwise): the products of one update of a throwaway agent, measured
    /// on every installed backend or read from the cache (docs/performance.md, "Choosing the backend").
    /// </summary>
    /// <param name="report">told one line when the cache could not be used</param>
    public static GemmChoice UseFastestGemm(RunConfig config, Action<string>? report = null)
    {
        var choice = GemmSelection.Choose(RunConfig.SnakeCase(config.Algorithm.ToString()), () =>
        {
            var spec = TaskRegistry.Get(config.Task).Spec;
            var probe = Create(config with { Threads = 1 });
            var batch = new TransitionBatch(config.Learner.BatchSize, spec.ObservationSize, spec.ActionSize);
            var rng = new Rng(1);
            rng.FillUniform(batch.Observations, -1, 1);
            rng.FillUniform(batch.Actions, -1, 1);
            rng.FillUniform(batch.Rewards, -1, 1);
            rng.FillUniform(batch.NextObservations, -1, 1);
            return GemmSelection.RecordUpdate(probe, batch);
        }, report: report);
        Gemm.Use(choice.Backend);
        return choice;
    }

    /// <summary>The seed of the agent's own generator (initialisation and draws) for run seed <paramref name="runSeed"/>.</summary>
    public static ulong AgentSeed(int runSeed) => (ulong)runSeed * 2654435761UL + 17;

    /// <summary>The agent a run's last checkpoint holds, with the checkpoint's tensors.</summary>
    /// <exception cref="InvalidDataException">no checkpoint, or a corrupt one.</exception>
    public static (IAgent Agent, Dictionary<string, float[]> Tensors) FromCheckpoint(RunDirectory run, RunConfig config)
    {
        var tensors = run.LoadCheckpoint();
        var agent = Create(config);
        agent.LoadState(tensors, run.CheckpointFile);
        return (agent, tensors);
    }

    /// <summary>The interaction loop for the config; <paramref name="schedule"/> runs before every epoch (fine-tuning).</summary>
    public static OffPolicyTrainer CreateTrainer(RunConfig config, IAgent agent, IEpochSchedule? schedule = null) =>
        new(TaskRegistry.Get(config.Task), agent, config.Trainer, config.Seed, schedule);
}
