using SoftQRobotics.Envs.Arenas;
using SoftQRobotics.Mujoco;

namespace SoftQRobotics.Envs.Tasks;

/// <summary>
/// Two-choice maze (docs/tasks.md, "Ant"): goal at (8, 0) reachable only through the lower passage; reward
/// 10·exp(−b·d²) with 0.1 at the start, minus the maze's (10× smaller) control and contact costs, + 0.05.
/// </summary>
public sealed class AntMaze() : AntTask(ArenaTable.Load("ant-maze"), controlCost: 0.5e-3, contactCost: 0.5e-4)
{
    /// <inheritdoc/>
    public override EnvSpec Spec { get; } = AntSpec("ant-maze", "ant in the two-choice maze, Gaussian reward around the goal (8, 0)");

    /// <inheritdoc/>
    protected override RewardTerms TaskTerm(MjData d) => new() { Goal = GoalReward(d, startReward: 0.1) };
}
