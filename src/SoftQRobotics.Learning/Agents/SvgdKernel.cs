using System.Numerics;
using System.Numerics.Tensors;
using SoftQRobotics.Learning.Blas;

namespace SoftQRobotics.Learning.Agents;

/// <summary>Bandwidth conventions of the RBF kernel κ(u, u′) (docs/implementation-details.md, "SVGD"); m = median pairwise Euclidean distance of the K particles.</summary>
public enum KernelBandwidth
{
    /// <summary>The authors' code: κ = exp(−‖Δ‖²/(2h)), h = ½·m / ln(K + 1).</summary>
    AuthorsCode,

    /// <summary>The paper's appendix: κ = exp(−‖Δ‖²/h), h = m / (2·ln(K + 1)) (an exponent twice the code's).</summary>
    Paper,
}

/// <summary>
/// The Stein variational direction for one state's K particles u_1..u_K (pre-tanh actions):
/// φ_k = (1/K)·Σ_j [κ(u_j, u_k)·g_j + α·∇_{u_j} κ(u_j, u_k)], where g_j is the score at u_j.
/// The bandwidth follows the median heuristic, with h ≥ 10⁻³ (h = 0.1 when K = 1). Scratch space is
/// allocated once for up to <c>maxParticles</c>.
/// </summary>
public sealed class SvgdKernel
{
    private readonly int _dim;
    private readonly float[] _squaredDistances;   // (K × K)
    private readonly float[] _pairDistances;      // (K(K−1)/2): squared, of the unique pairs
    private readonly float[] _columns;            // (d × K): the particles transposed
    private readonly float[] _kernel;             // (K × K)
    private readonly float[] _scoresAndParticles; // (K × 2d): [g_j, u_j − ū]
    private readonly float[] _weighted;           // (K × 2d): κ·[G | U − ū]
    private readonly float[] _mean;               // (d): ū, the particles' mean

    public SvgdKernel(int maxParticles, int dim, KernelBandwidth convention)
    {
        _dim = dim;
        Convention = convention;
        _squaredDistances = new float[maxParticles * maxParticles];
        _pairDistances = new float[Math.Max(1, maxParticles * (maxParticles - 1) / 2)];
        _columns = new float[dim * maxParticles];
        _kernel = new float[maxParticles * maxParticles];
        _scoresAndParticles = new float[maxParticles * 2 * dim];
        _weighted = new float[maxParticles * 2 * dim];
        _mean = new float[dim];
    }

    /// <summary>Which bandwidth rule is used.</summary>
    public KernelBandwidth Convention { get; }

    /// <summary>The bandwidth h the last <see cref="Direction"/> used.</summary>
    public double LastBandwidth { get; private set; }

