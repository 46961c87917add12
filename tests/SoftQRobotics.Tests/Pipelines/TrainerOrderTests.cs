using SoftQRobotics.Envs;
using SoftQRobotics.Learning.Agents;
using SoftQRobotics.Pipelines.Training;

namespace SoftQRobotics.Tests.Pipelines;

/// <summary>The trainer's step order (docs/implementation-details.md, "Trainer order"): the env step runs beside the update, and the thread count changes nothing.</summary>
public class TrainerOrderTests
{
    private static readonly TrainerSettings Settings = new() { EpochLength = 60, MinPoolSize = 25, ReplayCapacity = 1000, EvaluationEpisodes = 2 };

    private static (EpochResult[] Epochs, Dictionary<string, float[]> Agent, Dictionary<string, float[]> Trainer) Train(string task, Func<TaskDefinition, IAgent> create, int updatesPerStep = 1)
    {
        var definition = TaskRegistry.Get(task);
        var agent = create(definition);
        using var trainer = new OffPolicyTrainer(definition, agent, Settings with { UpdatesPerStep = updatesPerStep }, seed: 5);
        var epochs = new[] { trainer.RunEpoch()!, trainer.RunEpoch()! };
        return (epochs, agent.SaveState().ToDictionary(t => t.Name, t => t.Values), trainer.SaveState(includeReplay: true).ToDictionary(t => t.Name, t => t.Values));
    }

    private static SoftQLearning Sql(TaskDefinition task, int threads) =>
        new(task.Spec.ObservationSize, task.Spec.ActionSize, new SqlSettings { HiddenSizes = [16, 16], Particles = 4, ValueParticles = 6, BatchSize = 8 }, seed: 3, maxActBatch: 4, threads: threads);

    [Theory]
    [InlineData("multigoal", 1)]
    [InlineData("swimmer-finish-line", 1)]
    [InlineData("multigoal", 3)]
    public void TwoLearnerThreads_TrainExactlyAsOne(string task, int updatesPerStep)
    {
        var one = Train(task, t => Sql(t, threads: 1), updatesPerStep);
        var two = Train(task, t => Sql(t, threads: 2), updatesPerStep);
        for (int e = 0; e < 2; e++)
        {
            var (a, b) = (one.Epochs[e], two.Epochs[e]);
            Assert.Equal((a.EnvSteps, a.GradientSteps, a.MeanQLoss, a.MeanQ, a.MeanTrainingReturn, a.AverageReturn), (b.EnvSteps, b.GradientSteps, b.MeanQLoss, b.MeanQ, b.MeanTrainingReturn, b.AverageReturn));
        }
        foreach (var (name, values) in one.Agent) Assert.Equal(values, two.Agent[name]);
        foreach (var (name, values) in one.Trainer) Assert.Equal(values, two.Trainer[name]);   // the pool, its position, the trainer's generator
    }

    /// <summary>
    /// The training loop (act, the update with the env step beside it on the second thread, the next
    /// minibatch) allocates nothing per step: an epoch of 300 steps allocates no more than one of 100
    /// (the same evaluation and epoch bookkeeping), on the caller's thread and on the learner's worker.
    /// </summary>
    [Fact]
    public void TrainingSteps_AllocateNothing_PerStep()
    {
        long EpochAllocation(int length)
        {
            var definition = TaskRegistry.Get("multigoal");
            var agent = Sql(definition, threads: 2);
            using var trainer = new OffPolicyTrainer(definition, agent, Settings with { EpochLength = length, EvaluationEpisodes = 1 }, seed: 5);
            trainer.RunEpoch();   // JIT, the pool's first rows, the worker thread's start
            trainer.RunEpoch();
            long caller = GC.GetAllocatedBytesForCurrentThread(), worker = agent.WorkerAllocatedBytes;
            trainer.RunEpoch();
            return GC.GetAllocatedBytesForCurrentThread() - caller + agent.WorkerAllocatedBytes - worker;
        }
        var (shorter, longer) = (EpochAllocation(100), EpochAllocation(300));
        Assert.True(longer - shorter < 100, $"an epoch of 300 steps allocated {longer} B, one of 100 {shorter} B: {(longer - shorter) / 200.0:F1} B per step");
    }

    /// <summary>As the authors count: the first update at the step whose transition fills the pool to MinPoolSize, one (or UpdatesPerStep) per step after.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void GradientSteps_StartAtTheStepThatFillsThePool(int updatesPerStep)
    {
        var (epochs, _, _) = Train("multigoal", t => Sql(t, threads: 2), updatesPerStep);
        Assert.Equal(updatesPerStep * (60 - 25 + 1), epochs[0].GradientSteps);
        Assert.Equal(updatesPerStep * (120 - 25 + 1), epochs[1].GradientSteps);
        var (ddpg, _, _) = Train("multigoal", t => new Ddpg(t.Spec.ObservationSize, t.Spec.ActionSize, new DdpgSettings { HiddenSizes = [16, 16], BatchSize = 8 }, seed: 3, maxActBatch: 4), updatesPerStep);
        Assert.Equal(updatesPerStep * (120 - 25 + 1), ddpg[1].GradientSteps);
    }
}
