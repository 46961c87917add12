namespace SoftQRobotics.Learning.Blas;

/// <summary>A library that computes the learner's matrix products.</summary>
public enum GemmBackend
{
    /// <summary>OpenBLAS (libopenblas0-pthread), kernels chosen by <see cref="OpenBlas.ChosenCoreType"/>.</summary>
    OpenBlas,
    /// <summary>oneDNN's sgemm (libdnnl2), JIT kernels for the CPU's ISA.</summary>
    OneDnn,
    /// <summary>BLIS (libblis4-serial).</summary>
    Blis,
}

/// <summary>
/// Single-precision matrix products for the MLP engine and the SVGD kernel, on one process-wide
/// backend: <c>SOFTQ_GEMM</c> (<c>openblas</c>, <c>onednn</c>, <c>blis</c>) forces one; unset or <c>auto</c>,
/// a training run picks the fastest on its own products (<see cref="GemmSelection"/>, docs/performance.md,
/// "Choosing the backend"), and until one has, <see cref="DefaultBackend"/> computes. Every backend is
/// checked against the same double-precision references (the engine's gradient and whole-update tests).
/// </summary>
public static unsafe class Gemm
{
    /// <summary>The backend in use before <c>auto</c> has chosen (and where a choice cannot be measured).</summary>
    public const GemmBackend DefaultBackend = GemmBackend.OpenBlas;

    /// <summary>The value of <c>SOFTQ_GEMM</c> that lets each run measure (the default).</summary>
    public const string Auto = "auto";

    private static GemmBackend? _active;

    /// <summary>The backend in use (loaded on first use).</summary>
    /// <exception cref="ArgumentException"><c>SOFTQ_GEMM</c> names no backend.</exception>
    /// <exception cref="DllNotFoundException">the backend's library is not installed.</exception>
    public static GemmBackend Active
    {
        get
        {
            if (_active is { } active) return active;
            Use(Forced ?? DefaultBackend);
            return _active!.Value;
        }
    }

    /// <summary>The backend <c>SOFTQ_GEMM</c> forces; null when it is unset or <c>auto</c>.</summary>
    /// <exception cref="ArgumentException"><c>SOFTQ_GEMM</c> names no backend.</exception>
    public static GemmBackend? Forced =>
        Environment.GetEnvironmentVariable("SOFTQ_GEMM") is { Length: > 0 } name && !name.Equals(Auto, StringComparison.OrdinalIgnoreCase) ? Parse(name) : null;

    /// <summary>Checks that <c>SOFTQ_GEMM</c>, if set, names a backend or <c>auto</c>, without loading any.</summary>
    /// <exception cref="ArgumentException">it names neither.</exception>
    public static void CheckEnvironment() => _ = Forced;

    /// <summary>Switches every later product to <paramref name="backend"/>, loading it; not while an update runs.</summary>
    /// <exception cref="DllNotFoundException">the backend's library is not installed.</exception>
    public static void Use(GemmBackend backend)
    {
        _ = Describe(backend);   // loads it, or throws naming the package
        _active = backend;
    }

    /// <summary>The backend's library, version and kernels, e.g. "OpenBLAS 0.3.21 SkylakeX"; loads it.</summary>
    /// <exception cref="DllNotFoundException">the backend's library is not installed.</exception>
    public static string Describe(GemmBackend backend)
    {
        try
        {
            return backend switch
            {
                GemmBackend.OpenBlas => $"OpenBLAS {OpenBlas.Version} {OpenBlas.CoreName}",
                GemmBackend.OneDnn => OneDnn.Description,
                GemmBackend.Blis => Blis.Description,
                _ => throw new ArgumentOutOfRangeException(nameof(backend)),
            };
        }
        catch (TypeInitializationException e) when (e.InnerException is DllNotFoundException missing)
        {
            throw missing;
        }
    }

    /// <summary>The backend called <paramref name="name"/> (<c>openblas</c>, <c>onednn</c>, <c>blis</c>; case-insensitive).</summary>
    /// <exception cref="ArgumentException">no such backend.</exception>
    public static GemmBackend Parse(string name) => name.ToLowerInvariant() switch
    {
        "openblas" => GemmBackend.OpenBlas,
        "onednn" => GemmBackend.OneDnn,
        "blis" => GemmBackend.Blis,
        _ => throw new ArgumentException($"unknown GEMM backend '{name}' (SOFTQ_GEMM or --backend): openblas, onednn, blis (SOFTQ_GEMM also auto)"),
    };

    /// <summary>The backends <paramref name="list"/> names: <c>all</c>, or names separated by commas.</summary>
    /// <exception cref="ArgumentException">a name is no backend.</exception>
    public static GemmBackend[] ParseList(string list) => list.Trim() == "all"
        ? Enum.GetValues<GemmBackend>()
        : list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(Parse).ToArray();

    /// <summary>The name <see cref="Parse"/> reads.</summary>
    public static string NameOf(GemmBackend backend) => backend.ToString().ToLowerInvariant();

    /// <summary>
    /// When not null, every <see cref="Sgemm"/> call appends its shape here (benchmarks record one
    /// training step to replay its exact mix of products). Not thread-safe; off by default.
    /// </summary>
    public static List<GemmShape>? Recorder { get; set; }

    /// <summary>
    /// C = α·op(A)·op(B) + β·C, row-major, on the active backend. op(A) is (m × k), op(B) is (k × n), C is (m × n).
    /// </summary>
    /// <exception cref="ArgumentException">a span is too short for its shape and leading dimension.</exception>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        Recorder?.Add(new GemmShape(transA, transB, m, n, k));
        SgemmOn(_active ?? Active, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /// <summary>The same product on <paramref name="backend"/>, whichever is active (measurements; not recorded).</summary>
    /// <exception cref="ArgumentException">a span is too short for its shape and leading dimension.</exception>
    /// <exception cref="DllNotFoundException">the backend's library is not installed.</exception>
    public static void SgemmOn(GemmBackend backend, bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        Require(a, transA ? k : m, lda, nameof(a));
        Require(b, transB ? n : k, ldb, nameof(b));
        Require(c, m, ldc, nameof(c));
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            switch (backend)
            {
                case GemmBackend.OpenBlas: OpenBlas.Multiply(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc); break;
                case GemmBackend.OneDnn: OneDnn.Multiply(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc); break;
                default: Blis.Multiply(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc); break;
            }
        }
    }

    private static void Require(ReadOnlySpan<float> span, int rows, int ld, string name)
    {
        if (rows > 0 && span.Length < (long)(rows - 1) * ld + 1)
        {
            throw new ArgumentException($"sgemm: {name} has {span.Length} elements, fewer than {rows} rows of stride {ld} need", name);
        }
    }
}

/// <summary>The shape of one sgemm call: op(A) (m × k) times op(B) (k × n).</summary>
public readonly record struct GemmShape(bool TransA, bool TransB, int M, int N, int K)
{
    /// <summary>2·m·n·k.</summary>
    public double Flops => 2.0 * M * N * K;
}
