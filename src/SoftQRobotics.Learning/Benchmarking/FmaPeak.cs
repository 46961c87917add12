using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SoftQRobotics.Learning.Nn;

namespace SoftQRobotics.Learning.Benchmarking;

/// <summary>One core's FP32 peak as a register-blocked fused-multiply-add loop measures it.</summary>
/// <param name="Gflops">the best rate of the timed rounds, in 10⁹ FLOP/s (an FMA counts 2 per lane)</param>
/// <param name="VectorBits">the vector width of the loop: 512 (AVX-512F), 256 (FMA3) or 128 (SSE, multiply then add)</param>
public sealed record FmaPeakResult(double Gflops, int VectorBits);

/// <summary>
/// The FP32 peak of the calling thread's core: twelve independent accumulators (enough to cover the
/// FMA latency on two pipes), each updated acc ← acc·m + c at the widest vector width the CPU supports.
/// </summary>
public static class FmaPeak
{
    private const int Accumulators = 12;

    /// <summary>Best of <paramref name="rounds"/> timed loops of <paramref name="iterations"/> blocks each.</summary>
    /// <exception cref="ArgumentOutOfRangeException">rounds or iterations below 1.</exception>
    public static FmaPeakResult Measure(int rounds = 5, long iterations = 20_000_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        var (bits, loop) = WidestLoop();
        loop(1000);   // JIT and warm-up
        double best = 0;
        float sink = 0;
        for (int r = 0; r < rounds; r++)
        {
            long start = Stopwatch.GetTimestamp();
            sink += loop(iterations);
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            best = Math.Max(best, Flops(iterations, bits) / seconds / 1e9);
        }
        GC.KeepAlive(sink);
        return new FmaPeakResult(best, bits);
    }

    /// <summary>
    /// The FP32 peak of two threads at once, each running the same loop as <see cref="Measure"/>, in
    /// 10⁹ FLOP/s summed over both: the ceiling a two-thread step can reach on this machine (below
    /// twice <see cref="Measure"/> where the two vCPUs share a core's FMA pipes or its clock drops).
    /// Best of <paramref name="rounds"/>; the threads start together on <paramref name="pair"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">rounds or iterations below 1.</exception>
    public static double MeasureTwoThreads(ParallelPair pair, int rounds = 5, long iterations = 20_000_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        var (bits, loop) = WidestLoop();
        float sink0 = 0, sink1 = 0;
        pair.Run(() => sink1 += loop(1000), () => sink0 += loop(1000));   // JIT and warm-up, both threads
        double best = 0;
        for (int r = 0; r < rounds; r++)
        {
            long start = Stopwatch.GetTimestamp();
            pair.Run(() => sink1 += loop(iterations), () => sink0 += loop(iterations));
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            best = Math.Max(best, 2 * Flops(iterations, bits) / seconds / 1e9);
        }
        GC.KeepAlive(sink0 + sink1);
        return best;
    }

    /// <summary>The widest vector width the CPU has, in bits, and the loop that uses it.</summary>
    private static (int Bits, Func<long, float> Loop) WidestLoop()
    {
        int bits = Avx512F.IsSupported ? 512 : Fma.IsSupported ? 256 : 128;
        return (bits, bits switch { 512 => Loop512, 256 => Loop256, _ => Loop128 });
    }

    /// <summary>FLOPs of one loop of <paramref name="iterations"/> blocks at <paramref name="bits"/>: a multiply and an add per lane per accumulator.</summary>
    private static double Flops(long iterations, int bits) => (double)iterations * Accumulators * (bits / 32) * 2;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Loop512(long iterations)
    {
        var m = Vector512.Create(0.999999f);
        var c = Vector512.Create(1e-6f);
        Vector512<float> a0 = Vector512.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
                         a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Avx512F.FusedMultiplyAdd(a0, m, c); a1 = Avx512F.FusedMultiplyAdd(a1, m, c);
            a2 = Avx512F.FusedMultiplyAdd(a2, m, c); a3 = Avx512F.FusedMultiplyAdd(a3, m, c);
            a4 = Avx512F.FusedMultiplyAdd(a4, m, c); a5 = Avx512F.FusedMultiplyAdd(a5, m, c);
            a6 = Avx512F.FusedMultiplyAdd(a6, m, c); a7 = Avx512F.FusedMultiplyAdd(a7, m, c);
            a8 = Avx512F.FusedMultiplyAdd(a8, m, c); a9 = Avx512F.FusedMultiplyAdd(a9, m, c);
            a10 = Avx512F.FusedMultiplyAdd(a10, m, c); a11 = Avx512F.FusedMultiplyAdd(a11, m, c);
        }
        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Loop256(long iterations)
    {
        var m = Vector256.Create(0.999999f);
        var c = Vector256.Create(1e-6f);
        Vector256<float> a0 = Vector256.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
                         a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Fma.MultiplyAdd(a0, m, c); a1 = Fma.MultiplyAdd(a1, m, c);
            a2 = Fma.MultiplyAdd(a2, m, c); a3 = Fma.MultiplyAdd(a3, m, c);
            a4 = Fma.MultiplyAdd(a4, m, c); a5 = Fma.MultiplyAdd(a5, m, c);
            a6 = Fma.MultiplyAdd(a6, m, c); a7 = Fma.MultiplyAdd(a7, m, c);
            a8 = Fma.MultiplyAdd(a8, m, c); a9 = Fma.MultiplyAdd(a9, m, c);
            a10 = Fma.MultiplyAdd(a10, m, c); a11 = Fma.MultiplyAdd(a11, m, c);
        }
        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    /// <summary>Without FMA: a multiply and an add per lane (still 2 FLOPs).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Loop128(long iterations)
    {
        var m = Vector128.Create(0.999999f);
        var c = Vector128.Create(1e-6f);
        Vector128<float> a0 = Vector128.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
                         a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = a0 * m + c; a1 = a1 * m + c; a2 = a2 * m + c; a3 = a3 * m + c;
            a4 = a4 * m + c; a5 = a5 * m + c; a6 = a6 * m + c; a7 = a7 * m + c;
            a8 = a8 * m + c; a9 = a9 * m + c; a10 = a10 * m + c; a11 = a11 * m + c;
        }
        return Vector128.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }
}
