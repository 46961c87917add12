using SoftQRobotics.Envs.Arenas;
using SoftQRobotics.Envs.Vector;
using SoftQRobotics.Mujoco;

namespace SoftQRobotics.Envs.Tasks;

/// <summary>
/// U-shaped maze (docs/tasks.md, "Ant"): goal (0, 7) behind the inner wall; reward 10·exp(−b·d²) with 0.1 at
/// the start, minus the walled envs' control and contact costs, + 0.05.
/// </summary>
public sealed class AntUMaze() : AntTask(ArenaTable.Load("ant-u-maze"), controlCost: 0.5e-3, contactCost: 0.5e-4)
{
    /// <inheritdoc/>
    public override EnvSpec Spec { get; } = AntSpec("ant-u-maze", "ant in the U-shaped maze, Gaussian reward around the goal (0, 7) (fine-tuning)");

    /// <inheritdoc/>
    protected override RewardTerms TaskTerm(MjData d) => new() { Goal = GoalReward(d, startReward: 0.1) };

    /// <summary>Success in Fig. 4d: the discounted return, and the final distance to the goal.</summary>
    public override TaskOutcome Outcome(IReadOnlyList<EpisodeStats> episodes) => ReturnOutcome.From(episodes, hasGoal: true);
}
