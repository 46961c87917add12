namespace SoftQRobotics.Mujoco;

/// <summary>
/// The mutable state of one simulation instance (mjData) for a shared <see cref="MjModel"/>.
/// Not thread-safe: use one per thread. State arrays are spans over MuJoCo's own memory, valid
/// until <see cref="Dispose"/>. Double dispose is safe.
/// </summary>
public sealed unsafe class MjData : IDisposable
{
    private nint _handle;
    private readonly double* _qpos, _qvel, _qacc, _ctrl, _act, _xpos, _xquat, _xmat, _xipos;
    private readonly double* _cfrcExt, _subtreeCom, _subtreeLinvel, _sensorData, _time, _qfrcApplied, _xfrcApplied, _qaccWarmstart;

    // preallocated so that stepping never allocates; holds MuJoCo's message on error
    internal readonly byte[] ErrorBuffer = new byte[NativeMethods.ErrorBufferSize];

    /// <summary>Allocates the data for <paramref name="model"/> (mj_makeData) in its default state.</summary>
    /// <exception cref="MujocoException">MuJoCo could not allocate it.</exception>
    public MjData(MjModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        fixed (byte* e = ErrorBuffer)
        {
            _handle = NativeMethods.sq_data_make(model.Handle, e, ErrorBuffer.Length);
        }
        if (_handle == 0)
        {
            throw new MujocoException(NativeMethods.Message(ErrorBuffer));
        }
        model.AddData();
        _qpos = Array(NativeMethods.DataArray.Qpos);
        _qvel = Array(NativeMethods.DataArray.Qvel);
        _qacc = Array(NativeMethods.DataArray.Qacc);
        _ctrl = Array(NativeMethods.DataArray.Ctrl);
        _act = Array(NativeMethods.DataArray.Act);
        _xpos = Array(NativeMethods.DataArray.Xpos);
        _xquat = Array(NativeMethods.DataArray.Xquat);
        _xmat = Array(NativeMethods.DataArray.Xmat);
        _xipos = Array(NativeMethods.DataArray.Xipos);
        _cfrcExt = Array(NativeMethods.DataArray.CfrcExt);
        _subtreeCom = Array(NativeMethods.DataArray.SubtreeCom);
        _subtreeLinvel = Array(NativeMethods.DataArray.SubtreeLinvel);
        _sensorData = Array(NativeMethods.DataArray.SensorData);
        _time = Array(NativeMethods.DataArray.Time);
        _qfrcApplied = Array(NativeMethods.DataArray.QfrcApplied);
        _xfrcApplied = Array(NativeMethods.DataArray.XfrcApplied);
        _qaccWarmstart = Array(NativeMethods.DataArray.QaccWarmstart);
    }

    /// <summary>The model this data belongs to.</summary>
    public MjModel Model { get; }

    internal nint Handle => _handle != 0 ? _handle : throw new ObjectDisposedException(nameof(MjData));

