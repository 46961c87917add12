namespace SoftQRobotics.Tests.Learning;

/// <summary>
/// Plain double-precision arithmetic for the whole-update checks: an MLP (ReLU hidden layers), Adam in
/// TensorFlow's form, written from the equations with loops only. Nothing here calls the engine; the
/// parameter vector uses the engine's documented flat layout (per layer W as (in × out) row-major,
/// then b) so that weights can be handed over.
/// </summary>
internal sealed class ReferenceMlp(int[] sizes, bool tanhOutput, double[] parameters)
{
    public readonly int[] Sizes = sizes;
    public double[] Parameters = parameters;

    private int WeightOffset(int layer)
    {
        int offset = 0;
        for (int l = 0; l < layer; l++) offset += Sizes[l] * Sizes[l + 1] + Sizes[l + 1];
        return offset;
    }

    /// <summary>Activations of every layer for <paramref name="rows"/> input rows; [0] is the input, [^1] the output.</summary>
    public double[][] Forward(double[] input, int rows)
    {
        int layers = Sizes.Length - 1;
        var activations = new double[layers + 1][];
        activations[0] = input;
        for (int l = 0; l < layers; l++)
        {
            int inWidth = Sizes[l], outWidth = Sizes[l + 1], w = WeightOffset(l), b = w + inWidth * outWidth;
            var y = new double[rows * outWidth];
            for (int r = 0; r < rows; r++)
            {
                for (int o = 0; o < outWidth; o++)
                {
                    double sum = Parameters[b + o];
                    for (int i = 0; i < inWidth; i++) sum += activations[l][r * inWidth + i] * Parameters[w + i * outWidth + o];
                    bool last = l == layers - 1;
                    y[r * outWidth + o] = last ? (tanhOutput ? Math.Tanh(sum) : sum) : Math.Max(0, sum);
                }
            }
            activations[l + 1] = y;
        }
        return activations;
    }

    /// <summary>∂L/∂input and ∂L/∂θ for the rows of <paramref name="activations"/>, given ∂L/∂output.</summary>
    public (double[] InputGradient, double[] ParameterGradient) Backward(double[][] activations, double[] outputGradient, int rows)
    {
        int layers = Sizes.Length - 1;
        var gradient = new double[Parameters.Length];
        var delta = (double[])outputGradient.Clone();
        for (int l = layers - 1; l >= 0; l--)
        {
            int inWidth = Sizes[l], outWidth = Sizes[l + 1], w = WeightOffset(l), b = w + inWidth * outWidth;
            bool last = l == layers - 1;
            for (int p = 0; p < rows * outWidth; p++)
            {
                double y = activations[l + 1][p];
                delta[p] *= last ? (tanhOutput ? 1 - y * y : 1) : (y > 0 ? 1 : 0);
            }
            var previous = new double[rows * inWidth];
            for (int r = 0; r < rows; r++)
            {
                for (int o = 0; o < outWidth; o++)
                {
                    double dy = delta[r * outWidth + o];
                    gradient[b + o] += dy;
                    for (int i = 0; i < inWidth; i++)
                    {
                        gradient[w + i * outWidth + o] += activations[l][r * inWidth + i] * dy;
                        previous[r * inWidth + i] += dy * Parameters[w + i * outWidth + o];
                    }
                }
            }
            delta = previous;
        }
        return (delta, gradient);
    }
}

/// <summary>Adam as TensorFlow writes it: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − lr·√(1−β₂ᵗ)/(1−β₁ᵗ)·m/(√v + ε).</summary>
internal sealed class ReferenceAdam(int size, double learningRate)
{
    private readonly double[] _m = new double[size], _v = new double[size];
    private long _t;

    public void Step(double[] parameters, double[] gradient)
    {
        const double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
        _t++;
        double stepSize = learningRate * Math.Sqrt(1 - Math.Pow(beta2, _t)) / (1 - Math.Pow(beta1, _t));
        for (int i = 0; i < parameters.Length; i++)
        {
            _m[i] = beta1 * _m[i] + (1 - beta1) * gradient[i];
            _v[i] = beta2 * _v[i] + (1 - beta2) * gradient[i] * gradient[i];
            parameters[i] -= stepSize * _m[i] / (Math.Sqrt(_v[i]) + epsilon);
        }
    }
}

/// <summary>One minibatch in plain arrays: s (n × obs), a (n × act), r (n), s′ (n × obs), terminal (n).</summary>
internal sealed record ReferenceBatch(double[] States, double[] Actions, double[] Rewards, double[] NextStates, double[] Terminals);

