using ILGPU;

namespace SoftQRobotics.Gpu.Device;

/// <summary>Element-wise function codes the kernels take (the CPU engine's <c>Activation</c>: 0 identity, 1 ReLU, 2 tanh).</summary>
internal static class ActivationCode
{
    public const int Identity = 0, Relu = 1, Tanh = 2;

    public static float Apply(int code, float y) => code == Relu ? MathF.Max(y, 0f) : code == Tanh ? MathF.Tanh(y) : y;

    /// <summary>f′ from the stored output y = f(x).</summary>
    public static float Derivative(int code, float y) => code == Relu ? (y > 0f ? 1f : 0f) : code == Tanh ? 1f - y * y : 1f;
}

/// <summary>Shape of a grouped first layer: rows [g_i, x_ij], j &lt; <see cref="PerGroup"/>, per seed.</summary>
internal struct FirstLayerShape
{
    public int Rows, PerGroup, GroupWidth, RowWidth, OutWidth, Activation;
    public int WeightOffset, BiasOffset, ParameterStride, GroupStride, RowStride, OutputStride;
}

/// <summary>Shape of the SVGD kernels: N states × K particles of dimension d per seed.</summary>
internal struct SteinShape
{
    public int States, Particles, Dim, BatchSize, AuthorsCodeBandwidth;
    public float Alpha;
    public int ParticleStride, DistanceStride, PairStride, StateStride;
}

/// <summary>
/// The GPU engine's ILGPU kernels. Each runs once per element of its index space; the index space
/// always starts with the seed (element = seed·perSeed + local), so one launch serves every seed.
/// Shapes and the mathematics each kernel implements: docs/gpu.md, "Kernels".
/// </summary>
internal static class Kernels
{
    /// <summary>y = f(b + g_i·W_g + x_ij·W_x) over (seeds × rows × out): the grouped first layer, joined inputs never built.</summary>
    public static void FirstLayer(Index1D index, ArrayView<float> parameters, ArrayView<float> groups, ArrayView<float> rows, ArrayView<float> output, FirstLayerShape shape)
    {
        int perSeed = shape.Rows * shape.OutWidth;
        int seed = index / perSeed, local = index % perSeed, row = local / shape.OutWidth, o = local % shape.OutWidth;
        int p = seed * shape.ParameterStride;
        float sum = parameters[p + shape.BiasOffset + o];
        int g = seed * shape.GroupStride + row / shape.PerGroup * shape.GroupWidth;
        for (int c = 0; c < shape.GroupWidth; c++) sum += groups[g + c] * parameters[p + shape.WeightOffset + c * shape.OutWidth + o];
        int x = seed * shape.RowStride + row * shape.RowWidth, wx = p + shape.WeightOffset + shape.GroupWidth * shape.OutWidth;
        for (int c = 0; c < shape.RowWidth; c++) sum += rows[x + c] * parameters[wx + c * shape.OutWidth + o];
        output[seed * shape.OutputStride + local] = ActivationCode.Apply(shape.Activation, sum);
    }

    /// <summary>y ← f(y + b) over (seeds × rows × width), b of each seed at biasOffset in its parameters.</summary>
    public static void BiasActivation(Index1D index, ArrayView<float> y, int rowsTimesWidth, int width, int yStride, ArrayView<float> parameters, int biasOffset, int parameterStride, int activation)
    {
        int seed = index / rowsTimesWidth, local = index % rowsTimesWidth;
        int at = seed * yStride + local;
        y[at] = ActivationCode.Apply(activation, y[at] + parameters[seed * parameterStride + biasOffset + local % width]);
    }

    /// <summary>δ = g ⊙ f′(y) over (seeds × count): the gradient through an activation, from the stored output y.</summary>
    public static void ActivationBackward(Index1D index, ArrayView<float> gradient, int gradientStride, ArrayView<float> y, int yStride, ArrayView<float> delta, int deltaStride, int count, int activation)
    {
        int seed = index / count, local = index % count;
        delta[seed * deltaStride + local] = gradient[seed * gradientStride + local] * ActivationCode.Derivative(activation, y[seed * yStride + local]);
    }

    /// <summary>Σ over each group's rows of δ: (seeds × groups × width) from (seeds × groups·perGroup × width).</summary>
    public static void SumOverGroups(Index1D index, ArrayView<float> delta, int deltaStride, ArrayView<float> sums, int sumStride, int groups, int perGroup, int width)
    {
        int perSeed = groups * width;
        int seed = index / perSeed, local = index % perSeed, group = local / width, o = local % width;
        int first = seed * deltaStride + group * perGroup * width + o;
        float sum = delta[first];
        for (int j = 1; j < perGroup; j++) sum += delta[first + j * width];
        sums[seed * sumStride + local] = sum;
    }

    /// <summary>a = tanh(u) over (seeds × count).</summary>
    public static void Tanh(Index1D index, ArrayView<float> u, int uStride, ArrayView<float> a, int aStride, int count)
    {
        int seed = index / count, local = index % count;
        a[seed * aStride + local] = MathF.Tanh(u[seed * uStride + local]);
    }

