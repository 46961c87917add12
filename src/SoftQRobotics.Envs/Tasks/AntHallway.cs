using SoftQRobotics.Envs.Arenas;
using SoftQRobotics.Envs.Vector;
using SoftQRobotics.Mujoco;

namespace SoftQRobotics.Envs.Tasks;

/// <summary>
/// Fine-tuning hallways (docs/tasks.md, "Ant"): the pretraining objective ‖v_xy‖ between walls that leave only
/// running in +x; the walled envs' control and contact costs (10× smaller than pretraining), + 0.05.
/// </summary>
/// <param name="width">"wide" (3 m) or "narrow" (2 m): picks the arena table ant-hallway-WIDTH</param>
public sealed class AntHallway(string width) : AntTask(ArenaTable.Load($"ant-hallway-{width}"), controlCost: 0.5e-3, contactCost: 0.5e-4)
{
    /// <inheritdoc/>
    public override EnvSpec Spec { get; } = AntSpec($"ant-hallway-{width}", $"ant in the {width} hallway, rewarded for centre-of-mass speed (fine-tuning)");

    /// <inheritdoc/>
    protected override RewardTerms TaskTerm(MjData d) => new() { Speed = PlanarSpeed(d) };

    /// <summary>Success in Fig. 4b/c: the discounted return (and the distance to the goal where the arena has one).</summary>
    public override TaskOutcome Outcome(IReadOnlyList<EpisodeStats> episodes) => ReturnOutcome.From(episodes, hasGoal: Arena?.Goal is not null);
}