internal static class ReferenceRows
{
    /// <summary>Rows [x_i, y_i] of two (n × wx) and (n × wy) matrices.</summary>
    public static double[] Join(double[] x, int wx, double[] y, int wy, int n)
    {
        var rows = new double[n * (wx + wy)];
        for (int i = 0; i < n; i++)
        {
            for (int c = 0; c < wx; c++) rows[i * (wx + wy) + c] = x[i * wx + c];
            for (int c = 0; c < wy; c++) rows[i * (wx + wy) + wx + c] = y[i * wy + c];
        }
        return rows;
    }
}

/// <summary>
/// One soft Q-learning update from the paper's equations (Algorithm 1): the soft value by uniform
/// importance sampling (eq. 10), the TD loss J_Q (eq. 11) and Adam on θ; K particles a = tanh f^φ(s, ξ)
/// per state, the SVGD direction (eq. 13) on the pre-tanh outputs with the RBF kernel of the median
/// heuristic (authors' bandwidth, docs/implementation-details.md "SVGD"), the chain rule into φ
/// (eq. 14) and Adam on φ; the hard target copy every <c>targetInterval</c> updates.
/// </summary>
internal sealed class ReferenceSoftQ(int obsDim, int actDim, int n, int k, int kv, double alpha, double gamma, int targetInterval,
    ReferenceMlp q, ReferenceMlp qBar, ReferenceMlp f, double qRate, double fRate)
{
    public readonly ReferenceMlp Q = q, QBar = qBar, F = f;
    private readonly ReferenceAdam _qAdam = new(q.Parameters.Length, qRate), _fAdam = new(f.Parameters.Length, fRate);
    private long _updates;

    /// <summary>The SVGD direction's repulsive term α ∇κ; false only to show that the check sees it missing.</summary>
    public bool Repulsion { get; init; } = true;

    /// <param name="valueActions">a′ ~ U[−1, 1]^d, (n·K_V × d), state-major</param>
    /// <param name="noise">ξ ~ N(0, I), (n·K × d), state-major</param>
    public void Update(ReferenceBatch batch, double[] valueActions, double[] noise)
    {
        int width = obsDim + actDim;

        // V_soft(s′) = α log( (1/K_V) Σ exp(Q̄(s′, a′)/α) / 2^−d )
        var repeatedNext = Repeat(batch.NextStates, kv);
        var qBarOut = QBar.Forward(ReferenceRows.Join(repeatedNext, obsDim, valueActions, actDim, n * kv), n * kv)[^1];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            double sum = 0;
            for (int j = 0; j < kv; j++) sum += Math.Exp(qBarOut[i * kv + j] / alpha);
            double value = alpha * Math.Log(sum / kv / Math.Pow(2, -actDim));
            y[i] = batch.Rewards[i] + gamma * (1 - batch.Terminals[i]) * value;
        }

        // J_Q = (1/n) Σ (Q(s, a) − y)²
        var qActs = Q.Forward(ReferenceRows.Join(batch.States, obsDim, batch.Actions, actDim, n), n);
        var dJ = new double[n];
        for (int i = 0; i < n; i++) dJ[i] = 2 * (qActs[^1][i] - y[i]) / n;
        var (_, qGradient) = Q.Backward(qActs, dJ, n);

        // particles u = f^φ(s, ξ), a = tanh u, and ∂Q/∂a at them (θ before its update)
        var repeated = Repeat(batch.States, k);
        var fActs = F.Forward(ReferenceRows.Join(repeated, obsDim, noise, actDim, n * k), n * k);
        var u = fActs[^1];
        var a = u.Select(Math.Tanh).ToArray();
        var particleQ = Q.Forward(ReferenceRows.Join(repeated, obsDim, a, actDim, n * k), n * k);
        var (dQdInput, _) = Q.Backward(particleQ, Enumerable.Repeat(1.0, n * k).ToArray(), n * k);

        // score in u: ∂Q/∂u + α ∂/∂u log(1 − tanh² u) = ∂Q/∂a (1 − a²) − 2α a
        var score = new double[n * k * actDim];
        for (int p = 0; p < n * k; p++)
        {
            for (int c = 0; c < actDim; c++) score[p * actDim + c] = dQdInput[p * width + obsDim + c] * (1 - a[p * actDim + c] * a[p * actDim + c]) - 2 * alpha * a[p * actDim + c];
        }

        // φ(u_m) = (1/K) Σ_j [κ(u_j, u_m) g_j + α ∇_{u_j} κ(u_j, u_m)], κ = exp(−‖u_j − u_m‖²/(2h)), h = ½ median / ln(K + 1)
        var dLdu = new double[n * k * actDim];
        for (int i = 0; i < n; i++)
        {
            double h = Bandwidth(u, i);
            for (int m = 0; m < k; m++)
            {
                for (int j = 0; j < k; j++)
                {
                    double squared = 0;
                    for (int c = 0; c < actDim; c++) squared += Math.Pow(u[(i * k + j) * actDim + c] - u[(i * k + m) * actDim + c], 2);
                    double kappa = Math.Exp(-squared / (2 * h));
                    for (int c = 0; c < actDim; c++)
                    {
                        double gradKappa = -kappa * (u[(i * k + j) * actDim + c] - u[(i * k + m) * actDim + c]) / h;
                        // the direction ascends; the loss −(1/n) Σ ⟨u, φ⟩ gives ∂/∂u = −φ/n
                        dLdu[(i * k + m) * actDim + c] -= (kappa * score[(i * k + j) * actDim + c] + (Repulsion ? alpha * gradKappa : 0)) / k / n;
                    }
                }
            }
        }
        var (_, fGradient) = F.Backward(fActs, dLdu, n * k);

        _qAdam.Step(Q.Parameters, qGradient);
        _fAdam.Step(F.Parameters, fGradient);
        _updates++;
        if (_updates % targetInterval == 0) QBar.Parameters = (double[])Q.Parameters.Clone();
    }

    /// <summary>h for state <paramref name="i"/>: the median of its K(K−1)/2 pairwise distances (mean of the middle two for an even count), ≥ 10⁻³.</summary>
    private double Bandwidth(double[] u, int i)
    {
        var distances = new List<double>();
        for (int j = 0; j < k; j++)
        {
            for (int m = j + 1; m < k; m++)
            {
                double squared = 0;
                for (int c = 0; c < actDim; c++) squared += Math.Pow(u[(i * k + j) * actDim + c] - u[(i * k + m) * actDim + c], 2);
                distances.Add(Math.Sqrt(squared));
            }
        }
        distances.Sort();
        int count = distances.Count;
        double median = count % 2 == 1 ? distances[count / 2] : 0.5 * (distances[count / 2 - 1] + distances[count / 2]);
        return Math.Max(0.5 * median / Math.Log(k + 1), 1e-3);
    }

    private double[] Repeat(double[] states, int times)
    {
        var rows = new double[n * times * obsDim];
        for (int i = 0; i < n; i++)
        {
            for (int t = 0; t < times; t++) Array.Copy(states, i * obsDim, rows, (i * times + t) * obsDim, obsDim);
        }
        return rows;
    }
}