    /// <summary>
    /// Adam in TensorFlow's form over (seeds × size): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
    /// θ ← θ − step·m/(√v + ε), step = lr·√(1−β₂ᵗ)/(1−β₁ᵗ) computed on the host.
    /// </summary>
    public static void Adam(Index1D index, ArrayView<float> parameters, ArrayView<float> gradients, ArrayView<float> m, ArrayView<float> v, float beta1, float beta2, float epsilon, float stepSize)
    {
        float g = gradients[index];
        float mi = beta1 * m[index] + (1 - beta1) * g;
        float vi = beta2 * v[index] + (1 - beta2) * g * g;
        m[index] = mi;
        v[index] = vi;
        parameters[index] -= stepSize * mi / (MathF.Sqrt(vi) + epsilon);
    }

    /// <summary>
    /// SQL's TD target over (seeds × N): y_i = r_i + γ(1 − terminal_i)·V_soft(s′_i), V_soft from the K_V
    /// values Q̄(s′_i, a′_ik) by uniform importance sampling (eq. 10):
    /// V = max + α·[ln Σ_k exp((Q̄_k − max)/α) − ln K_V] + d·α·ln 2, in double precision like the CPU engine.
    /// </summary>
    public static void SoftTarget(Index1D index, ArrayView<float> qBar, int qBarStride, int valueParticles, ArrayView<float> batch, int batchStride, int rewardOffset, int terminalOffset,
        ArrayView<float> y, int yStride, int n, double alpha, double discount, int actionDim)
    {
        int seed = index / n, i = index % n;
        int first = seed * qBarStride + i * valueParticles;
        double max = double.NegativeInfinity;
        for (int k = 0; k < valueParticles; k++) max = Math.Max(max, qBar[first + k]);
        double sum = 0;
        for (int k = 0; k < valueParticles; k++) sum += Math.Exp((qBar[first + k] - max) / alpha);
        double value = max + alpha * (Math.Log(sum) - Math.Log(valueParticles)) + actionDim * alpha * Math.Log(2.0);
        float v = (float)value;
        int b = seed * batchStride;
        y[seed * yStride + i] = batch[b + rewardOffset + i] + (float)(discount * (1 - batch[b + terminalOffset + i])) * v;
    }

    /// <summary>DDPG's TD target over (seeds × N): y_i = r_i + γ(1 − terminal_i)·Q̄(s′_i, μ̄(s′_i)).</summary>
    public static void BootstrapTarget(Index1D index, ArrayView<float> qNext, int qNextStride, ArrayView<float> batch, int batchStride, int rewardOffset, int terminalOffset,
        ArrayView<float> y, int yStride, int n, double discount)
    {
        int seed = index / n, i = index % n;
        int b = seed * batchStride;
        y[seed * yStride + i] = batch[b + rewardOffset + i] + (float)(discount * (1 - batch[b + terminalOffset + i])) * qNext[seed * qNextStride + i];
    }

    /// <summary>∂J_Q/∂Q_i = 2(Q_i − y_i)/N over (seeds × N), J_Q = mean (Q − y)² (eq. 11 without its ½); keeps a copy of Q_i for the statistics. Outputs (seeds × N), dense.</summary>
    public static void TdGradient(Index1D index, ArrayView<float> q, int qStride, ArrayView<float> y, int yStride, ArrayView<float> gradient, ArrayView<float> qCopy, int n)
    {
        int seed = index / n, i = index % n;
        float qi = q[seed * qStride + i];
        float error = qi - y[seed * yStride + i];
        gradient[seed * n + i] = 2 * error / n;
        qCopy[seed * n + i] = qi;
    }

    /// <summary>Squared pairwise distances ‖u_a − u_b‖² of each state's K particles, over (seeds × N × K × K).</summary>
    public static void PairwiseDistances(Index1D index, ArrayView<float> particles, ArrayView<float> distances, SteinShape shape)
    {
        int k = shape.Particles, d = shape.Dim, perSeed = shape.States * k * k;
        int seed = index / perSeed, local = index % perSeed, state = local / (k * k), a = local / k % k, b = local % k;
        int first = seed * shape.ParticleStride + state * k * d;
        float sum = 0;
        for (int c = 0; c < d; c++)
        {
            float diff = particles[first + b * d + c] - particles[first + a * d + c];
            sum += diff * diff;
        }
        distances[seed * shape.DistanceStride + local] = sum;
    }

