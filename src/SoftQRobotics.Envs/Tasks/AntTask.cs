using SoftQRobotics.Core;
using SoftQRobotics.Envs.Arenas;
using SoftQRobotics.Envs.Mujoco;
using SoftQRobotics.Mujoco;

namespace SoftQRobotics.Envs.Tasks;

/// <summary>
/// What every ant task of the paper shares (docs/tasks.md, "Ant"): the 125-d observation, quadratic
/// control and contact costs, the +0.05 survival bonus, flip/jump termination and the deterministic
/// initial pose. A task adds its motion term and, optionally, an arena table.
/// </summary>
public abstract class AntTask : MujocoTask
{
    /// <summary>qpos 15 + qvel 14 + clipped cfrc_ext 14×6 + torso xmat 9 + robot COM 3.</summary>
    public const int ObservationSize = 125;
    private const double SurviveBonus = 0.05;
    private const double MaxTorsoHeight = 1.0;

    private readonly double _controlCost, _contactCost;
    private int _torso;
    private double[] _initQpos = [];

    /// <param name="arena">walls and goal added to the open floor (null: open floor)</param>
    /// <param name="controlCost">coefficient of Σ a_i² over the normalised action</param>
    /// <param name="contactCost">coefficient of Σ clip(cfrc_ext, −1, 1)²</param>
    protected AntTask(ArenaTable? arena, double controlCost, double contactCost)
    {
        Arena = arena;
        _controlCost = controlCost;
        _contactCost = contactCost;
    }

    /// <summary>The arena, or null for the open floor.</summary>
    public ArenaTable? Arena { get; }

    /// <inheritdoc/>
    public override MjAfterStep AfterStep => MjAfterStep.ContactForces | MjAfterStep.SubtreeVelocities;

    /// <summary>Spec shared by the ant tasks: 125-d observation, 8 actions, T = 500, 0.02 s per step.</summary>
    protected static EnvSpec AntSpec(string name, string description) =>
        new(name, ObservationSize, 8, 500, 0.02, double.PositiveInfinity, description);

    /// <summary>The reward term that defines the task: <see cref="RewardTerms.Speed"/> or <see cref="RewardTerms.Goal"/>, the other terms 0.</summary>
    protected abstract RewardTerms TaskTerm(MjData d);

    /// <summary>The radius of the torso sphere (geom torso_geom) in an ant model's MJCF.</summary>
    /// <exception cref="InvalidDataException">no such geom, or no numeric size.</exception>
    protected static double TorsoRadius(string antXml)
    {
        var geom = System.Xml.Linq.XDocument.Parse(antXml).Descendants("geom").FirstOrDefault(g => (string?)g.Attribute("name") == "torso_geom")
                   ?? throw new InvalidDataException("ant model has no geom torso_geom");
        string size = ((string?)geom.Attribute("size") ?? throw new InvalidDataException("torso_geom has no size")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        return double.Parse(size, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <inheritdoc/>
    public override string BuildModelXml()
    {
        string robot = ModelFiles.Read("ant.xml");
        return Arena is null ? robot : ArenaBuilder.Build(robot, Arena);
    }

    /// <inheritdoc/>
    public override void Bind(MjModel model)
    {
        _torso = model.Id(MjObjectType.Body, "torso");
        _initQpos = model.Numeric("init_qpos") ?? throw new InvalidDataException("ant model lacks the init_qpos numeric");
    }

    /// <inheritdoc/>
    public override void ResetState(MjModel model, MjData d, Rng rng) => _initQpos.CopyTo(d.Qpos);

    /// <inheritdoc/>
    public override void Observe(MjData d, Span<float> observation)
    {
        int k = 0;
        foreach (double v in d.Qpos) observation[k++] = (float)v;
        foreach (double v in d.Qvel) observation[k++] = (float)v;
        foreach (double v in d.CfrcExt) observation[k++] = (float)Math.Clamp(v, -1, 1);
        foreach (double v in d.BodyXmat(_torso)) observation[k++] = (float)v;
        foreach (double v in d.BodySubtreeCom(_torso)) observation[k++] = (float)v;
    }

    /// <inheritdoc/>
    public override RewardTerms Reward(MjData d, ReadOnlySpan<float> action, out bool terminated)
    {
        double control = 0;
        foreach (float a in action) control += a * a;
        double contact = 0;
        foreach (double f in d.CfrcExt)
        {
            double c = Math.Clamp(f, -1, 1);
            contact += c * c;
        }
        terminated = Flipped(d) || d.Qpos[2] > MaxTorsoHeight || !double.IsFinite(d.Qpos[2]);
        return TaskTerm(d) with { Control = -_controlCost * control, Contact = -_contactCost * contact, Survive = SurviveBonus };
    }

    /// <inheritdoc/>
    public override EnvInfo Metrics(MjData d, int step)
    {
        var (x, y) = Com(d);
        double distance = Arena?.Goal is var (gx, gy) ? Math.Sqrt((x - gx) * (x - gx) + (y - gy) * (y - gy)) : double.NaN;
        return new EnvInfo(step, x, y, distance, Unstable: false);
    }

    /// <summary>The robot's centre of mass in the plane (subtree COM of the torso).</summary>
    protected (double X, double Y) Com(MjData d)
    {
        var com = d.BodySubtreeCom(_torso);
        return (com[0], com[1]);
    }

    /// <summary>Planar speed of the robot's centre of mass, ‖v_xy‖ (subtree_linvel of the torso).</summary>
    protected double PlanarSpeed(MjData d)
    {
        var v = d.BodySubtreeLinvel(_torso);
        return Math.Sqrt(v[0] * v[0] + v[1] * v[1]);
    }

    /// <summary>
    /// Gaussian goal reward 10·exp(−b·d²), with b set so that the reward is <paramref name="startReward"/>
    /// at the start (the origin): b = ln(10 / startReward) / ‖goal‖².
    /// </summary>
    protected double GoalReward(MjData d, double startReward)
    {
        var (gx, gy) = Arena?.Goal ?? throw new InvalidOperationException($"{Spec.Name}: arena has no goal");
        double b = Math.Log(10 / startReward) / (gx * gx + gy * gy);
        var (x, y) = Com(d);
        double d2 = (x - gx) * (x - gx) + (y - gy) * (y - gy);
        return 10 * Math.Exp(-b * d2);
    }

    /// <summary>
    /// The torso's local down axis has tilted 90° or more from world down: with q = (w, x, y, z),
    /// the z component of q·(0, 0, −1) is 2(x² + y²) − 1 ≥ 0.
    /// </summary>
    public static bool Flipped(MjData d)
    {
        var q = d.Qpos.Slice(3, 4);
        return 2 * (q[1] * q[1] + q[2] * q[2]) - 1 >= 0;
    }
}