    /// <summary>Writes φ for every particle.</summary>
    /// <param name="particles">u, (K × d)</param>
    /// <param name="scores">g = ∇_u log p(u) scaled by α, i.e. ∂Q/∂u + α·∂/∂u log|det ∂a/∂u|, (K × d)</param>
    /// <param name="count">K</param>
    /// <param name="alpha">α, weighting the repulsive term</param>
    /// <param name="directions">destination φ, (K × d)</param>
    public void Direction(ReadOnlySpan<float> particles, ReadOnlySpan<float> scores, int count, float alpha, Span<float> directions)
    {
        int d = _dim, k = count;

        // pairwise squared distances ‖u_a − u_b‖² (vectorised over b on the particles' columns), and the
        // unique pairs' ones for the median
        for (int b = 0; b < k; b++)
        {
            for (int c = 0; c < d; c++) _columns[c * k + b] = particles[b * d + c];
        }
        int width = Vector<float>.Count;
        for (int a = 0; a < k; a++)
        {
            var row = _squaredDistances.AsSpan(a * k, k);
            int b = 0;
            for (; b <= k - width; b += width)
            {
                var sum = Vector<float>.Zero;
                for (int c = 0; c < d; c++)
                {
                    var diff = new Vector<float>(_columns, c * k + b) - new Vector<float>(particles[a * d + c]);
                    sum += diff * diff;
                }
                sum.CopyTo(row[b..]);
            }
            for (; b < k; b++)
            {
                float sum = 0;
                for (int c = 0; c < d; c++)
                {
                    float diff = _columns[c * k + b] - particles[a * d + c];
                    sum += diff * diff;
                }
                row[b] = sum;
            }
        }
        int pairs = 0;
        for (int a = 0; a < k; a++)
        {
            _squaredDistances.AsSpan(a * k + a + 1, k - a - 1).CopyTo(_pairDistances.AsSpan(pairs));
            pairs += k - a - 1;
        }
        double h = Bandwidth(pairs, k);
        LastBandwidth = h;

        // κ_jk = exp(−c₀‖Δ‖²) and ∇_{u_j}κ_jk = −c₁·κ_jk·(u_j − u_k)
        double c0 = Convention == KernelBandwidth.AuthorsCode ? 1 / (2 * h) : 1 / h;
        float c1 = (float)(2 * c0);
        var kernel = _kernel.AsSpan(0, k * k);
        TensorPrimitives.Multiply(_squaredDistances.AsSpan(0, k * k), (float)-c0, kernel);
        TensorPrimitives.Exp(kernel, kernel);

        // φ_k = (1/K) Σ_j κ_jk·(g_j − α·c₁·(u_j − u_k)) = (1/K)·[(κG)_k − α·c₁·((κV)_k − v_k·Σ_j κ_jk)], κ symmetric,
        // v = u − ū: centred, the difference loses no digits to particles that sit close together far from 0
        var mean = _mean.AsSpan(0, d);
        mean.Clear();
        for (int j = 0; j < k; j++) TensorPrimitives.Add(mean, particles.Slice(j * d, d), mean);
        TensorPrimitives.Multiply(mean, 1f / k, mean);
        var joined = _scoresAndParticles.AsSpan(0, 2 * k * d);
        for (int j = 0; j < k; j++)
        {
            scores.Slice(j * d, d).CopyTo(joined.Slice(j * 2 * d, d));
            TensorPrimitives.Subtract(particles.Slice(j * d, d), mean, joined.Slice(j * 2 * d + d, d));
        }
        Gemm.Sgemm(false, false, k, 2 * d, k, 1f, kernel, k, joined, 2 * d, 0f, _weighted, 2 * d);
        float inverseK = 1f / k;
        for (int kk = 0; kk < k; kk++)
        {
            float rowSum = TensorPrimitives.Sum(kernel.Slice(kk * k, k));
            for (int c = 0; c < d; c++)
            {
                float attraction = _weighted[kk * 2 * d + c];
                float repulsion = alpha * c1 * (_weighted[kk * 2 * d + d + c] - (particles[kk * d + c] - mean[c]) * rowSum);
                directions[kk * d + c] = inverseK * (attraction - repulsion);
            }
        }
    }

    private double Bandwidth(int pairs, int k)
    {
        if (k == 1) return 0.1;
        // order statistics of the squared distances, then √: the same as those of the distances (√ is monotone)
        var squared = _pairDistances.AsSpan(0, pairs);
        float upper = MathF.Sqrt(Select(squared, pairs / 2));
        double median = pairs % 2 == 1 ? upper : 0.5 * (upper + MathF.Sqrt(TensorPrimitives.Max(squared[..(pairs / 2)])));
        double h = Convention == KernelBandwidth.AuthorsCode ? 0.5 * median / Math.Log(k + 1) : median / (2 * Math.Log(k + 1));
        return Math.Max(h, 1e-3);
    }

    /// <summary>The n-th smallest value (0-based), by quickselect: afterwards values[..n] ≤ values[n] ≤ values[(n+1)..].</summary>
    private static float Select(Span<float> values, int n)
    {
        int left = 0, right = values.Length - 1;
        while (left < right)
        {
            float pivot = values[(left + right) >>> 1];
            int i = left, j = right;
            while (i <= j)
            {
                while (values[i] < pivot) i++;
                while (values[j] > pivot) j--;
                if (i <= j)
                {
                    (values[i], values[j]) = (values[j], values[i]);
                    i++;
                    j--;
                }
            }
            if (n <= j) right = j;
            else if (n >= i) left = i;
            else break;
        }
        return values[n];
    }
}