    /// <summary>
    /// The median-heuristic bandwidth per state over (seeds × N), written as c₀ (κ = exp(−c₀‖Δ‖²)):
    /// the median m of the K(K−1)/2 pairwise distances (order statistics by quickselect on a copy of the
    /// squared ones), h = ½m/ln(K+1) (authors' code) or m/(2 ln(K+1)) (paper), h ≥ 10⁻³, h = 0.1 when K = 1;
    /// c₀ = 1/(2h) (code) or 1/h (paper).
    /// </summary>
    public static void Bandwidth(Index1D index, ArrayView<float> distances, ArrayView<float> pairs, ArrayView<float> c0, SteinShape shape)
    {
        int k = shape.Particles;
        int seed = index / shape.States, state = index % shape.States;
        double h;
        if (k == 1)
        {
            h = 0.1;
        }
        else
        {
            int count = k * (k - 1) / 2, first = seed * shape.PairStride + state * count, d = seed * shape.DistanceStride + state * k * k, at = first;
            for (int a = 0; a < k; a++)
            {
                for (int b = a + 1; b < k; b++) pairs[at++] = distances[d + a * k + b];
            }
            int n = count / 2;
            float upper = MathF.Sqrt(Select(pairs, first, count, n));
            double median = upper;
            if (count % 2 == 0)
            {
                float lowerMax = pairs[first];
                for (int j = 1; j < n; j++) lowerMax = MathF.Max(lowerMax, pairs[first + j]);
                median = 0.5 * (upper + MathF.Sqrt(lowerMax));
            }
            h = shape.AuthorsCodeBandwidth != 0 ? 0.5 * median / Math.Log(k + 1) : median / (2 * Math.Log(k + 1));
            h = Math.Max(h, 1e-3);
        }
        c0[seed * shape.StateStride + state] = (float)(shape.AuthorsCodeBandwidth != 0 ? 1 / (2 * h) : 1 / h);
    }

    /// <summary>The n-th smallest of values[first … first + count − 1] (0-based), by quickselect in place.</summary>
    private static float Select(ArrayView<float> values, int first, int count, int n)
    {
        int left = first, right = first + count - 1, target = first + n;
        while (left < right)
        {
            float pivot = values[(left + right) >> 1];
            int i = left, j = right;
            while (i <= j)
            {
                while (values[i] < pivot) i++;
                while (values[j] > pivot) j--;
                if (i <= j)
                {
                    float swap = values[i];
                    values[i] = values[j];
                    values[j] = swap;
                    i++;
                    j--;
                }
            }
            if (target <= j) right = j;
            else if (target >= i) left = i;
            else break;
        }
        return values[target];
    }

    /// <summary>
    /// The Stein direction per particle over (seeds × N × K): with a_j = tanh u_j and the score
    /// g_j = ∂Q/∂a_j·(1 − a_j²) − 2α·a_j, φ_k = (1/K)·Σ_j κ_jk·(g_j − α·c₁·(u_j − u_k)), κ_jk = exp(−c₀‖u_j − u_k‖²),
    /// c₁ = 2c₀. Writes −φ_k/N (∂ of −Σ⟨u, φ⟩/N w.r.t. u, what f^φ's backward pass takes) and |φ_k|².
    /// </summary>
    public static void SteinDirection(Index1D index, ArrayView<float> particles, ArrayView<float> actions, ArrayView<float> dQda, ArrayView<float> distances, ArrayView<float> c0,
        ArrayView<float> gradient, ArrayView<float> squaredNorms, SteinShape shape)
    {
        int k = shape.Particles, d = shape.Dim, perSeed = shape.States * k;
        int seed = index / perSeed, local = index % perSeed, state = local / k, me = local % k;
        int first = seed * shape.ParticleStride + state * k * d;
        float negC0 = -c0[seed * shape.StateStride + state], c1 = 2 * c0[seed * shape.StateStride + state], alpha = shape.Alpha;
        int distanceRow = seed * shape.DistanceStride + state * k * k + me * k;
        float norm = 0;
        for (int c = 0; c < d; c++)
        {
            float uk = particles[first + me * d + c], sum = 0;
            for (int j = 0; j < k; j++)
            {
                float kappa = MathF.Exp(negC0 * distances[distanceRow + j]);
                float a = actions[first + j * d + c];
                float score = dQda[first + j * d + c] * (1 - a * a) - 2 * alpha * a;
                sum += kappa * (score - alpha * c1 * (particles[first + j * d + c] - uk));
            }
            float phi = sum / k;
            norm += phi * phi;
            gradient[first + me * d + c] = -phi / shape.BatchSize;
        }
        squaredNorms[seed * perSeed + local] = norm;
    }

    /// <summary>
    /// A step's statistics per seed (one thread each): stats[s] = (mean (Q − y)², √(Σ|φ|²/(N·K)) or the
    /// actor's loss −mean Q(s, μ(s)), mean Q, mean y), summed in double.
    /// </summary>
    public static void StepStatistics(Index1D seed, ArrayView<float> q, int qStride, ArrayView<float> y, int yStride, int n,
        ArrayView<float> second, int secondStride, int secondCount, int secondIsStein, ArrayView<double> stats)
    {
        double loss = 0, meanQ = 0, meanY = 0, other = 0;
        for (int i = 0; i < n; i++)
        {
            double qi = q[seed * qStride + i], yi = y[seed * yStride + i];
            loss += (qi - yi) * (qi - yi);
            meanQ += qi;
            meanY += yi;
        }
        for (int j = 0; j < secondCount; j++) other += second[seed * secondStride + j];
        stats[seed * 4] = loss / n;
        stats[seed * 4 + 1] = secondIsStein != 0 ? Math.Sqrt(other / secondCount) : -other / secondCount;
        stats[seed * 4 + 2] = meanQ / n;
        stats[seed * 4 + 3] = meanY / n;
    }
}
