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

    /// <summary>1: g_i·W_g was computed once per group into the group terms (groups × out); 0: the kernel computes it per row.</summary>
    public int HasGroupTerms, GroupTermStride;
}

/// <summary>What <see cref="Kernels.StepStatistics"/> reads: strides per seed, counts, α for SQL's spread, the particles' action width (Particles 0: none).</summary>
internal struct StatisticsShape
{
    public int QStride, YStride, N, SecondStride, SecondCount, SecondIsStein, ParticleQStride, Particles, ParticleActionStride, ActionDim;
    public double Alpha;
}

/// <summary>Shape of the SVGD kernels: N states × K particles of dimension d per seed.</summary>
internal struct SteinShape
{
    public int States, Particles, Dim, BatchSize, AuthorsCodeBandwidth;
    public float Alpha;
    public int ParticleStride, DistanceStride;
}

/// <summary>
/// The GPU engine's ILGPU kernels. Each runs once per element of its index space; the index space
/// always starts with the seed (element = seed·perSeed + local), so one launch serves every seed.
/// Shapes and the mathematics each kernel implements: docs/gpu.md, "Kernels".
/// </summary>
internal static class Kernels
{
    /// <summary>
    /// y = f(b + g_i·W_g + x_ij·W_x) over (seeds × rows × out): the grouped first layer, joined inputs never
    /// built; g_i·W_g read from <paramref name="groupTerms"/> when a product computed it once per group.
    /// </summary>
    public static void FirstLayer(Index1D index, ArrayView<float> parameters, ArrayView<float> groups, ArrayView<float> rows, ArrayView<float> groupTerms, ArrayView<float> output, FirstLayerShape shape)
    {
        int perSeed = shape.Rows * shape.OutWidth;
        int seed = index / perSeed, local = index % perSeed, row = local / shape.OutWidth, o = local % shape.OutWidth;
        int p = seed * shape.ParameterStride;
        float sum;
        if (shape.HasGroupTerms != 0)
        {
            sum = groupTerms[seed * shape.GroupTermStride + row / shape.PerGroup * shape.OutWidth + o] + parameters[p + shape.BiasOffset + o];
        }
        else
        {
            sum = parameters[p + shape.BiasOffset + o];
            int g = seed * shape.GroupStride + row / shape.PerGroup * shape.GroupWidth;
            for (int c = 0; c < shape.GroupWidth; c++) sum += groups[g + c] * parameters[p + shape.WeightOffset + c * shape.OutWidth + o];
        }
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
    /// θ ← θ − step·m/(√v + ε), step = lr·√(1−β₂ᵗ)/(1−β₁ᵗ) computed on the host and read from stepSize[0]
    /// (device memory: a captured graph replays with each update's own step).
    /// </summary>
    public static void Adam(Index1D index, ArrayView<float> parameters, ArrayView<float> gradients, ArrayView<float> m, ArrayView<float> v, float beta1, float beta2, float epsilon, ArrayView<float> step)
    {
        float stepSize = step[0];
        float g = gradients[index];
        float mi = beta1 * m[index] + (1 - beta1) * g;
        float vi = beta2 * v[index] + (1 - beta2) * g * g;
        m[index] = mi;
        v[index] = vi;
        parameters[index] -= stepSize * mi / (MathF.Sqrt(vi) + epsilon);
    }

    /// <summary>
    /// SQL's TD target, one thread group per (seed, state i) (a power of two, at most
    /// <see cref="MaxReductionGroup"/> threads): y_i = r_i + γ(1 − terminal_i)·V_soft(s′_i), V_soft from the K_V
    /// values Q̄(s′_i, a′_ik) by uniform importance sampling (eq. 10):
    /// V = max + α·[ln Σ_k exp((Q̄_k − max)/α) − ln K_V] + d·α·ln 2; the maximum and the sum by fixed trees,
    /// the terms in single precision (a double exp is a slow software routine in PTX; each term is in (0, 1],
    /// so its relative error stays ~10⁻⁷), the sum and V in double.
    /// </summary>
    public static void SoftTarget(ArrayView<float> qBar, int qBarStride, int valueParticles, ArrayView<float> batch, int batchStride, int rewardOffset, int terminalOffset,
        ArrayView<float> y, int yStride, int n, double alpha, double discount, int actionDim)
    {
        int seed = Grid.IdxX / n, i = Grid.IdxX % n, tid = Group.IdxX, threads = Group.DimX;
        var partial = SharedMemory.Allocate<double>(MaxReductionGroup);
        int first = seed * qBarStride + i * valueParticles;
        double max = double.NegativeInfinity;
        for (int k = tid; k < valueParticles; k += threads) max = Math.Max(max, qBar[first + k]);
        partial[tid] = max;
        Group.Barrier();
        for (int half = threads / 2; half > 0; half /= 2)
        {
            if (tid < half) partial[tid] = Math.Max(partial[tid], partial[tid + half]);
            Group.Barrier();
        }
        max = partial[0];
        Group.Barrier();
        double sum = 0;
        float top = (float)max, inverseAlpha = (float)(1 / alpha);
        for (int k = tid; k < valueParticles; k += threads) sum += MathF.Exp((qBar[first + k] - top) * inverseAlpha);
        partial[tid] = sum;
        Group.Barrier();
        for (int half = threads / 2; half > 0; half /= 2)
        {
            if (tid < half) partial[tid] += partial[tid + half];
            Group.Barrier();
        }
        if (tid == 0)
        {
            double value = max + alpha * (Math.Log(partial[0]) - Math.Log(valueParticles)) + actionDim * alpha * Math.Log(2.0);
            int b = seed * batchStride;
            y[seed * yStride + i] = batch[b + rewardOffset + i] + (float)(discount * (1 - batch[b + terminalOffset + i])) * (float)value;
        }
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

    /// <summary>
    /// One SVGD step's direction for one state's K particles, one thread group per (seed, state):
    /// (1) squared pairwise distances ‖u_a − u_b‖² into <paramref name="distances"/> (K × K);
    /// (2) the median-heuristic bandwidth: the median m of the K(K−1)/2 pairwise distances from order
    /// statistics of the squared ones (exact: a radix select on their bits, the group counting together),
    /// h = ½m/ln(K+1) (authors' code) or m/(2 ln(K+1)) (paper), h ≥ 10⁻³, h = 0.1 when K = 1;
    /// c₀ = 1/(2h) (code) or 1/h (paper), κ = exp(−c₀‖Δ‖²), c₁ = 2c₀;
    /// (3) per particle, with a_j = tanh u_j and the score g_j = ∂Q/∂a_j·(1 − a_j²) − 2α·a_j,
    /// φ_k = (1/K)·Σ_j κ_jk·(g_j − α·c₁·(u_j − u_k)); writes −φ_k/N (∂ of −Σ⟨u, φ⟩/N w.r.t. u, what f^φ's
    /// backward pass takes) and |φ_k|².
    /// </summary>
    public static void SteinDirection(ArrayView<float> particles, ArrayView<float> actions, ArrayView<float> dQda, ArrayView<float> distances,
        ArrayView<float> gradient, ArrayView<float> squaredNorms, SteinShape shape)
    {
        int k = shape.Particles, d = shape.Dim, tid = Group.IdxX, threads = Group.DimX;
        int seed = Grid.IdxX / shape.States, state = Grid.IdxX % shape.States;
        int first = seed * shape.ParticleStride + state * k * d, block = seed * shape.DistanceStride + state * k * k;
        var counter = SharedMemory.Allocate<int>(1);

        for (int index = tid; index < k * k; index += threads)
        {
            int a = index / k, b = index % k;
            float sum = 0;
            for (int c = 0; c < d; c++)
            {
                float diff = particles[first + b * d + c] - particles[first + a * d + c];
                sum += diff * diff;
            }
            distances[block + index] = sum;
        }
        Group.Barrier();

        double h = 0.1;
        if (k > 1)
        {
            int count = k * (k - 1) / 2, n = count / 2;
            float upper = MathF.Sqrt(SelectPair(distances, block, k, n, counter, tid, threads));
            double median = upper;
            if (count % 2 == 0) median = 0.5 * (upper + MathF.Sqrt(SelectPair(distances, block, k, n - 1, counter, tid, threads)));
            h = shape.AuthorsCodeBandwidth != 0 ? 0.5 * median / Math.Log(k + 1) : median / (2 * Math.Log(k + 1));
            h = Math.Max(h, 1e-3);
        }
        float c0 = (float)(shape.AuthorsCodeBandwidth != 0 ? 1 / (2 * h) : 1 / h), c1 = 2 * c0, alpha = shape.Alpha;

        for (int me = tid; me < k; me += threads)
        {
            float norm = 0;
            for (int c = 0; c < d; c++)
            {
                float uk = particles[first + me * d + c], sum = 0;
                for (int j = 0; j < k; j++)
                {
                    float kappa = MathF.Exp(-c0 * distances[block + me * k + j]);
                    float a = actions[first + j * d + c];
                    float score = dQda[first + j * d + c] * (1 - a * a) - 2 * alpha * a;
                    sum += kappa * (score - alpha * c1 * (particles[first + j * d + c] - uk));
                }
                float phi = sum / k;
                norm += phi * phi;
                gradient[first + me * d + c] = -phi / shape.BatchSize;
            }
            squaredNorms[seed * shape.States * k + state * k + me] = norm;
        }
    }

    /// <summary>
    /// The n-th smallest (0-based) of the squared distances of pairs a &lt; b in a K × K block, by the group
    /// together: non-negative floats order as their bit patterns, so the answer is built bit by bit from
    /// the top — bit set when fewer than n + 1 values lie at or below the prefix with that bit clear.
    /// </summary>
    private static float SelectPair(ArrayView<float> distances, int block, int k, int n, ArrayView<int> counter, int tid, int threads)
    {
        uint result = 0;
        for (int bit = 30; bit >= 0; bit--)
        {
            uint trial = result | ((1u << bit) - 1);
            if (tid == 0) counter[0] = 0;
            Group.Barrier();
            int mine = 0;
            for (int index = tid; index < k * k; index += threads)
            {
                if (index / k < index % k && Interop.FloatAsInt(distances[block + index]) <= trial) mine++;
            }
            Atomic.Add(ref counter[0], mine);
            Group.Barrier();
            if (counter[0] < n + 1) result |= 1u << bit;
            Group.Barrier();
        }
        return Interop.IntAsFloat(result);
    }

    /// <summary>Largest thread group of the reduction kernels (a power of two).</summary>
    public const int MaxReductionGroup = 128;

    /// <summary>
    /// A step's statistics per seed, one thread group each (a power of two, at most
    /// <see cref="MaxReductionGroup"/> threads): stats[s] = (mean (Q − y)², √(Σ|φ|²/(N·K)) or the actor's loss
    /// −mean Q(s, μ(s)), mean Q, mean y, SQL's spread: the mean over states of the standard deviation (1/K form)
    /// of Q(s, a_k)/α over the K particles, the mean over states and action dimensions of the fraction of the particles'
    /// actions on the less populated side of 0 and of their standard deviation (1/K form); NaN without particles).
    /// Each thread sums its strided share in double, then a fixed tree of pairwise sums: the same result at every run.
    /// </summary>
    public static void StepStatistics(ArrayView<float> q, ArrayView<float> y, ArrayView<float> second, ArrayView<float> particleQ, ArrayView<float> particleActions,
        ArrayView<double> stats, StatisticsShape shape)
    {
        int seed = Grid.IdxX, tid = Group.IdxX, threads = Group.DimX, n = shape.N, k = shape.Particles;
        var partial = SharedMemory.Allocate<double>(Statistics * MaxReductionGroup);
        double loss = 0, meanQ = 0, meanY = 0, other = 0, spread = 0, minority = 0, actionStd = 0;
        for (int i = tid; i < n; i += threads)
        {
            double qi = q[seed * shape.QStride + i], yi = y[seed * shape.YStride + i];
            loss += (qi - yi) * (qi - yi);
            meanQ += qi;
            meanY += yi;
            if (k > 0)
            {
                int first = seed * shape.ParticleQStride + i * k;
                double mean = 0, squares = 0;
                for (int j = 0; j < k; j++) mean += particleQ[first + j];
                mean /= k;
                for (int j = 0; j < k; j++) squares += (particleQ[first + j] - mean) * (particleQ[first + j] - mean);
                spread += Math.Sqrt(squares / k);
                for (int c = 0; c < shape.ActionDim; c++)
                {
                    int at = seed * shape.ParticleActionStride + i * k * shape.ActionDim + c;
                    int negative = 0;
                    double actionMean = 0, actionSquares = 0;
                    for (int j = 0; j < k; j++)
                    {
                        float a = particleActions[at + j * shape.ActionDim];
                        if (a < 0) negative++;
                        actionMean += a;
                    }
                    actionMean /= k;
                    for (int j = 0; j < k; j++)
                    {
                        double centred = particleActions[at + j * shape.ActionDim] - actionMean;
                        actionSquares += centred * centred;
                    }
                    minority += Math.Min(negative, k - negative) / (double)k;
                    actionStd += Math.Sqrt(actionSquares / k);
                }
            }
        }
        for (int j = tid; j < shape.SecondCount; j += threads) other += second[seed * shape.SecondStride + j];
        partial[tid] = loss;
        partial[MaxReductionGroup + tid] = meanQ;
        partial[2 * MaxReductionGroup + tid] = meanY;
        partial[3 * MaxReductionGroup + tid] = other;
        partial[4 * MaxReductionGroup + tid] = spread;
        partial[5 * MaxReductionGroup + tid] = minority;
        partial[6 * MaxReductionGroup + tid] = actionStd;
        Group.Barrier();
        for (int half = threads / 2; half > 0; half /= 2)
        {
            if (tid < half)
            {
                for (int c = 0; c < Statistics; c++) partial[c * MaxReductionGroup + tid] += partial[c * MaxReductionGroup + tid + half];
            }
            Group.Barrier();
        }
        if (tid == 0)
        {
            int at = seed * Statistics;
            stats[at] = partial[0] / n;
            stats[at + 1] = shape.SecondIsStein != 0 ? Math.Sqrt(partial[3 * MaxReductionGroup] / shape.SecondCount) : -partial[3 * MaxReductionGroup] / shape.SecondCount;
            stats[at + 2] = partial[MaxReductionGroup] / n;
            stats[at + 3] = partial[2 * MaxReductionGroup] / n;
            stats[at + 4] = k > 0 ? partial[4 * MaxReductionGroup] / (shape.Alpha * n) : double.NaN;
            stats[at + 5] = k > 0 ? partial[5 * MaxReductionGroup] / (n * shape.ActionDim) : double.NaN;
            stats[at + 6] = k > 0 ? partial[6 * MaxReductionGroup] / (n * shape.ActionDim) : double.NaN;
        }
    }

    /// <summary>Values per seed that <see cref="StepStatistics"/> writes.</summary>
    public const int Statistics = 7;
}
