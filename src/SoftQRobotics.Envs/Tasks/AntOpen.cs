using SoftQRobotics.Envs.Vector;
using SoftQRobotics.Mujoco;

namespace SoftQRobotics.Envs.Tasks;

/// <summary>
/// Pretraining (docs/tasks.md, "Ant"): the ant on an open floor, rewarded for the speed of its centre of mass
/// in any direction, ‖v_xy‖ − 0.5·10⁻²·Σa² − 0.5·10⁻³·Σc² + 0.05; flip or jump terminates.
/// </summary>
public sealed class AntOpen() : AntTask(arena: null, controlCost: 0.5e-2, contactCost: 0.5e-3)
{
    /// <inheritdoc/>
    public override EnvSpec Spec { get; } = AntSpec("ant-open", "ant on an open floor, rewarded for centre-of-mass speed in any direction (pretraining)");

    /// <inheritdoc/>
    protected override RewardTerms TaskTerm(MjData d) => new() { Speed = PlanarSpeed(d) };

    /// <summary>Success in Fig. 7: distance travelled, and how the episodes' directions spread over the plane.</summary>
    public override TaskOutcome Outcome(IReadOnlyList<EpisodeStats> episodes) => SpreadOutcome.From(episodes);
}