/// <summary>
/// One DDPG update from its equations: y = r + γ(1 − terminal) Q̄(s′, μ̄(s′)), J_Q = mean (Q(s, a) − y)²,
/// J_μ = −mean Q(s, μ(s)) through the critic before its step, Adam on both, targets copied before the
/// first update and every <c>targetInterval</c> updates.
/// </summary>
internal sealed class ReferenceDdpg(int obsDim, int actDim, int n, double gamma, int targetInterval,
    ReferenceMlp q, ReferenceMlp mu, double qRate, double muRate)
{
    public readonly ReferenceMlp Q = q, Mu = mu;
    private ReferenceMlp _qBar = q, _muBar = mu;
    private readonly ReferenceAdam _qAdam = new(q.Parameters.Length, qRate), _muAdam = new(mu.Parameters.Length, muRate);
    private long _updates;

    public void Update(ReferenceBatch batch)
    {
        int width = obsDim + actDim;
        if (_updates == 0) CopyTargets();

        var nextActions = _muBar.Forward(batch.NextStates, n)[^1];
        var qNext = _qBar.Forward(ReferenceRows.Join(batch.NextStates, obsDim, nextActions, actDim, n), n)[^1];
        var qActs = Q.Forward(ReferenceRows.Join(batch.States, obsDim, batch.Actions, actDim, n), n);
        var dJ = new double[n];
        for (int i = 0; i < n; i++) dJ[i] = 2 * (qActs[^1][i] - (batch.Rewards[i] + gamma * (1 - batch.Terminals[i]) * qNext[i])) / n;
        var (_, qGradient) = Q.Backward(qActs, dJ, n);

        var muActs = Mu.Forward(batch.States, n);
        var policyQ = Q.Forward(ReferenceRows.Join(batch.States, obsDim, muActs[^1], actDim, n), n);
        var (dInput, _) = Q.Backward(policyQ, Enumerable.Repeat(-1.0 / n, n).ToArray(), n);
        var dJdAction = new double[n * actDim];
        for (int i = 0; i < n; i++)
        {
            for (int c = 0; c < actDim; c++) dJdAction[i * actDim + c] = dInput[i * width + obsDim + c];
        }
        var (_, muGradient) = Mu.Backward(muActs, dJdAction, n);

        _qAdam.Step(Q.Parameters, qGradient);
        _muAdam.Step(Mu.Parameters, muGradient);
        _updates++;
        if (_updates % targetInterval == 0) CopyTargets();
    }

    private void CopyTargets()
    {
        _qBar = new ReferenceMlp(Q.Sizes, tanhOutput: false, (double[])Q.Parameters.Clone());
        _muBar = new ReferenceMlp(Mu.Sizes, tanhOutput: true, (double[])Mu.Parameters.Clone());
    }
}
