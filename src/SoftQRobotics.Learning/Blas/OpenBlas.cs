using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace SoftQRobotics.Learning.Blas;

/// <summary>
/// OpenBLAS (Debian libopenblas0-pthread), loaded explicitly so that its kernel choice can be set
/// first. Debian's 0.3.21 does not recognise recent CPUs and falls back to its Prescott (SSE3)
/// kernels, 4–5× slower than its AVX-512 ones on such a machine. Unless the user has set
/// OPENBLAS_CORETYPE, it is chosen from the CPU's features before the library is loaded:
/// SkylakeX with AVX-512 (F, BW, DQ, VL, CD), Haswell with AVX2 and FMA, else OpenBLAS's own choice.
/// </summary>
public static unsafe class OpenBlas
{
    private static readonly string[] Candidates =
    [
        "libopenblas.so.0",
        "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
        "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
    ];

    private static readonly delegate* unmanaged[Cdecl]<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> SgemmPtr;

    static OpenBlas()
    {
        ChosenCoreType = Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") is { Length: > 0 } user ? user : CoreTypeForThisCpu();
        if (ChosenCoreType is not null && Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") is null or "")
        {
            // the native environment, which OpenBLAS reads while loading (Environment.SetEnvironmentVariable does not reach it)
            NativeEnvironment.Set("OPENBLAS_CORETYPE", ChosenCoreType);
        }
        nint handle = 0;
        foreach (var name in Candidates)
        {
            if (NativeLibrary.TryLoad(name, out handle)) break;
        }
        if (handle == 0)
        {
            throw new DllNotFoundException("OpenBLAS was not found: install the Debian package libopenblas0-pthread (./softq installs it)");
        }
        SgemmPtr = (delegate* unmanaged[Cdecl]<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)NativeLibrary.GetExport(handle, "cblas_sgemm");
        var setThreads = (delegate* unmanaged[Cdecl]<int, void>)NativeLibrary.GetExport(handle, "openblas_set_num_threads");
        var corename = (delegate* unmanaged[Cdecl]<byte*>)NativeLibrary.GetExport(handle, "openblas_get_corename");
        var config = (delegate* unmanaged[Cdecl]<byte*>)NativeLibrary.GetExport(handle, "openblas_get_config");
        CoreName = new string((sbyte*)corename());
        Config = new string((sbyte*)config());

        // the learner's matrices are small (64–3200 rows): one BLAS thread; the other core steps envs
        setThreads(1);
    }

    /// <summary>The kernel family OpenBLAS runs (e.g. "SkylakeX", "Haswell", "Prescott").</summary>
    public static string CoreName { get; }

    /// <summary>OpenBLAS's build description, including its version.</summary>
    public static string Config { get; }

    /// <summary>The version in <see cref="Config"/> ("OpenBLAS 0.3.21 …" → "0.3.21").</summary>
    public static string Version => Config.Split(' ') is [_, var version, ..] ? version : Config;

    /// <summary>The OPENBLAS_CORETYPE in force: the user's, or the one chosen for this CPU (null: OpenBLAS's own detection).</summary>
    public static string? ChosenCoreType { get; }

    /// <summary>cblas_sgemm, row-major, unchecked (<see cref="Gemm.Sgemm"/> validates).</summary>
    internal static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc) =>
        SgemmPtr(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    private static string? CoreTypeForThisCpu()
    {
        if (Avx512F.IsSupported && Avx512BW.IsSupported && Avx512DQ.IsSupported && Avx512F.VL.IsSupported && Avx512CD.IsSupported)
        {
            return "SkylakeX";
        }
        return Avx2.IsSupported && Fma.IsSupported ? "Haswell" : null;
    }

    private const int RowMajor = 101, NoTrans = 111, Trans = 112;
}
