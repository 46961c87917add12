using SoftQRobotics.Envs;
using SoftQRobotics.Learning.Agents;
using SoftQRobotics.Learning.Nn;
using SoftQRobotics.Pipelines.Training;

namespace SoftQRobotics.Pipelines;

/// <summary>Builds the agent and the trainer a config describes.</summary>
public static class AgentFactory
{
    /// <summary>A fresh SQL or DDPG agent sized for the config's task.</summary>
    public static IAgent Create(RunConfig config)
    {
        var spec = TaskRegistry.Get(config.Task).Spec;
        ulong seed = (ulong)config.Seed * 2654435761UL + 17;
        int actBatch = Math.Max(config.EvaluationEpisodes, 1);
        return config.Algorithm switch
        {
            AlgorithmName.Sql => new SoftQLearning(spec.ObservationSize, spec.ActionSize, new SqlSettings
            {
                HiddenSizes = config.HiddenSizes,
                Particles = config.Particles,
                ValueParticles = config.ValueParticles,
                Alpha = config.Alpha,
                TargetUpdateInterval = config.TargetUpdateInterval,
                BatchSize = config.BatchSize,
                QLearningRate = (float)config.QLearningRate,
                PolicyLearningRate = (float)config.PolicyLearningRate,
                Discount = config.Discount,
                Kernel = config.KernelBandwidth,
                MaxActBatch = actBatch,
            }, seed),
            _ => new Ddpg(spec.ObservationSize, spec.ActionSize, new DdpgSettings
            {
                HiddenSizes = config.HiddenSizes,
                TargetUpdateInterval = config.TargetUpdateInterval,
                BatchSize = config.BatchSize,
                QLearningRate = (float)config.QLearningRate,
                PolicyLearningRate = (float)config.PolicyLearningRate,
                Discount = config.Discount,
                MaxActBatch = actBatch,
            }, seed),
        };
    }

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
        new(TaskRegistry.Get(config.Task), agent, new TrainerSettings
        {
            EpochLength = config.EpochLength,
            MinPoolSize = config.MinPoolSize,
            ReplayCapacity = config.ReplayCapacity,
            EvaluationEpisodes = config.EvaluationEpisodes,
            OuTheta = config.OuTheta,
            OuSigma = config.OuSigma,
            Discount = config.Discount,
            RewardScale = config.RewardScale,
        }, config.BatchSize, config.Seed, schedule);
}
