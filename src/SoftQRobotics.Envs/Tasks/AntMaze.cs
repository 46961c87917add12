using SoftQRobotics.Envs.Arenas;
using SoftQRobotics.Envs.Mujoco;
using SoftQRobotics.Envs.Vector;
using SoftQRobotics.Mujoco;

namespace SoftQRobotics.Envs.Tasks;

/// <summary>
/// Two-choice maze (docs/tasks.md, "Ant"): goal at (8, 0) reachable only through the lower passage; reward
/// 10·exp(−b·d²) with 0.1 at the start, minus the maze's (10× smaller) control and contact costs, + 0.05.
/// </summary>
public sealed class AntMaze() : AntTask(ArenaTable.Load("ant-maze"), controlCost: 0.5e-3, contactCost: 0.5e-4)
{
    // the ant model's torso radius is the clearance: computed once per process (a grid search, ~0.1 s)
    private static readonly Lazy<double> Threshold = new(() =>
        MazeThreshold.Compute(ArenaTable.Load("ant-maze"), TorsoRadius(ModelFiles.Read("ant.xml"))).Distance);

    /// <inheritdoc/>
    public override EnvSpec Spec { get; } = AntSpec("ant-maze", "ant in the two-choice maze, Gaussian reward around the goal (8, 0)");

    /// <inheritdoc/>
    protected override RewardTerms TaskTerm(MjData d) => new() { Goal = GoalReward(d, startReward: 0.1) };

    /// <summary>The Fig. 3b threshold: the closest the ant's centre of mass (torso radius from ant.xml) gets to the goal in the upper passage.</summary>
    public static double UpperPassageThreshold => Threshold.Value;

    /// <remarks>With the threshold drawn around the goal: a translucent disc of that radius, visual only.</remarks>
    public override string BuildModelXml()
    {
        var (gx, gy) = Arena!.Goal ?? throw new InvalidDataException("the ant-maze arena has no goal");
        return ArenaBuilder.WithMarker(base.BuildModelXml(), "threshold_disc", "cylinder", (gx, gy, 0.005), [UpperPassageThreshold, 0.002], "0.2 0.3 0.9 0.3");
    }

    /// <summary>Success in Fig. 3b: how close the episodes end to the target, and how many end below the upper-passage threshold.</summary>
    public override TaskOutcome Outcome(IReadOnlyList<EpisodeStats> episodes) => ThresholdOutcome.From(episodes, UpperPassageThreshold);

    /// <inheritdoc/>
    public override string? Success => ThresholdOutcome.Success;
}
