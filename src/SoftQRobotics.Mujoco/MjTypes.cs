namespace SoftQRobotics.Mujoco;

/// <summary>MuJoCo object categories (mjtObj) used for name lookups.</summary>
public enum MjObjectType
{
    Body = 1, Joint = 3, Geom = 5, Site = 6, Actuator = 18, Sensor = 19, Numeric = 20, Key = 23,
}

/// <summary>Joint kinds (mjtJoint); they fix how many qpos and qvel entries a joint owns.</summary>
public enum MjJointType
{
    Free = 0, Ball = 1, Slide = 2, Hinge = 3,
}

/// <summary>Warnings MuJoCo raised during a call (bit i = mjtWarning i).</summary>
[Flags]
public enum MjWarnings
{
    None = 0,
    Inertia = 1 << 0,
    ContactFull = 1 << 1,
    ConstraintFull = 1 << 2,
    VisualGeomFull = 1 << 3,
    BadQpos = 1 << 4,
    BadQvel = 1 << 5,
    BadQacc = 1 << 6,
    BadCtrl = 1 << 7,

    /// <summary>
    /// The state went NaN or huge. MuJoCo has already reset the data silently, so the trajectory
    /// is broken: an episode must end here.
    /// </summary>
    Unstable = BadQpos | BadQvel | BadQacc | BadCtrl,
}

/// <summary>Extra quantities to compute after a step or forward pass (they cost time).</summary>
[Flags]
public enum MjAfterStep
{
    None = 0,

    /// <summary>mj_rnePostConstraint: fills cfrc_ext (contact forces per body).</summary>
    ContactForces = 1,

    /// <summary>mj_subtreeVel: fills subtree_linvel (centre-of-mass velocities).</summary>
    SubtreeVelocities = 2,

    /// <summary>
    /// After <see cref="Mj.Step"/> only: mj_forward at the state after the last substep, before the other
    /// flags, so that positions, contacts and forces describe that state (mj_step leaves them at the
    /// state before its integration). Ignored by <see cref="Mj.Forward"/>, which does this anyway.
    /// See docs/implementation-details.md, "Post-step readout".
    /// </summary>
    NewState = 4,

    /// <summary>
    /// <see cref="Mj.Step"/> only, before the first substep: the caller vouches that the data's position and
    /// velocity stages describe its qpos and qvel (the last call on it was <see cref="Mj.Forward"/> or a step with
    /// <see cref="NewState"/>, and neither qpos nor qvel changed since). The first substep's forward then starts
    /// at the acceleration stage (mj_forwardSkip): the same result without recomputing them. With
    /// <see cref="NewState"/> on every step this makes the post-step readout cost only its acceleration stage.
    /// </summary>
    ReuseStages = 8,
}

/// <summary>Where a joint's coordinates live in qpos and qvel.</summary>
/// <param name="Id">joint id</param>
/// <param name="Type">joint kind</param>
/// <param name="QposAddress">first index into qpos</param>
/// <param name="QposWidth">qpos entries (7 free, 4 ball, 1 slide/hinge)</param>
/// <param name="DofAddress">first index into qvel</param>
/// <param name="DofWidth">qvel entries (6 free, 3 ball, 1 slide/hinge)</param>
public readonly record struct MjJoint(int Id, MjJointType Type, int QposAddress, int QposWidth, int DofAddress, int DofWidth);
