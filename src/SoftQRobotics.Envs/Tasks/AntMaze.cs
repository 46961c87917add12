using SoftQRobotics.Envs.Arenas;
using SoftQRobotics.Envs.Vector;
using SoftQRobotics.Mujoco;

namespace SoftQRobotics.Envs.Tasks;

/// <summary>
/// Two-choice maze (docs/tasks.md, "Ant"): goal at (8, 0) reachable only through the lower passage; reward
/// 10·exp(−b·d²) with 0.1 at the start, minus the maze's (10× smaller) control and contact costs, + 0.05.
/// </summary>
public sealed class AntMaze() : AntTask(ArenaTable.Load("ant-maze"), controlCost: 0.5e-3, contactCost: 0.5e-4)
{
    private Lazy<double>? _threshold;

    /// <inheritdoc/>
    public override EnvSpec Spec { get; } = AntSpec("ant-maze", "ant in the two-choice maze, Gaussian reward around the goal (8, 0)");

    /// <inheritdoc/>
    protected override RewardTerms TaskTerm(MjData d) => new() { Goal = GoalReward(d, startReward: 0.1) };

    /// <summary>The Fig. 3b threshold: the closest a robot of this model's torso radius gets to the goal in the upper passage.</summary>
    public double UpperPassageThreshold => _threshold?.Value ?? throw new InvalidOperationException("ant-maze: Bind the task to its model first");

    /// <inheritdoc/>
    public override void Bind(MjModel model)
    {
        base.Bind(model);
        double torsoRadius = model.GeomSize[3 * model.Id(MjObjectType.Geom, "torso_geom")];
        _threshold = new Lazy<double>(() => MazeThreshold.Compute(Arena!, torsoRadius).Distance);
    }

    /// <summary>Success in Fig. 3b: how close the episodes end to the target, and how many end below the upper-passage threshold.</summary>
    public override TaskOutcome Outcome(IReadOnlyList<EpisodeStats> episodes) => ThresholdOutcome.From(episodes, UpperPassageThreshold);

    /// <inheritdoc/>
    public override string? Success => ThresholdOutcome.Success;
}
