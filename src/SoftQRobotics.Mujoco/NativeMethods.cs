using System.Runtime.InteropServices;

namespace SoftQRobotics.Mujoco;

/// <summary>P/Invoke surface of the native shim (native/softq_mujoco.h). Handles are opaque.</summary>
internal static unsafe partial class NativeMethods
{
    private const string Shim = "softq_mujoco";

    /// <summary>The ABI this assembly was written against (SQ_ABI_VERSION).</summary>
    internal const int ExpectedAbiVersion = 3;

    /// <summary>Size of the error buffers handed to the shim.</summary>
    internal const int ErrorBufferSize = 1024;

    [LibraryImport(Shim)] internal static partial int sq_abi_version();
    [LibraryImport(Shim)] internal static partial int sq_header_version();
    [LibraryImport(Shim)] internal static partial int sq_library_version();
    [LibraryImport(Shim)] internal static partial int sq_warning_count();
    [LibraryImport(Shim)] internal static partial void sq_install_handlers();

    [LibraryImport(Shim, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint sq_model_load_file(string path, byte* error, int errorSize);

    [LibraryImport(Shim, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint sq_model_load_xml(string xml, byte* error, int errorSize);

    [LibraryImport(Shim)] internal static partial void sq_model_free(nint model);
    [LibraryImport(Shim)] internal static partial int sq_model_size(nint model, ModelSize which);
    [LibraryImport(Shim)] internal static partial double sq_model_timestep(nint model);
    [LibraryImport(Shim)] internal static partial void* sq_model_array(nint model, ModelArray which, out int rows, out int cols);

    [LibraryImport(Shim, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int sq_name2id(nint model, MjObjectType type, string name);

    [LibraryImport(Shim)] internal static partial byte* sq_id2name(nint model, MjObjectType type, int id);

    [LibraryImport(Shim, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int sq_numeric(nint model, string name, double* values, int capacity);

    [LibraryImport(Shim)] internal static partial nint sq_data_make(nint model, byte* error, int errorSize);
    [LibraryImport(Shim)] internal static partial void sq_data_free(nint data);
    [LibraryImport(Shim)] internal static partial double* sq_data_array(nint model, nint data, DataArray which, out int rows, out int cols);

    [LibraryImport(Shim)] internal static partial int sq_reset(nint model, nint data);
    [LibraryImport(Shim)] internal static partial int sq_forward(nint model, nint data, MjAfterStep flags, byte* error, int errorSize);
    [LibraryImport(Shim)] internal static partial int sq_step(nint model, nint data, int nstep, MjAfterStep flags, byte* error, int errorSize);
    [LibraryImport(Shim)] internal static partial byte* sq_last_warning();

    [LibraryImport(Shim)] internal static partial double sq_model_free_camera_fovy(nint model);
    [LibraryImport(Shim)] internal static partial nint sq_renderer_make(nint model, int width, int height, byte* error, int errorSize);
    [LibraryImport(Shim)] internal static partial void sq_renderer_free(nint renderer);
    [LibraryImport(Shim)] internal static partial byte* sq_renderer_gl_info(nint renderer);
    [LibraryImport(Shim)]
    internal static partial int sq_render(nint renderer, nint model, nint data, MjCameraType cameraType, int trackBody,
        double* lookat, double distance, double azimuth, double elevation, byte* rgb, byte* error, int errorSize);

    [LibraryImport(Shim, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int sq_debug_raise_error(string message, byte* error, int errorSize);

    /// <summary>Reads a NUL-terminated UTF-8 message from a shim error buffer.</summary>
    internal static string Message(ReadOnlySpan<byte> buffer)
    {
        int end = buffer.IndexOf((byte)0);
        string text = System.Text.Encoding.UTF8.GetString(end < 0 ? buffer : buffer[..end]).Trim();
        return text.Length == 0 ? "(MuJoCo gave no message)" : text;
    }

    internal enum ModelSize
    {
        Nq, Nv, Nu, Na, NBody, NJnt, NGeom, NSite, NSensor, NSensorData, NKey, NMocap, NNumeric,
    }

    internal enum ModelArray
    {
        ActuatorCtrlRange, ActuatorCtrlLimited, ActuatorTrnId, JntType, JntQposAdr, JntDofAdr,
        BodyMass, BodyRootId, Qpos0, GeomSize, GeomPos, GeomBodyId,
    }

    internal enum DataArray
    {
        Qpos, Qvel, Qacc, Ctrl, Act, Xpos, Xquat, Xmat, Xipos, CfrcExt, SubtreeCom, SubtreeLinvel,
        SensorData, Time, QfrcApplied, XfrcApplied, QaccWarmstart,
    }
}
