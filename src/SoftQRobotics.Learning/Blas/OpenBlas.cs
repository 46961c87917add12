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
            setenv("OPENBLAS_CORETYPE", ChosenCoreType, 1);
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

    /// <summary>The OPENBLAS_CORETYPE in force: the user's, or the one chosen for this CPU (null: OpenBLAS's own detection).</summary>
    public static string? ChosenCoreType { get; }

    /// <summary>
    /// When not null, every <see cref="Sgemm"/> call appends its shape here (benchmarks record one
    /// training step to replay its exact mix of products). Not thread-safe; off by default.
    /// </summary>
    public static List<GemmShape>? Recorder { get; set; }

    /// <summary>
    /// C = α·op(A)·op(B) + β·C, row-major. op(A) is (m × k), op(B) is (k × n), C is (m × n).
    /// </summary>
    /// <exception cref="ArgumentException">a span is too short for its shape and leading dimension.</exception>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        Require(a, transA ? k : m, lda, nameof(a));
        Require(b, transB ? n : k, ldb, nameof(b));
        Require(c, m, ldc, nameof(c));
        Recorder?.Add(new GemmShape(transA, transB, m, n, k));
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            SgemmPtr(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
        }
    }

    private static void Require(ReadOnlySpan<float> span, int rows, int ld, string name)
    {
        if (rows > 0 && span.Length < (long)(rows - 1) * ld + 1)
        {
            throw new ArgumentException($"sgemm: {name} has {span.Length} elements, fewer than {rows} rows of stride {ld} need", name);
        }
    }

    private static string? CoreTypeForThisCpu()
    {
        if (Avx512F.IsSupported && Avx512BW.IsSupported && Avx512DQ.IsSupported && Avx512F.VL.IsSupported && Avx512CD.IsSupported)
        {
            return "SkylakeX";
        }
        return Avx2.IsSupported && Fma.IsSupported ? "Haswell" : null;
    }

    private const int RowMajor = 101, NoTrans = 111, Trans = 112;

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int setenv([MarshalAs(UnmanagedType.LPStr)] string name, [MarshalAs(UnmanagedType.LPStr)] string value, int overwrite);
}

/// <summary>The shape of one sgemm call: op(A) (m × k) times op(B) (k × n).</summary>
public readonly record struct GemmShape(bool TransA, bool TransB, int M, int N, int K)
{
    /// <summary>2·m·n·k.</summary>
    public double Flops => 2.0 * M * N * K;
}
