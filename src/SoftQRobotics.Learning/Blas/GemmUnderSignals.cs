using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SoftQRobotics.Learning.Blas;

/// <summary>What <see cref="GemmUnderSignals.Run"/> did: products computed and signals sent to the computing thread, and the products' result check.</summary>
/// <param name="Products">matrix products computed</param>
/// <param name="Signals">signals sent to the thread while it computed them</param>
/// <param name="MaxError">largest |C − C_ref| over the products' checks, C_ref in double precision</param>
public sealed record GemmSignalResult(long Products, long Signals, double MaxError);

/// <summary>
/// A backend's products computed while signals keep arriving at the computing thread, as a stopping run meets
/// them (SIGTERM while the learner multiplies), but thousands of times a second. A backend whose kernels let a
/// signal frame land in the malloc heap corrupts it, and glibc ends the process ("corrupted size vs. prev_size")
/// within seconds; see docs/performance.md, "oneDNN and signals". Linux only.
/// </summary>
public static unsafe class GemmUnderSignals
{
    private const int SigUsr1 = 10, SigUsr2 = 12;
    // inner sizes on both sides of every f32 kernel's stack capacity (84, 252, 504; OneDnn.SignalSafeInnerSize) and far beyond
    private static readonly int[] InnerSizes = [80, 100, 200, 254, 300, 500, 2048];

    /// <summary>Computes 64 × k by k × 64 products on a new thread for <paramref name="duration"/> while this one sends it SIGUSR2 every ~20 µs.</summary>
    /// <exception cref="PlatformNotSupportedException">not Linux.</exception>
    public static GemmSignalResult Run(GemmBackend backend, TimeSpan duration)
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("the signal check needs Linux (tgkill)");
        Gemm.Use(backend);
        nint libc = NativeLibrary.Load("libc.so.6");
        var getTid = (delegate* unmanaged[Cdecl]<int>)NativeLibrary.GetExport(libc, "gettid");
        var tgkill = (delegate* unmanaged[Cdecl]<int, int, int, int>)NativeLibrary.GetExport(libc, "tgkill");
        using var handler = PosixSignalRegistration.Create((PosixSignal)SigUsr2, context => context.Cancel = true);
        var drained = new ManualResetEventSlim(false);
        using var marker = PosixSignalRegistration.Create((PosixSignal)SigUsr1, context => { context.Cancel = true; drained.Set(); });

        int tid = 0;
        long products = 0;
        double maxError = 0;
        var stop = new ManualResetEventSlim(false);
        var ready = new ManualResetEventSlim(false);
        var worker = new Thread(() =>
        {
            tid = getTid();
            ready.Set();
            (products, maxError) = Multiply(stop);
        }) { IsBackground = true, Name = "softq-gemm-under-signals" };
        worker.Start();
        ready.Wait();

        int pid = Environment.ProcessId;
        long signals = 0, pause = Stopwatch.Frequency / 50_000;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            if (tgkill(pid, tid, SigUsr2) == 0) signals++;
            long until = Stopwatch.GetTimestamp() + pause;
            while (Stopwatch.GetTimestamp() < until) Thread.SpinWait(10);
        }
        stop.Set();
        worker.Join();
        // the runtime hands each delivered signal to its handlers later, in order of arrival; one that comes after its
        // registration is gone takes the default action and ends the process (exit 140). A last, different signal marks
        // the end of the storm: once its handler ran, every SIGUSR2 before it has met the registration.
        tgkill(pid, getTid(), SigUsr1);
        if (!drained.Wait(TimeSpan.FromSeconds(30))) throw new TimeoutException("the runtime did not hand on the storm's last signal within 30 s");
        return new GemmSignalResult(products, signals, maxError);
    }

    /// <summary>Products of every inner size in turn until <paramref name="stop"/>, each checked, with heap traffic between them (where glibc notices a corrupted heap).</summary>
    private static (long Products, double MaxError) Multiply(ManualResetEventSlim stop)
    {
        const int m = 64, n = 64;
        int kMax = InnerSizes.Max();
        var a = new float[m * kMax];
        var b = new float[kMax * n];
        var c = new float[m * n];
        for (int i = 0; i < a.Length; i++) a[i] = (i % 13 - 6) / 8f;
        for (int i = 0; i < b.Length; i++) b[i] = (i % 7 - 3) / 4f;
        long products = 0;
        double maxError = 0;
        while (!stop.IsSet)
        {
            foreach (int k in InnerSizes)
            {
                Gemm.Sgemm(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n);
                maxError = Math.Max(maxError, Math.Abs(c[(int)(products % (m * n))] - Reference(a, b, k, n, (int)(products % (m * n)))));
                nint block = (nint)NativeMemory.Alloc((nuint)(64 + products % 70_000));   // small and large: glibc consolidates its free lists
                NativeMemory.Free((void*)block);
                products++;
            }
        }
        return (products, maxError);
    }

    private static double Reference(float[] a, float[] b, int k, int n, int index)
    {
        int row = index / n, column = index % n;
        double sum = 0;
        for (int j = 0; j < k; j++) sum += (double)a[row * k + j] * b[j * n + column];
        return sum;
    }
}
