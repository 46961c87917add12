using System.Runtime.InteropServices;

namespace SoftQRobotics.Gpu.Device;

/// <summary>
/// A CUDA graph of one update's launches (kernels and cuBLAS calls) captured from the device's stream
/// once and replayed by one launch per update: the update's ~60 launches cost the host one call
/// (docs/gpu.md, "Launches"). Our binding of the driver's graph entry points (libcuda.so.1).
/// Everything a captured update reads lives at fixed device addresses; what changes per update
/// (minibatch, draws, Adam's step sizes) is uploaded there before each replay.
/// </summary>
public sealed unsafe class CudaGraph : IDisposable
{
    private static readonly nint Driver;
    private static readonly delegate* unmanaged[Cdecl]<nint, int, int> BeginCapture;
    private static readonly delegate* unmanaged[Cdecl]<nint, nint*, int> EndCapture;
    private static readonly delegate* unmanaged[Cdecl]<nint*, nint, ulong, int> Instantiate;
    private static readonly delegate* unmanaged[Cdecl]<nint, nint, int> GraphLaunch;
    private static readonly delegate* unmanaged[Cdecl]<nint, int> ExecDestroy;
    private static readonly delegate* unmanaged[Cdecl]<nint, int> GraphDestroy;

    private const int CaptureModeRelaxed = 2;
    private readonly nint _stream;
    private nint _graph, _exec;

    static CudaGraph()
    {
        if (!NativeLibrary.TryLoad("libcuda.so.1", out Driver)) return;
        BeginCapture = (delegate* unmanaged[Cdecl]<nint, int, int>)NativeLibrary.GetExport(Driver, "cuStreamBeginCapture_v2");
        EndCapture = (delegate* unmanaged[Cdecl]<nint, nint*, int>)NativeLibrary.GetExport(Driver, "cuStreamEndCapture");
        Instantiate = (delegate* unmanaged[Cdecl]<nint*, nint, ulong, int>)NativeLibrary.GetExport(Driver, "cuGraphInstantiateWithFlags");
        GraphLaunch = (delegate* unmanaged[Cdecl]<nint, nint, int>)NativeLibrary.GetExport(Driver, "cuGraphLaunch");
        ExecDestroy = (delegate* unmanaged[Cdecl]<nint, int>)NativeLibrary.GetExport(Driver, "cuGraphExecDestroy");
        GraphDestroy = (delegate* unmanaged[Cdecl]<nint, int>)NativeLibrary.GetExport(Driver, "cuGraphDestroy");
    }

    private CudaGraph(nint stream, nint graph, nint exec) => (_stream, _graph, _exec) = (stream, graph, exec);

    /// <summary>
    /// Records what <paramref name="enqueue"/> launches on <paramref name="device"/>'s stream (nothing runs)
    /// and instantiates it.
    /// </summary>
    /// <exception cref="InvalidOperationException">not a CUDA device, or the driver refused the capture (its error code in the message).</exception>
    public static CudaGraph Capture(GpuDevice device, Action enqueue)
    {
        if (device.Kind != DeviceKind.Cuda || Driver == 0) throw new InvalidOperationException("CUDA graphs need a CUDA device");
        nint stream = device.StreamHandle;
        Check(BeginCapture(stream, CaptureModeRelaxed), "cuStreamBeginCapture");
        nint graph = 0;
        try
        {
            enqueue();
        }
        finally
        {
            int status = EndCapture(stream, &graph);
            if (status != 0 && graph != 0) GraphDestroy(graph);
            Check(status, "cuStreamEndCapture");
        }
        nint exec;
        int instantiated = Instantiate(&exec, graph, 0);
        if (instantiated != 0)
        {
            GraphDestroy(graph);
            Check(instantiated, "cuGraphInstantiateWithFlags");
        }
        return new CudaGraph(stream, graph, exec);
    }

    /// <summary>Replays the captured launches on the stream (asynchronous).</summary>
    public void Launch()
    {
        ObjectDisposedException.ThrowIf(_exec == 0, this);
        Check(GraphLaunch(_exec, _stream), "cuGraphLaunch");
    }

    private static void Check(int status, string call)
    {
        if (status != 0) throw new InvalidOperationException($"{call} failed with CUDA error {status}");
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_exec != 0) ExecDestroy(_exec);
        if (_graph != 0) GraphDestroy(_graph);
        (_exec, _graph) = (0, 0);
    }
}
