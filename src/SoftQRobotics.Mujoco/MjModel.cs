using System.Collections.Frozen;

namespace SoftQRobotics.Mujoco;

/// <summary>
/// A compiled MuJoCo model (mjModel). Immutable after loading and safe to share across threads;
/// each simulation instance owns an <see cref="MjData"/>. Dispose it after its datas.
/// </summary>
public sealed unsafe class MjModel : IDisposable
{
    private nint _handle;
    private int _liveDatas;
    private readonly FrozenDictionary<(MjObjectType, string), int> _ids;

    private MjModel(nint handle)
    {
        _handle = handle;
        Nq = Size(NativeMethods.ModelSize.Nq);
        Nv = Size(NativeMethods.ModelSize.Nv);
        Nu = Size(NativeMethods.ModelSize.Nu);
        Na = Size(NativeMethods.ModelSize.Na);
        NBody = Size(NativeMethods.ModelSize.NBody);
        NJnt = Size(NativeMethods.ModelSize.NJnt);
        NGeom = Size(NativeMethods.ModelSize.NGeom);
        NSite = Size(NativeMethods.ModelSize.NSite);
        NSensor = Size(NativeMethods.ModelSize.NSensor);
        NSensorData = Size(NativeMethods.ModelSize.NSensorData);
        Timestep = NativeMethods.sq_model_timestep(handle);
        _ids = BuildNameTable();
    }

    /// <summary>Number of generalized coordinates (length of qpos).</summary>
    public int Nq { get; }
    /// <summary>Number of degrees of freedom (length of qvel).</summary>
    public int Nv { get; }
    /// <summary>Number of actuators (length of ctrl).</summary>
    public int Nu { get; }
    /// <summary>Number of activation states.</summary>
    public int Na { get; }
    /// <summary>Number of bodies, including the world body 0.</summary>
    public int NBody { get; }
    /// <summary>Number of joints.</summary>
    public int NJnt { get; }
    /// <summary>Number of geoms.</summary>
    public int NGeom { get; }
    /// <summary>Number of sites.</summary>
    public int NSite { get; }
    /// <summary>Number of sensors.</summary>
    public int NSensor { get; }
    /// <summary>Length of sensordata.</summary>
    public int NSensorData { get; }
    /// <summary>Simulation timestep in seconds (opt.timestep).</summary>
    public double Timestep { get; }
    /// <summary>Vertical field of view of the free and tracking cameras, degrees (vis.global.fovy).</summary>
    public double FreeCameraFovy => NativeMethods.sq_model_free_camera_fovy(Handle);

    internal nint Handle => _handle != 0 ? _handle : throw new ObjectDisposedException(nameof(MjModel));

