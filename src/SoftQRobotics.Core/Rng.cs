using System.Numerics.Tensors;

namespace SoftQRobotics.Core;

/// <summary>
/// xoshiro256** generator with Gaussian draws. Its bits are deterministic for a seed on every platform
/// (the floats of <see cref="FillGaussian"/> on every x86-64 with AVX2 or AVX-512, docs/testing.md,
/// "What a test may assume about floating point"), and its whole state is four words, so checkpoints
/// can save and restore it exactly.
/// </summary>
public sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Seeds the state through splitmix64, as the xoshiro authors recommend.</summary>
    public Rng(ulong seed) => Reseed(seed);

    /// <summary>Restarts the stream from <paramref name="seed"/> (no allocation).</summary>
    public void Reseed(ulong seed)
    {
        _s0 = SplitMix(ref seed);
        _s1 = SplitMix(ref seed);
        _s2 = SplitMix(ref seed);
        _s3 = SplitMix(ref seed);
    }

    /// <summary>The generator's state, (4).</summary>
    public ulong[] State
    {
        get => [_s0, _s1, _s2, _s3];
        set => (_s0, _s1, _s2, _s3) = value is { Length: 4 } ? (value[0], value[1], value[2], value[3]) : throw new ArgumentException("Rng state has 4 words");
    }

    /// <summary>Next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [low, high).</summary>
    public float NextFloat(float low, float high) => (float)(low + (high - low) * NextDouble());

    /// <summary>Uniform integer in [0, n).</summary>
    public int NextInt(int n) => (int)((NextUInt64() >> 33) * (ulong)n >> 31);

    /// <summary>Standard normal draw (Box–Muller; one of the pair is used, so the stream stays simple to restore).</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble();
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with standard normal draws: Box–Muller with both outputs,
    /// z_2i = r cos θ and z_2i+1 = r sin θ from one pair (u₁, u₂) of 53-bit uniforms, r = √(−2 ln u₁),
    /// θ = 2π u₂, evaluated in single precision over blocks of pairs; an odd last element is
    /// <see cref="NextGaussian"/>. One call's stream depends only on the state and the length.
    /// </summary>
    public void FillGaussian(Span<float> destination)
    {
        const int Block = 128;
        Span<float> radius = stackalloc float[Block], angle = stackalloc float[Block], sin = stackalloc float[Block], cos = stackalloc float[Block];
        int pairs = destination.Length / 2;
        for (int first = 0; first < pairs; first += Block)
        {
            int count = Math.Min(Block, pairs - first);
            Span<float> r = radius[..count], θ = angle[..count];
            for (int i = 0; i < count; i++)
            {
                r[i] = (float)(1.0 - NextDouble());   // u₁ in (0, 1]
                θ[i] = (float)NextDouble();           // u₂ in [0, 1)
            }
            TensorPrimitives.Log(r, r);
            TensorPrimitives.Multiply(r, -2f, r);
            TensorPrimitives.Sqrt(r, r);
            TensorPrimitives.Multiply(θ, 2 * MathF.PI, θ);
            TensorPrimitives.SinCos(θ, sin[..count], cos[..count]);
            var block = destination.Slice(2 * first, 2 * count);
            for (int i = 0; i < count; i++) (block[2 * i], block[2 * i + 1]) = (r[i] * cos[i], r[i] * sin[i]);
        }
        if (destination.Length % 2 == 1) destination[^1] = (float)NextGaussian();
    }

    /// <summary>Fills <paramref name="destination"/> with uniform draws in [low, high).</summary>
    public void FillUniform(Span<float> destination, float low, float high)
    {
        for (int i = 0; i < destination.Length; i++) destination[i] = NextFloat(low, high);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
