namespace SoftQRobotics.Mujoco;

/// <summary>How a <see cref="MjCamera"/> places its look-at point.</summary>
public enum MjCameraType
{
    /// <summary>Fixed look-at point.</summary>
    Free = 0,

    /// <summary>The look-at point follows a body's subtree centre of mass.</summary>
    Tracking = 1,
}

/// <summary>
/// A MuJoCo abstract camera (mjvCamera): it looks at <see cref="LookAt"/> (or at the tracked body)
/// from <see cref="Distance"/> metres, turned by <see cref="Azimuth"/> about +z and tilted by
/// <see cref="Elevation"/> (degrees; −90 looks straight down with +x right and +y up at azimuth 90).
/// </summary>
public readonly record struct MjCamera(MjCameraType Type, int TrackBody, double LookAtX, double LookAtY, double LookAtZ,
    double Distance, double Azimuth, double Elevation)
{
    /// <summary>The look-at point (x, y, z).</summary>
    public (double X, double Y, double Z) LookAt => (LookAtX, LookAtY, LookAtZ);

    /// <summary>A camera following body <paramref name="bodyId"/>.</summary>
    public static MjCamera Tracking(int bodyId, double distance, double azimuth, double elevation) =>
        new(MjCameraType.Tracking, bodyId, 0, 0, 0, distance, azimuth, elevation);

    /// <summary>A camera straight above (<paramref name="x"/>, <paramref name="y"/>, <paramref name="z"/>), +x right, +y up.</summary>
    public static MjCamera TopDown(double x, double y, double z, double distance) =>
        new(MjCameraType.Free, -1, x, y, z, distance, 90, -90);
}

/// <summary>
/// Offscreen renderer for one model: an EGL context (headless, Mesa's software rasteriser without a
/// GPU) with MuJoCo's scene and an offscreen buffer of exactly <see cref="Width"/> × <see cref="Height"/>.
/// Bound to the thread that created it; GL and MuJoCo failures are <see cref="MujocoException"/>s.
/// </summary>
public sealed unsafe class MjRenderer : IDisposable
{
    private nint _handle;
    private readonly int _thread = Environment.CurrentManagedThreadId;
    private readonly byte[] _error = new byte[NativeMethods.ErrorBufferSize];

    /// <summary>Creates a renderer of <paramref name="width"/> × <paramref name="height"/> pixels for <paramref name="model"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">a size below 1 or above 8192.</exception>
    /// <exception cref="MujocoException">no offscreen GL context could be made (the message names the failing call).</exception>
    public MjRenderer(MjModel model, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, 8192);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, 8192);
        MujocoVersion.EnsureCompatible();
        Model = model;
        (Width, Height) = (width, height);
        fixed (byte* e = _error)
        {
            _handle = NativeMethods.sq_renderer_make(model.Handle, width, height, e, _error.Length);
        }
        if (_handle == 0) throw new MujocoException($"offscreen rendering is unavailable: {NativeMethods.Message(_error)}");
        byte* info = NativeMethods.sq_renderer_gl_info(_handle);
        GlInfo = new string((sbyte*)info);
    }

    /// <summary>The model this renderer draws.</summary>
    public MjModel Model { get; }
    /// <summary>Image width in pixels.</summary>
    public int Width { get; }
    /// <summary>Image height in pixels.</summary>
    public int Height { get; }
    /// <summary>Which GL path and vendor rendered (e.g. "EGL surfaceless, Mesa Project").</summary>
    public string GlInfo { get; }

    /// <summary>Renders <paramref name="data"/> seen by <paramref name="camera"/> into <paramref name="rgb"/>, (Height × Width × 3) bytes, top row first.</summary>
    /// <exception cref="ArgumentException"><paramref name="data"/> belongs to another model, or <paramref name="rgb"/> has the wrong length.</exception>
    /// <exception cref="InvalidOperationException">called from a thread other than the creating one.</exception>
    /// <exception cref="MujocoException">MuJoCo or OpenGL failed.</exception>
    public void Render(MjData data, in MjCamera camera, Span<byte> rgb)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!ReferenceEquals(data.Model, Model)) throw new ArgumentException("the MjData was made for a different MjModel", nameof(data));
        if (rgb.Length != Width * Height * 3) throw new ArgumentException($"the image buffer has {rgb.Length} bytes, expected {Height} × {Width} × 3 = {Width * Height * 3}", nameof(rgb));
        if (Environment.CurrentManagedThreadId != _thread) throw new InvalidOperationException("an MjRenderer is bound to the thread that created it");
        if (_handle == 0) throw new ObjectDisposedException(nameof(MjRenderer));
        double* lookat = stackalloc double[3] { camera.LookAtX, camera.LookAtY, camera.LookAtZ };
        int result;
        fixed (byte* pixels = rgb)
        fixed (byte* e = _error)
        {
            result = NativeMethods.sq_render(_handle, Model.Handle, data.Handle, camera.Type, camera.TrackBody, lookat,
                camera.Distance, camera.Azimuth, camera.Elevation, pixels, e, _error.Length);
        }
        if (result != 0) throw new MujocoException($"rendering failed: {NativeMethods.Message(_error)}");
    }

    /// <summary>Frees the GL context and the scene; call it on the creating thread (there is no finalizer: a GL context cannot be freed from another thread). Double dispose is safe.</summary>
    public void Dispose()
    {
        if (_handle == 0) return;
        NativeMethods.sq_renderer_free(_handle);
        _handle = 0;
        GC.SuppressFinalize(this);
    }
}