    /// <summary>Loads and compiles an MJCF (or URDF) file.</summary>
    /// <exception cref="MujocoException">
    /// MuJoCo could not read or compile the file (missing, empty, malformed); the message is
    /// "PATH: " followed by MuJoCo's own text.
    /// </exception>
    public static MjModel FromXmlFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = Path.GetFullPath(path);
        return Load(error => NativeMethods.sq_model_load_file(fullPath, error, NativeMethods.ErrorBufferSize), path);
    }

    /// <summary>Compiles an MJCF document held in a string (relative includes resolve from the working directory).</summary>
    /// <exception cref="MujocoException">MuJoCo rejected the model; the message is MuJoCo's.</exception>
    public static MjModel FromXmlString(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        if (xml.Contains('\0'))
        {
            throw new MujocoException("XML text contains a NUL character");
        }
        return Load(error => NativeMethods.sq_model_load_xml(xml, error, NativeMethods.ErrorBufferSize), source: null);
    }

    private delegate nint Loader(byte* error);

    private static MjModel Load(Loader load, string? source)
    {
        MujocoVersion.EnsureCompatible();
        Span<byte> error = stackalloc byte[NativeMethods.ErrorBufferSize];
        error.Clear();
        nint handle;
        fixed (byte* e = error)
        {
            handle = load(e);
        }
        if (handle == 0)
        {
            string message = NativeMethods.Message(error);
            throw new MujocoException(source is null ? message : $"{source}: {message}");
        }
        return new MjModel(handle);
    }

    /// <summary>Actuator control ranges, (nu × 2): [low, high] per actuator.</summary>
    public ReadOnlySpan<double> ActuatorCtrlRange => DoubleArray(NativeMethods.ModelArray.ActuatorCtrlRange);
    /// <summary>Default pose qpos0, (nq).</summary>
    public ReadOnlySpan<double> Qpos0 => DoubleArray(NativeMethods.ModelArray.Qpos0);
    /// <summary>Body masses, (nbody).</summary>
    public ReadOnlySpan<double> BodyMass => DoubleArray(NativeMethods.ModelArray.BodyMass);
    /// <summary>Geom sizes, (ngeom × 3).</summary>
    public ReadOnlySpan<double> GeomSize => DoubleArray(NativeMethods.ModelArray.GeomSize);
    /// <summary>Geom positions in their body frame, (ngeom × 3).</summary>
    public ReadOnlySpan<double> GeomPos => DoubleArray(NativeMethods.ModelArray.GeomPos);
    /// <summary>Body id of each geom, (ngeom).</summary>
    public ReadOnlySpan<int> GeomBodyId => IntArray(NativeMethods.ModelArray.GeomBodyId);
    /// <summary>Joint kinds, (njnt).</summary>
    public ReadOnlySpan<int> JntType => IntArray(NativeMethods.ModelArray.JntType);
    /// <summary>First qpos index of each joint, (njnt).</summary>
    public ReadOnlySpan<int> JntQposAdr => IntArray(NativeMethods.ModelArray.JntQposAdr);
    /// <summary>First qvel index of each joint, (njnt).</summary>
    public ReadOnlySpan<int> JntDofAdr => IntArray(NativeMethods.ModelArray.JntDofAdr);

    /// <summary>Whether an object of this kind and name exists; O(1).</summary>
    public bool TryGetId(MjObjectType type, string name, out int id) => _ids.TryGetValue((type, name), out id);

    /// <summary>Id of a named object; O(1).</summary>
    /// <exception cref="KeyNotFoundException">no such object, with its kind and name.</exception>
    public int Id(MjObjectType type, string name) =>
        TryGetId(type, name, out int id)
            ? id
            : throw new KeyNotFoundException($"model has no {type.ToString().ToLowerInvariant()} named '{name}'");

    /// <summary>Name of an object, or null if it has none.</summary>
    public string? Name(MjObjectType type, int id)
    {
        byte* name = NativeMethods.sq_id2name(Handle, type, id);
        return name == null ? null : new string((sbyte*)name);
    }

    /// <summary>The qpos/qvel location of a named joint; O(1).</summary>
    public MjJoint Joint(string name) => Joint(Id(MjObjectType.Joint, name));

    /// <summary>The qpos/qvel location of joint <paramref name="id"/>.</summary>
    public MjJoint Joint(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, NJnt);
        var type = (MjJointType)JntType[id];
        var (qposWidth, dofWidth) = type switch
        {
            MjJointType.Free => (7, 6),
            MjJointType.Ball => (4, 3),
            _ => (1, 1),
        };
        return new MjJoint(id, type, JntQposAdr[id], qposWidth, JntDofAdr[id], dofWidth);
    }

    /// <summary>Values of a custom numeric (&lt;numeric name=... data=...&gt;), or null if absent.</summary>
    public double[]? Numeric(string name)
    {
        Span<double> buffer = stackalloc double[256];
        int size;
        fixed (double* b = buffer)
        {
            size = NativeMethods.sq_numeric(Handle, name, b, buffer.Length);
        }
        return size < 0 ? null : buffer[..Math.Min(size, buffer.Length)].ToArray();
    }

    internal void AddData() => Interlocked.Increment(ref _liveDatas);
    internal void RemoveData() => Interlocked.Decrement(ref _liveDatas);

    /// <summary>Frees the native model. Double dispose is safe.</summary>
    /// <exception cref="InvalidOperationException">an <see cref="MjData"/> made from this model is still alive.</exception>
    public void Dispose()
    {
        if (_handle == 0) return;
        if (Volatile.Read(ref _liveDatas) > 0)
        {
            throw new InvalidOperationException($"{_liveDatas} MjData instance(s) still use this model: dispose them first");
        }
        NativeMethods.sq_model_free(_handle);
        _handle = 0;
        GC.SuppressFinalize(this);
    }

    ~MjModel()
    {
        // a model still referenced by live datas is kept alive by them, so this runs only when none are left
        if (_handle != 0) NativeMethods.sq_model_free(_handle);
    }

    private int Size(NativeMethods.ModelSize which) => NativeMethods.sq_model_size(_handle, which);

    private ReadOnlySpan<double> DoubleArray(NativeMethods.ModelArray which)
    {
        void* p = NativeMethods.sq_model_array(Handle, which, out int rows, out int cols);
        return new ReadOnlySpan<double>(p, rows * cols);
    }

    private ReadOnlySpan<int> IntArray(NativeMethods.ModelArray which)
    {
        void* p = NativeMethods.sq_model_array(Handle, which, out int rows, out int cols);
        return new ReadOnlySpan<int>(p, rows * cols);
    }

    private FrozenDictionary<(MjObjectType, string), int> BuildNameTable()
    {
        var table = new Dictionary<(MjObjectType, string), int>();
        var counts = new (MjObjectType Type, int Count)[]
        {
            (MjObjectType.Body, NBody), (MjObjectType.Joint, NJnt), (MjObjectType.Geom, NGeom),
            (MjObjectType.Site, NSite), (MjObjectType.Actuator, Nu), (MjObjectType.Sensor, NSensor),
            (MjObjectType.Numeric, Size(NativeMethods.ModelSize.NNumeric)), (MjObjectType.Key, Size(NativeMethods.ModelSize.NKey)),
        };
        foreach (var (type, count) in counts)
        {
            for (int id = 0; id < count; id++)
            {
                byte* name = NativeMethods.sq_id2name(_handle, type, id);
                if (name != null) table[(type, new string((sbyte*)name))] = id;
            }
        }
        return table.ToFrozenDictionary();
    }
}