    /// <summary>Simulation time in seconds.</summary>
    public ref double Time => ref *Checked(_time);
    /// <summary>Generalized positions, (nq).</summary>
    public Span<double> Qpos => new(Checked(_qpos), Model.Nq);
    /// <summary>Generalized velocities, (nv).</summary>
    public Span<double> Qvel => new(Checked(_qvel), Model.Nv);
    /// <summary>Generalized accelerations, (nv).</summary>
    public Span<double> Qacc => new(Checked(_qacc), Model.Nv);
    /// <summary>Actuator controls, (nu).</summary>
    public Span<double> Ctrl => new(Checked(_ctrl), Model.Nu);
    /// <summary>Actuator activations, (na).</summary>
    public Span<double> Act => new(Checked(_act), Model.Na);
    /// <summary>Body frame positions in world coordinates, (nbody × 3).</summary>
    public Span<double> Xpos => new(Checked(_xpos), Model.NBody * 3);
    /// <summary>Body frame orientations as quaternions (w, x, y, z), (nbody × 4).</summary>
    public Span<double> Xquat => new(Checked(_xquat), Model.NBody * 4);
    /// <summary>Body frame rotation matrices, row-major, (nbody × 9).</summary>
    public Span<double> Xmat => new(Checked(_xmat), Model.NBody * 9);
    /// <summary>Body centre-of-mass positions, (nbody × 3).</summary>
    public Span<double> Xipos => new(Checked(_xipos), Model.NBody * 3);
    /// <summary>External (contact) wrench on each body, (nbody × 6); filled only by <see cref="MjAfterStep.ContactForces"/>.</summary>
    public Span<double> CfrcExt => new(Checked(_cfrcExt), Model.NBody * 6);
    /// <summary>Centre of mass of each body's subtree, (nbody × 3).</summary>
    public Span<double> SubtreeCom => new(Checked(_subtreeCom), Model.NBody * 3);
    /// <summary>Linear velocity of each subtree's centre of mass, (nbody × 3); filled only by <see cref="MjAfterStep.SubtreeVelocities"/>.</summary>
    public Span<double> SubtreeLinvel => new(Checked(_subtreeLinvel), Model.NBody * 3);
    /// <summary>Sensor readings, (nsensordata).</summary>
    public Span<double> SensorData => new(Checked(_sensorData), Model.NSensorData);
    /// <summary>Applied generalized forces, (nv).</summary>
    public Span<double> QfrcApplied => new(Checked(_qfrcApplied), Model.Nv);
    /// <summary>Applied Cartesian wrenches per body, (nbody × 6).</summary>
    public Span<double> XfrcApplied => new(Checked(_xfrcApplied), Model.NBody * 6);
    /// <summary>The constraint solver's starting acceleration, (nv); with warm-starting on, the contact forces depend on it.</summary>
    public Span<double> QaccWarmstart => new(Checked(_qaccWarmstart), Model.Nv);

    /// <summary>Position of body <paramref name="bodyId"/>, (3).</summary>
    public Span<double> BodyXpos(int bodyId) => Xpos.Slice(3 * bodyId, 3);
    /// <summary>Rotation matrix of body <paramref name="bodyId"/>, row-major, (9).</summary>
    public Span<double> BodyXmat(int bodyId) => Xmat.Slice(9 * bodyId, 9);
    /// <summary>Centre of mass of the subtree rooted at body <paramref name="bodyId"/>, (3).</summary>
    public Span<double> BodySubtreeCom(int bodyId) => SubtreeCom.Slice(3 * bodyId, 3);
    /// <summary>Centre-of-mass velocity of the subtree rooted at body <paramref name="bodyId"/>, (3).</summary>
    public Span<double> BodySubtreeLinvel(int bodyId) => SubtreeLinvel.Slice(3 * bodyId, 3);
    /// <summary>A joint's slice of qpos (7 free, 4 ball, 1 otherwise).</summary>
    public Span<double> JointQpos(in MjJoint joint) => Qpos.Slice(joint.QposAddress, joint.QposWidth);
    /// <summary>A joint's slice of qvel (6 free, 3 ball, 1 otherwise).</summary>
    public Span<double> JointQvel(in MjJoint joint) => Qvel.Slice(joint.DofAddress, joint.DofWidth);

    /// <summary>Frees the native data. Double dispose is safe.</summary>
    public void Dispose()
    {
        if (_handle == 0) return;
        NativeMethods.sq_data_free(_handle);
        _handle = 0;
        Model.RemoveData();
        GC.SuppressFinalize(this);
    }

    ~MjData()
    {
        if (_handle != 0) NativeMethods.sq_data_free(_handle);
    }

    private double* Checked(double* p) => _handle != 0 ? p : throw new ObjectDisposedException(nameof(MjData));

    private double* Array(NativeMethods.DataArray which) =>
        NativeMethods.sq_data_array(Model.Handle, _handle, which, out _, out _);
}
