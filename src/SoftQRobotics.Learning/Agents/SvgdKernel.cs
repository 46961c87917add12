namespace SoftQRobotics.Learning.Agents;

/// <summary>Bandwidth conventions of the RBF kernel κ(u, u′) (spec §6.2); m = median pairwise Euclidean distance of the K particles.</summary>
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
    private readonly float[] _pairDistances;      // (K(K−1)/2)
    private readonly float[] _kernel;             // (K × K)

    public SvgdKernel(int maxParticles, int dim, KernelBandwidth convention)
    {
        _dim = dim;
        Convention = convention;
        _squaredDistances = new float[maxParticles * maxParticles];
        _pairDistances = new float[Math.Max(1, maxParticles * (maxParticles - 1) / 2)];
        _kernel = new float[maxParticles * maxParticles];
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

        // pairwise squared distances and the median of the distances over unique pairs
        int pairs = 0;
        for (int a = 0; a < k; a++)
        {
            _squaredDistances[a * k + a] = 0;
            for (int b = a + 1; b < k; b++)
            {
                float s = 0;
                for (int c = 0; c < d; c++)
                {
                    float diff = particles[a * d + c] - particles[b * d + c];
                    s += diff * diff;
                }
                _squaredDistances[a * k + b] = _squaredDistances[b * k + a] = s;
                _pairDistances[pairs++] = MathF.Sqrt(s);
            }
        }
        double h = Bandwidth(pairs, k);
        LastBandwidth = h;

        // κ_jk = exp(−c₀‖Δ‖²) and ∇_{u_j}κ_jk = −c₁·κ_jk·(u_j − u_k)
        double c0 = Convention == KernelBandwidth.AuthorsCode ? 1 / (2 * h) : 1 / h;
        float c1 = (float)(2 * c0);
        for (int i = 0; i < k * k; i++) _kernel[i] = (float)Math.Exp(-c0 * _squaredDistances[i]);

        // φ_k = (1/K) Σ_j κ_jk·(g_j − α·c₁·(u_j − u_k))
        float inverseK = 1f / k;
        for (int kk = 0; kk < k; kk++)
        {
            var phi = directions.Slice(kk * d, d);
            phi.Clear();
            for (int j = 0; j < k; j++)
            {
                float kappa = _kernel[j * k + kk];
                for (int c = 0; c < d; c++)
                {
                    float repulsion = alpha * c1 * (particles[j * d + c] - particles[kk * d + c]);
                    phi[c] += kappa * (scores[j * d + c] - repulsion);
                }
            }
            for (int c = 0; c < d; c++) phi[c] *= inverseK;
        }
    }

    private double Bandwidth(int pairs, int k)
    {
        if (k == 1) return 0.1;
        var distances = _pairDistances.AsSpan(0, pairs);
        distances.Sort();
        double median = pairs % 2 == 1 ? distances[pairs / 2] : 0.5 * (distances[pairs / 2 - 1] + distances[pairs / 2]);
        double h = Convention == KernelBandwidth.AuthorsCode ? 0.5 * median / Math.Log(k + 1) : median / (2 * Math.Log(k + 1));
        return Math.Max(h, 1e-3);
    }
}
