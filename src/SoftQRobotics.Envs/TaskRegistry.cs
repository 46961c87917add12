using SoftQRobotics.Envs.Mujoco;
using SoftQRobotics.Envs.Tasks;
using SoftQRobotics.Envs.Vector;
using SoftQRobotics.Mujoco;

namespace SoftQRobotics.Envs;

/// <summary>A named task: its spec and a factory for envs. MuJoCo tasks compile their model once and share it.</summary>
public abstract class TaskDefinition
{
    /// <summary>Sizes, bounds and horizon.</summary>
    public abstract EnvSpec Spec { get; }

    /// <summary>A new env of this task (call Reset before stepping it).</summary>
    public abstract IEnv CreateEnv();

    /// <summary>The MJCF the task runs on (for arenas, the generated document), or null for pure C# tasks.</summary>
    public virtual string? ModelXml => null;

    /// <summary>The compiled model shared by the task's envs, or null for pure C# tasks.</summary>
    public virtual MjModel? Model => null;

    /// <summary>What <paramref name="episodes"/> of this task achieved in the paper's terms (the task file says what success is).</summary>
    /// <exception cref="ArgumentException">no episodes, or a non-finite value the outcome reads (one line).</exception>
    public abstract TaskOutcome Outcome(IReadOnlyList<EpisodeStats> episodes);

    /// <summary>What a run's <see cref="TaskOutcome.Succeeded"/> means for this task (e.g. "reach every goal"), null where the paper reports means.</summary>
    public abstract string? Success { get; }
}

/// <summary>The task catalogue, by command-line name.</summary>
public static class TaskRegistry
{
    private static readonly Dictionary<string, Lazy<TaskDefinition>> Tasks = new[]
    {
        Pure("multigoal", () => new MultiGoal(), MultiGoal.Outcome, GoalsOutcome.Success),
        Physics("swimmer-finish-line", () => new SwimmerFinishLine()),
        Physics("ant-open", () => new AntOpen()),
        Physics("ant-maze", () => new AntMaze()),
        Physics("ant-hallway-wide", () => new AntHallway("wide")),
        Physics("ant-hallway-narrow", () => new AntHallway("narrow")),
        Physics("ant-u-maze", () => new AntUMaze()),
    }.ToDictionary(t => t.Name, t => t.Definition);

    /// <summary>Task names in catalogue order.</summary>
    public static IReadOnlyList<string> Names { get; } = Tasks.Keys.ToArray();

    /// <summary>The task called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">no such task; the message lists the known ones.</exception>
    public static TaskDefinition Get(string name) =>
        Tasks.TryGetValue(name, out var task)
            ? task.Value
            : throw new KeyNotFoundException($"unknown task '{name}'; known tasks: {string.Join(", ", Names)}");

    private static (string Name, Lazy<TaskDefinition> Definition) Pure(string name, Func<IEnv> create, Func<IReadOnlyList<EpisodeStats>, TaskOutcome> outcome, string? success) =>
        (name, new Lazy<TaskDefinition>(() => new PureTask(create, outcome, success)));

    // tasks are built on first use, so a broken arena table fails that task's lookup with its own message
    private static (string Name, Lazy<TaskDefinition> Definition) Physics(string name, Func<MujocoTask> create) =>
        (name, new Lazy<TaskDefinition>(() =>
        {
            var task = create();
            return task.Spec.Name == name ? new PhysicsTask(task) : throw new InvalidOperationException($"task '{name}' declares the name '{task.Spec.Name}'");
        }));

    private sealed class PureTask(Func<IEnv> create, Func<IReadOnlyList<EpisodeStats>, TaskOutcome> outcome, string? success) : TaskDefinition
    {
        private readonly EnvSpec _spec = create().Spec;
        public override EnvSpec Spec => _spec;
        public override IEnv CreateEnv() => create();
        public override TaskOutcome Outcome(IReadOnlyList<EpisodeStats> episodes) => outcome(episodes);
        public override string? Success => success;
    }

    private sealed class PhysicsTask : TaskDefinition
    {
        private readonly MujocoTask _task;
        private readonly string _xml;
        private readonly MjModel _model;

        public PhysicsTask(MujocoTask task)
        {
            _task = task;
            _xml = task.BuildModelXml();
            _model = MjModel.FromXmlString(_xml);
            task.Bind(_model);
        }

        public override EnvSpec Spec => _task.Spec;
        public override IEnv CreateEnv() => new MujocoEnv(_task, _model);
        public override TaskOutcome Outcome(IReadOnlyList<EpisodeStats> episodes) => _task.Outcome(episodes);
        public override string? Success => _task.Success;
        public override string ModelXml => _xml;
        public override MjModel Model => _model;
    }
}
