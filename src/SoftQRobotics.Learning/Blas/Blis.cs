using System.Runtime.InteropServices;

namespace SoftQRobotics.Learning.Blas;

/// <summary>BLIS (Debian libblis4-serial, single-threaded) through its CBLAS layer; it picks its kernels by CPU at run time.</summary>
public static unsafe class Blis
{
    private const string Library = "/usr/lib/x86_64-linux-gnu/blis-serial/libblis.so.4";
    private static readonly delegate* unmanaged[Cdecl]<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> SgemmPtr;

    static Blis()
    {
        if (!NativeLibrary.TryLoad(Library, out nint handle))
        {
            throw new DllNotFoundException("BLIS was not found: install the Debian package libblis4-serial (./softq installs it)");
        }
        SgemmPtr = (delegate* unmanaged[Cdecl]<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)NativeLibrary.GetExport(handle, "cblas_sgemm");
        var version = ((delegate* unmanaged[Cdecl]<sbyte*>)NativeLibrary.GetExport(handle, "bli_info_get_version_str"))();
        int arch = ((delegate* unmanaged[Cdecl]<int>)NativeLibrary.GetExport(handle, "bli_arch_query_id"))();
        var archName = ((delegate* unmanaged[Cdecl]<int, sbyte*>)NativeLibrary.GetExport(handle, "bli_arch_string"))(arch);
        Description = $"BLIS {new string(version)} {new string(archName)}";
    }

    /// <summary>Version and the kernel set in use, e.g. "BLIS 0.9.0 zen3".</summary>
    public static string Description { get; }

    /// <summary>cblas_sgemm, row-major, unchecked (<see cref="Gemm.Sgemm"/> validates).</summary>
    internal static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc) =>
        SgemmPtr(101, transA ? 112 : 111, transB ? 112 : 111, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
