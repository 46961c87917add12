using SoftQRobotics.Envs.Arenas;
using SoftQRobotics.Envs.Mujoco;
using SoftQRobotics.Envs.Vector;
using SoftQRobotics.Mujoco;

namespace SoftQRobotics.Envs.Tasks;

/// <summary>
/// The swimmer with a finish line (docs/tasks.md, "Swimmer"): reward ‖v_com‖ (speed in any direction)
/// − 0.5·10⁻²·Σa² + 1 per step while the centre of mass is past x = 1.5. Observation qpos ⧺ qvel;
/// never terminates; T = 500 steps of 0.05 s.
/// </summary>
public sealed class SwimmerFinishLine : MujocoTask
{
    /// <summary>Centre-of-mass x beyond which the bonus is paid.</summary>
    public const double FinishLine = 1.5;
    private const double FinishBonus = 1.0;
    private const double ControlCost = 0.5e-2;
    private int _torso;

    /// <inheritdoc/>
    public override EnvSpec Spec { get; } = new("swimmer-finish-line", 10, 2, 500, 0.05, double.PositiveInfinity,
        "three-link swimmer, rewarded for speed in any direction plus a bonus past the finish line x = 1.5");

    /// <inheritdoc/>
    public override MjAfterStep AfterStep => MjAfterStep.SubtreeVelocities;

    /// <inheritdoc/>
    /// <remarks>With the finish line drawn on the floor (a visual-only red strip at x = <see cref="FinishLine"/>).</remarks>
    public override string BuildModelXml() =>
        ArenaBuilder.WithMarker(ModelFiles.Read("swimmer.xml"), "finish_line", "box", (FinishLine, 0, -0.095), [0.03, 4, 0.004], "0.85 0.1 0.1 1");

    /// <inheritdoc/>
    public override void Bind(MjModel model) => _torso = model.Id(MjObjectType.Body, "torso");

    /// <inheritdoc/>
    public override void Observe(MjData d, Span<float> observation)
    {
        int k = 0;
        foreach (double v in d.Qpos) observation[k++] = (float)v;
        foreach (double v in d.Qvel) observation[k++] = (float)v;
    }

    /// <inheritdoc/>
    public override RewardTerms Reward(MjData d, ReadOnlySpan<float> action, out bool terminated)
    {
        var v = d.BodySubtreeLinvel(_torso);
        double speed = Math.Sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        double control = 0;
        foreach (float a in action) control += a * a;
        double bonus = d.BodySubtreeCom(_torso)[0] > FinishLine ? FinishBonus : 0;
        terminated = false;
        return new RewardTerms(Speed: speed, Goal: 0, Control: -ControlCost * control, Contact: 0, Survive: 0, Bonus: bonus);
    }

    /// <summary>Success in Fig. 3a/6: which way the episodes swam, how many ended past the finish line, the largest x reached.</summary>
    public override TaskOutcome Outcome(IReadOnlyList<EpisodeStats> episodes) => DirectionOutcome.From(episodes, FinishLine);

    /// <inheritdoc/>
    public override string? Success => DirectionOutcome.Success;

    /// <inheritdoc/>
    public override EnvInfo Metrics(MjData d, int step)
    {
        var com = d.BodySubtreeCom(_torso);
        return new EnvInfo(step, com[0], com[1], double.NaN, Unstable: false);
    }
}
