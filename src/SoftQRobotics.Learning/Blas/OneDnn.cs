using System.Runtime.InteropServices;

namespace SoftQRobotics.Learning.Blas;

/// <summary>
/// oneDNN's sgemm (Debian libdnnl2): JIT-generated kernels for the CPU's widest ISA (AVX-512 where present).
/// Its parallel runtime is OpenMP; each product runs on the calling thread alone (OMP_NUM_THREADS=1
/// unless the user set it), because the learner's threads are its own parts (docs/performance.md).
/// </summary>
public static unsafe class OneDnn
{
    private static readonly delegate* unmanaged[Cdecl]<byte, byte, long, long, long, float, float*, long, float*, long, float, float*, long, int> SgemmPtr;

    static OneDnn()
    {
        if (Environment.GetEnvironmentVariable("OMP_NUM_THREADS") is null or "") NativeEnvironment.Set("OMP_NUM_THREADS", "1");
        if (!NativeLibrary.TryLoad("libdnnl.so.2", out nint handle))
        {
            throw new DllNotFoundException("oneDNN was not found: install the Debian package libdnnl2 (./softq installs it)");
        }
        SgemmPtr = (delegate* unmanaged[Cdecl]<byte, byte, long, long, long, float, float*, long, float*, long, float, float*, long, int>)NativeLibrary.GetExport(handle, "dnnl_sgemm");
        var version = ((delegate* unmanaged[Cdecl]<DnnlVersion*>)NativeLibrary.GetExport(handle, "dnnl_version"))();
        int isa = ((delegate* unmanaged[Cdecl]<int>)NativeLibrary.GetExport(handle, "dnnl_get_effective_cpu_isa"))();
        Description = $"oneDNN {version->Major}.{version->Minor}.{version->Patch} {IsaName(isa)}";
    }

    /// <summary>Version and the ISA its kernels use, e.g. "oneDNN 2.6.3 avx512_core".</summary>
    public static string Description { get; }

    /// <summary>
    /// Products with a longer inner dimension than this run with asynchronous signals held off the thread. oneDNN's
    /// f32 JIT kernels before 3.11.2 point the stack pointer into a heap workspace when k exceeds their stack
    /// capacity, (4·4096 − 256) / (4·unroll_m) floats: 84 for the AVX-512 kernel (unroll_m 48), 252 for AVX2 (16),
    /// 504 for AVX (8). A signal delivered then writes its frame into the heap and corrupts it (oneDNN issue 4845;
    /// docs/performance.md, "oneDNN and signals"). Below the smallest capacity the kernels keep the real stack.
    /// </summary>
    internal const int SignalSafeInnerSize = 80;

    /// <summary>dnnl_sgemm, row-major, unchecked (<see cref="Gemm.Sgemm"/> validates).</summary>
    /// <exception cref="InvalidOperationException">oneDNN returned an error status.</exception>
    internal static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        bool holdSignals = k > SignalSafeInnerSize;
        byte* previousMask = stackalloc byte[SignalMask.SetSize];
        if (holdSignals) SignalMask.Block(previousMask);
        int status = SgemmPtr(transA ? (byte)'T' : (byte)'N', transB ? (byte)'T' : (byte)'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        if (holdSignals) SignalMask.Restore(previousMask);
        if (status != 0) throw new InvalidOperationException($"dnnl_sgemm ({m}×{k} by {k}×{n}) failed with status {status}");
    }

    // the values of oneDNN 2.x's dnnl_cpu_isa_t that are stable across its releases
    private static string IsaName(int isa) => isa switch
    {
        0x1 => "sse41",
        0x3 => "avx",
        0x7 => "avx2",
        0x27 => "avx512_core",
        0x67 => "avx512_core_vnni",
        0xe7 => "avx512_core_bf16",
        _ => $"isa 0x{isa:x}",
    };

    [StructLayout(LayoutKind.Sequential)]
    private struct DnnlVersion
    {
        public int Major, Minor, Patch;
        public nint Hash;
        public uint CpuRuntime, GpuRuntime;
    }
}
