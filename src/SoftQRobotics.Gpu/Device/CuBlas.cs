using System.Runtime.InteropServices;

namespace SoftQRobotics.Gpu.Device;

/// <summary>
/// Our binding of the few cuBLAS entry points the GPU engine calls (cublas_v2 API). The library is
/// found by <see cref="NativeLibrary"/>: <c>libcublas.so.13</c>, <c>.12</c>, <c>.11</c> and the
/// unversioned name, each by the loader's search path and then in CUDA's usual folders
/// (<c>$CUDA_HOME</c>, <c>/usr/local/cuda*/targets/x86_64-linux/lib</c>, <c>/usr/local/cuda/lib64</c>)
/// (docs/gpu.md, "How the libraries are found").
/// </summary>
public sealed unsafe class CuBlas : IDisposable
{
    /// <summary>The library names tried, newest first.</summary>
    public static readonly string[] LibraryNames = ["libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so"];

    private readonly delegate* unmanaged[Cdecl]<nint, int> _destroy;
    private readonly delegate* unmanaged[Cdecl]<nint, nint, int> _setStream;
    private readonly delegate* unmanaged[Cdecl]<nint, int, int, int, int, int, float*, nint, int, long, nint, int, long, float*, nint, int, long, int, int> _sgemmStridedBatched;
    private nint _handle;

    /// <summary>Loads cuBLAS and creates a handle on the calling thread's current CUDA context, bound to <paramref name="stream"/>.</summary>
    /// <exception cref="DllNotFoundException">no cuBLAS library was found (the message names every path tried).</exception>
    /// <exception cref="InvalidOperationException">cublasCreate or cublasSetStream failed (status in the message).</exception>
    public CuBlas(nint stream)
    {
        var (library, path) = Load();
        LibraryPath = path;
        var create = (delegate* unmanaged[Cdecl]<nint*, int>)NativeLibrary.GetExport(library, "cublasCreate_v2");
        _destroy = (delegate* unmanaged[Cdecl]<nint, int>)NativeLibrary.GetExport(library, "cublasDestroy_v2");
        _setStream = (delegate* unmanaged[Cdecl]<nint, nint, int>)NativeLibrary.GetExport(library, "cublasSetStream_v2");
        var getVersion = (delegate* unmanaged[Cdecl]<nint, int*, int>)NativeLibrary.GetExport(library, "cublasGetVersion_v2");
        _sgemmStridedBatched = (delegate* unmanaged[Cdecl]<nint, int, int, int, int, int, float*, nint, int, long, nint, int, long, float*, nint, int, long, int, int>)
            NativeLibrary.GetExport(library, "cublasSgemmStridedBatched");
        nint handle;
        Check(create(&handle), "cublasCreate");
        _handle = handle;
        Check(_setStream(_handle, stream), "cublasSetStream");
        int version;
        Check(getVersion(_handle, &version), "cublasGetVersion");
        Version = $"{version / 10000}.{version / 100 % 100}.{version % 100}";
    }

    /// <summary>The file that was loaded.</summary>
    public string LibraryPath { get; }

    /// <summary>cuBLAS's version, e.g. "13.0.2".</summary>
    public string Version { get; }

    /// <summary>
    /// Column-major C_s = α·op(A_s)·op(B_s) + β·C_s for s = 0 … batch − 1, each operand advancing by its
    /// stride (0: the same matrix for every s). Device pointers; asynchronous on the handle's stream.
    /// </summary>
    public void SgemmStridedBatched(bool transA, bool transB, int m, int n, int k, float alpha, nint a, int lda, long strideA,
        nint b, int ldb, long strideB, float beta, nint c, int ldc, long strideC, int batch)
    {
        ObjectDisposedException.ThrowIf(_handle == 0, this);
        Check(_sgemmStridedBatched(_handle, transA ? 1 : 0, transB ? 1 : 0, m, n, k, &alpha, a, lda, strideA, b, ldb, strideB, &beta, c, ldc, strideC, batch),
            "cublasSgemmStridedBatched");
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_handle != 0) _destroy(_handle);
        _handle = 0;
    }

    private static void Check(int status, string call)
    {
        if (status != 0) throw new InvalidOperationException($"{call} failed with cuBLAS status {status} ({StatusName(status)})");
    }

    private static string StatusName(int status) => status switch
    {
        1 => "CUBLAS_STATUS_NOT_INITIALIZED",
        3 => "CUBLAS_STATUS_ALLOC_FAILED",
        7 => "CUBLAS_STATUS_INVALID_VALUE",
        8 => "CUBLAS_STATUS_ARCH_MISMATCH",
        11 => "CUBLAS_STATUS_MAPPING_ERROR",
        13 => "CUBLAS_STATUS_EXECUTION_FAILED",
        14 => "CUBLAS_STATUS_INTERNAL_ERROR",
        15 => "CUBLAS_STATUS_NOT_SUPPORTED",
        _ => "unknown",
    };

    /// <summary>Every place <see cref="Load"/> looks, in order.</summary>
    public static IEnumerable<string> Candidates()
    {
        var folders = new List<string>();
        if (Environment.GetEnvironmentVariable("CUDA_HOME") is { Length: > 0 } home) folders.Add(Path.Combine(home, "lib64"));
        if (Environment.GetEnvironmentVariable("CUDA_PATH") is { Length: > 0 } cudaPath) folders.Add(Path.Combine(cudaPath, "lib64"));
        if (Directory.Exists("/usr/local"))
        {
            folders.AddRange(Directory.EnumerateDirectories("/usr/local", "cuda*").OrderDescending()
                .SelectMany(root => new[] { Path.Combine(root, "targets/x86_64-linux/lib"), Path.Combine(root, "lib64") }));
        }
        foreach (var name in LibraryNames)
        {
            yield return name;
            foreach (var folder in folders) yield return Path.Combine(folder, name);
        }
    }

    private static (nint Handle, string Path) Load()
    {
        foreach (var candidate in Candidates())
        {
            if ((!candidate.Contains('/') || File.Exists(candidate)) && NativeLibrary.TryLoad(candidate, out var handle)) return (handle, candidate);
        }
        throw new DllNotFoundException($"cuBLAS was not found (tried {string.Join(", ", LibraryNames)} on the loader's path and under $CUDA_HOME, /usr/local/cuda*): install CUDA's cuBLAS 11, 12 or 13");
    }
}
