using SoftQRobotics.Core;
using System.Numerics;
using System.Numerics.Tensors;
using SoftQRobotics.Learning.Blas;

namespace SoftQRobotics.Learning.Nn;

/// <summary>Element-wise function after a dense layer.</summary>
public enum Activation { Identity, Relu, Tanh }

/// <summary>How a network's weights are drawn (biases start at 0 except where stated).</summary>
public enum Initializer
{
    /// <summary>Hidden weights U(±√(1/fan_in)); output weights and bias U(±3·10⁻³) (the authors' Q-network).</summary>
    FanInHiddenSmallOutput,

    /// <summary>Every weight U(±3·10⁻³) (the authors' sampling network: initial output ≈ 0).</summary>
    SmallUniform,

    /// <summary>Glorot/Xavier uniform U(±√(6/(fan_in + fan_out))) (the public SQL release).</summary>
    Xavier,
}

/// <summary>
/// A fully connected network, float32, batch-major: inputs (batch × in), outputs (batch × out).
/// All parameters live in one flat array (per layer: W (in × out) row-major, then b (out)), as do
/// their gradients, so optimisers, target copies and checkpoints treat a network as one vector.
/// Workspaces for up to <see cref="MaxBatch"/> rows are allocated once: forward and backward
/// passes allocate nothing. Not thread-safe.
/// </summary>
/// <remarks>
/// A network on rows [g, x] whose leading <see cref="GroupWidth"/> columns g repeat over groups of
/// rows (SQL's Q(s, a′_k) and f(s, ξ_k): K rows per state) can run <see cref="ForwardGrouped"/>: the
/// first layer computes g·W_g once per group and x·W_x per row, the same function with a fraction of
/// the products (docs/performance.md, "Grouped first layer").
/// </remarks>
public sealed class Mlp
{
    private readonly int[] _sizes;
    private readonly Activation _hidden, _output;
    private readonly int[] _weightOffset, _biasOffset;
    private readonly float[][] _activations;   // per layer l: (maxBatch × sizes[l]); [0] is a copy of the input
    private readonly float[][] _deltas;        // per layer l ≥ 1: (maxBatch × sizes[l]), gradient w.r.t. the pre-activation
    private readonly float[] _inputGradient;   // (maxBatch × sizes[0])
    private readonly int _groupWidth;
    private readonly float[] _groupInputs;     // (maxBatch × groupWidth): g of the last grouped pass
    private readonly float[] _groupTerms;      // (maxBatch × sizes[1]): g·W_g, then Σ_group δ in the backward pass
    private int _batch, _groupCount, _rowsPerGroup;   // _rowsPerGroup 0: the last pass was ungrouped

    /// <param name="sizes">layer widths, input first, e.g. [obs+act, 200, 200, 1]</param>
    /// <param name="hidden">activation after every hidden layer</param>
    /// <param name="output">activation after the last layer</param>
    /// <param name="maxBatch">largest batch a pass may use</param>
    /// <param name="groupWidth">leading input columns that <see cref="ForwardGrouped"/> shares over a group of rows; 0: none</param>
    /// <exception cref="ArgumentException">fewer than two sizes, a size below 1, or groupWidth not below the input width.</exception>
    public Mlp(int[] sizes, Activation hidden, Activation output, int maxBatch, int groupWidth = 0) : this(sizes, hidden, output, maxBatch, groupWidth, shared: null)
    {
    }

    /// <summary>
    /// A second network over the same parameter array as <paramref name="source"/> (changes to either's
    /// parameters are the other's), with its own activations, deltas and gradients: two threads can run
    /// passes at once as long as neither changes the parameters meanwhile.
    /// </summary>
    /// <param name="maxBatch">largest batch a pass of the view may use</param>
    public static Mlp SharingParameters(Mlp source, int maxBatch) => new(source._sizes, source._hidden, source._output, maxBatch, source._groupWidth, source);

    private Mlp(int[] sizes, Activation hidden, Activation output, int maxBatch, int groupWidth, Mlp? shared)
    {
        if (sizes.Length < 2 || sizes.Any(s => s < 1)) throw new ArgumentException("an MLP needs at least input and output widths, all ≥ 1", nameof(sizes));
        if (groupWidth < 0 || groupWidth >= sizes[0]) throw new ArgumentException($"group width {groupWidth} must be in [0, {sizes[0]})", nameof(groupWidth));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _groupWidth = groupWidth;
        _groupInputs = new float[groupWidth > 0 ? maxBatch * groupWidth : 0];
        _groupTerms = new float[groupWidth > 0 ? maxBatch * sizes[1] : 0];
        _sizes = (int[])sizes.Clone();
        (_hidden, _output, MaxBatch) = (hidden, output, maxBatch);
        (_weightOffset, _biasOffset, int offset) = Layout(sizes);
        Parameters = shared?.Parameters ?? new float[offset];
        Gradients = new float[offset];
        _activations = sizes.Select(s => new float[maxBatch * s]).ToArray();
        _deltas = sizes.Select(s => new float[maxBatch * s]).ToArray();
        _inputGradient = new float[maxBatch * sizes[0]];
    }

    /// <summary>
    /// Where each layer's weights and bias start in the flat parameter vector of a network of
    /// <paramref name="sizes"/> (per layer: W (in × out) row-major, then b), and the vector's length.
    /// </summary>
    public static (int[] WeightOffsets, int[] BiasOffsets, int Count) Layout(IReadOnlyList<int> sizes)
    {
        int layers = sizes.Count - 1, offset = 0;
        var (weights, biases) = (new int[layers], new int[layers]);
        for (int l = 0; l < layers; l++)
        {
            weights[l] = offset;
            offset += sizes[l] * sizes[l + 1];
            biases[l] = offset;
            offset += sizes[l + 1];
        }
        return (weights, biases, offset);
    }

    /// <summary>Layer widths, input first.</summary>
    public IReadOnlyList<int> Sizes => _sizes;
    /// <summary>Input width.</summary>
    public int InputSize => _sizes[0];
    /// <summary>Output width.</summary>
    public int OutputSize => _sizes[^1];
    /// <summary>Leading input columns shared by a group of rows in <see cref="ForwardGrouped"/> (0: not available).</summary>
    public int GroupWidth => _groupWidth;
    /// <summary>Largest batch a pass may use.</summary>
    public int MaxBatch { get; }
    /// <summary>All weights and biases, flat.</summary>
    public float[] Parameters { get; }
    /// <summary>Gradients of the loss w.r.t. <see cref="Parameters"/>, accumulated by <see cref="Backward"/>.</summary>
    public float[] Gradients { get; }

    /// <summary>Draws the weights with <paramref name="init"/> and zeroes the biases.</summary>
    public void Initialize(Initializer init, Rng rng)
    {
        int layers = _sizes.Length - 1;
        for (int l = 0; l < layers; l++)
        {
            int fanIn = _sizes[l], fanOut = _sizes[l + 1];
            bool last = l == layers - 1;
            float bound = init switch
            {
                Initializer.SmallUniform => 3e-3f,
                Initializer.FanInHiddenSmallOutput => last ? 3e-3f : MathF.Sqrt(1f / fanIn),
                _ => MathF.Sqrt(6f / (fanIn + fanOut)),
            };
            rng.FillUniform(Weights(l), -bound, bound);
            var bias = Bias(l);
            if (init == Initializer.FanInHiddenSmallOutput && last) rng.FillUniform(bias, -3e-3f, 3e-3f);
            else bias.Clear();
        }
    }

    /// <summary>Forward pass over <paramref name="batch"/> rows; the result stays valid until the next pass.</summary>
    /// <param name="input">(batch × in)</param>
    /// <returns>(batch × out)</returns>
    public ReadOnlySpan<float> Forward(ReadOnlySpan<float> input, int batch)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(batch, MaxBatch);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        if (input.Length < batch * InputSize) throw new ArgumentException($"input has {input.Length} values, expected {batch} × {InputSize}", nameof(input));
        (_batch, _groupCount, _rowsPerGroup) = (batch, 0, 0);
        input[..(batch * InputSize)].CopyTo(_activations[0]);

        Affine(0);
        return ForwardFromFirstLayer();
    }

    /// <summary>
    /// The forward pass on rows [g_i, x_ij], j = 0 … <paramref name="rowsPerGroup"/> − 1 per group i:
    /// the first layer is g_i·W_g (once per group) + x_ij·W_x + b, W_g and W_x the first
    /// <see cref="GroupWidth"/> and the remaining rows of W. Same output as <see cref="Forward"/> on the
    /// joined rows, up to float rounding; <see cref="Backward"/> then returns ∂/∂x only.
    /// </summary>
    /// <param name="groups">(groupCount × GroupWidth)</param>
    /// <param name="rows">(groupCount·rowsPerGroup × InputSize − GroupWidth), group by group</param>
    /// <returns>(groupCount·rowsPerGroup × OutputSize), valid until the next pass</returns>
    /// <exception cref="InvalidOperationException">the network has no group width.</exception>
    /// <exception cref="ArgumentOutOfRangeException">no rows, or more than <see cref="MaxBatch"/>.</exception>
    /// <exception cref="ArgumentException">an input shorter than its shape.</exception>
    public ReadOnlySpan<float> ForwardGrouped(ReadOnlySpan<float> groups, ReadOnlySpan<float> rows, int groupCount, int rowsPerGroup)
    {
        if (_groupWidth == 0) throw new InvalidOperationException("this network was built without a group width");
        int batch = groupCount * rowsPerGroup, gw = _groupWidth, xw = InputSize - _groupWidth, outWidth = _sizes[1];
        ArgumentOutOfRangeException.ThrowIfLessThan(groupCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowsPerGroup, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(batch, MaxBatch);
        if (groups.Length < groupCount * gw) throw new ArgumentException($"groups have {groups.Length} values, expected {groupCount} × {gw}", nameof(groups));
        if (rows.Length < batch * xw) throw new ArgumentException($"rows have {rows.Length} values, expected {batch} × {xw}", nameof(rows));
        (_batch, _groupCount, _rowsPerGroup) = (batch, groupCount, rowsPerGroup);
        var g = _groupInputs.AsSpan(0, groupCount * gw);
        var x = _activations[0].AsSpan(0, batch * xw);
        groups[..g.Length].CopyTo(g);
        rows[..x.Length].CopyTo(x);

        // y_ij = (g_i·W_g + b) + x_ij·W_x
        var weights = Weights(0);
        var groupTerm = _groupTerms.AsSpan(0, groupCount * outWidth);
        Gemm.Sgemm(false, false, groupCount, outWidth, gw, 1f, g, gw, weights, outWidth, 0f, groupTerm, outWidth);
        var y = _activations[1].AsSpan(0, batch * outWidth);
        var bias = Bias(0);
        for (int i = 0; i < groupCount; i++)
        {
            var term = groupTerm.Slice(i * outWidth, outWidth);
            TensorPrimitives.Add(term, bias, term);
            for (int j = 0; j < rowsPerGroup; j++) term.CopyTo(y.Slice((i * rowsPerGroup + j) * outWidth, outWidth));
        }
        Gemm.Sgemm(false, false, batch, outWidth, xw, 1f, x, xw, weights[(gw * outWidth)..], outWidth, 1f, y, outWidth);
        return ForwardFromFirstLayer();
    }

    /// <summary>The first layer's activation and every later layer, on the pre-activation the caller left in layer 1.</summary>
    private ReadOnlySpan<float> ForwardFromFirstLayer()
    {
        int batch = _batch, layers = _sizes.Length - 1;
        Activate(layers == 1 ? _output : _hidden, _activations[1].AsSpan(0, batch * _sizes[1]));
        for (int l = 1; l < layers; l++)
        {
            Affine(l);
            Activate(l == layers - 1 ? _output : _hidden, _activations[l + 1].AsSpan(0, batch * _sizes[l + 1]));
        }
        return _activations[layers].AsSpan(0, batch * OutputSize);
    }

    /// <summary>Layer <paramref name="l"/>'s pre-activation y = x·W + b for the batch, x its stored input, y layer l + 1's buffer.</summary>
    private void Affine(int l)
    {
        int batch = _batch, inWidth = _sizes[l], outWidth = _sizes[l + 1];
        var y = _activations[l + 1].AsSpan(0, batch * outWidth);
        var bias = Bias(l);
        for (int r = 0; r < batch; r++) bias.CopyTo(y.Slice(r * outWidth, outWidth));
        Gemm.Sgemm(false, false, batch, outWidth, inWidth, 1f, _activations[l].AsSpan(0, batch * inWidth), inWidth, Weights(l), outWidth, 1f, y, outWidth);
    }

    /// <summary>
    /// Backward pass for the batch of the last forward pass: given ∂L/∂output, adds ∂L/∂θ to
    /// <see cref="Gradients"/> (when <paramref name="accumulateParameterGradients"/>) and returns ∂L/∂input.
    /// After <see cref="ForwardGrouped"/> the input gradient is ∂L/∂x of each row's own columns (the
    /// group's g is shared and gets none).
    /// </summary>
    /// <param name="outputGradient">(batch × out)</param>
    /// <param name="accumulateParameterGradients">false skips the weight gradients (half the cost) when only ∂L/∂input is needed</param>
    /// <param name="inputGradient">false skips ∂L/∂input (the first layer's product) when only ∂L/∂θ is needed; returns an empty span</param>
    /// <returns>∂L/∂input, (batch × in) or after a grouped pass (batch × in − GroupWidth), valid until the next pass</returns>
    /// <exception cref="InvalidOperationException">no forward pass yet.</exception>
    /// <exception cref="ArgumentException">the output gradient is shorter than (batch × out).</exception>
    public ReadOnlySpan<float> Backward(ReadOnlySpan<float> outputGradient, bool accumulateParameterGradients = true, bool inputGradient = true)
    {
        int batch = _batch;
        if (batch == 0) throw new InvalidOperationException("Backward needs a Forward pass first");
        if (outputGradient.Length < batch * OutputSize) throw new ArgumentException($"output gradient has {outputGradient.Length} values, expected {batch} × {OutputSize}", nameof(outputGradient));
        int layers = _sizes.Length - 1;
        var delta = _deltas[layers].AsSpan(0, batch * OutputSize);
        outputGradient[..delta.Length].CopyTo(delta);
        for (int l = layers - 1; l >= 0; l--)
        {
            int outWidth = _sizes[l + 1];
            bool grouped = l == 0 && _rowsPerGroup > 0;
            int inWidth = grouped ? InputSize - _groupWidth : _sizes[l];   // the first layer's per-row columns

            // through the activation: δ ← δ ⊙ f′, written from the stored output
            delta = _deltas[l + 1].AsSpan(0, batch * outWidth);
            ActivationBackward(l == layers - 1 ? _output : _hidden, _activations[l + 1].AsSpan(0, batch * outWidth), delta);

            // parameter gradients: ∂W += xᵀ·δ, ∂b += Σ_rows δ (grouped: ∂W_g += gᵀ·(Σ_group δ), ∂W_x += xᵀ·δ)
            var x = _activations[l].AsSpan(0, batch * inWidth);
            var weights = grouped ? Weights(0)[(_groupWidth * outWidth)..] : Weights(l);
            if (accumulateParameterGradients)
            {
                var weightGradients = WeightGradients(l);
                var biasGradient = BiasGradients(l);
                if (grouped)
                {
                    var groupDelta = _groupTerms.AsSpan(0, _groupCount * outWidth);
                    SumOverGroups(delta, groupDelta, outWidth);
                    Gemm.Sgemm(true, false, _groupWidth, outWidth, _groupCount, 1f, _groupInputs.AsSpan(0, _groupCount * _groupWidth), _groupWidth,
                        groupDelta, outWidth, 1f, weightGradients, outWidth);
                    Gemm.Sgemm(true, false, inWidth, outWidth, batch, 1f, x, inWidth, delta, outWidth, 1f, weightGradients[(_groupWidth * outWidth)..], outWidth);
                    for (int i = 0; i < _groupCount; i++) TensorPrimitives.Add(biasGradient, groupDelta.Slice(i * outWidth, outWidth), biasGradient);
                }
                else
                {
                    Gemm.Sgemm(true, false, inWidth, outWidth, batch, 1f, x, inWidth, delta, outWidth, 1f, weightGradients, outWidth);
                    for (int r = 0; r < batch; r++) TensorPrimitives.Add(biasGradient, delta.Slice(r * outWidth, outWidth), biasGradient);
                }
            }

            // input gradient: δ_prev = δ·Wᵀ (the first layer's only when asked for)
            if (l == 0 && !inputGradient) return [];
            var previous = l > 0 ? _deltas[l].AsSpan(0, batch * inWidth) : _inputGradient.AsSpan(0, batch * inWidth);
            Gemm.Sgemm(false, true, batch, inWidth, outWidth, 1f, delta, outWidth, weights, outWidth, 0f, previous, inWidth);
        }
        return _inputGradient.AsSpan(0, batch * (_rowsPerGroup > 0 ? InputSize - _groupWidth : InputSize));
    }

    /// <summary>Σ over each group's rows of <paramref name="delta"/> (batch × width) into <paramref name="sums"/> (groups × width).</summary>
    private void SumOverGroups(ReadOnlySpan<float> delta, Span<float> sums, int width)
    {
        for (int i = 0; i < _groupCount; i++)
        {
            var sum = sums.Slice(i * width, width);
            delta.Slice(i * _rowsPerGroup * width, width).CopyTo(sum);
            for (int j = 1; j < _rowsPerGroup; j++) TensorPrimitives.Add(sum, delta.Slice((i * _rowsPerGroup + j) * width, width), sum);
        }
    }

    /// <summary>Sets <see cref="Gradients"/> to zero.</summary>
    public void ZeroGradients() => Gradients.AsSpan().Clear();

    /// <summary>Copies every parameter from <paramref name="source"/> (same architecture): a hard target update.</summary>
    public void CopyParametersFrom(Mlp source)
    {
        if (!source._sizes.SequenceEqual(_sizes)) throw new ArgumentException("networks differ in architecture", nameof(source));
        source.Parameters.CopyTo(Parameters, 0);
    }

    /// <summary>Weights of layer <paramref name="layer"/>, (in × out) row-major.</summary>
    public Span<float> Weights(int layer) => Parameters.AsSpan(_weightOffset[layer], _sizes[layer] * _sizes[layer + 1]);
    /// <summary>Biases of layer <paramref name="layer"/>, (out).</summary>
    public Span<float> Bias(int layer) => Parameters.AsSpan(_biasOffset[layer], _sizes[layer + 1]);
    private Span<float> WeightGradients(int layer) => Gradients.AsSpan(_weightOffset[layer], _sizes[layer] * _sizes[layer + 1]);
    private Span<float> BiasGradients(int layer) => Gradients.AsSpan(_biasOffset[layer], _sizes[layer + 1]);

    /// <summary>Multiply–add count of one forward pass over <paramref name="batch"/> rows, ×2 = FLOPs.</summary>
    public long ForwardFlops(int batch)
    {
        long macs = 0;
        for (int l = 0; l < _sizes.Length - 1; l++) macs += (long)_sizes[l] * _sizes[l + 1];
        return 2 * macs * batch;
    }

    private static void Activate(Activation f, Span<float> y)
    {
        switch (f)
        {
            case Activation.Relu: TensorPrimitives.Max(y, 0f, y); break;
            case Activation.Tanh: TensorPrimitives.Tanh(y, y); break;
        }
    }

    private static void ActivationBackward(Activation f, ReadOnlySpan<float> output, Span<float> delta)
    {
        switch (f)
        {
            case Activation.Relu:
                // f′ = [y > 0], branch-free (half the units are off: a branch would mispredict constantly)
                int width = Vector<float>.Count, v = 0;
                for (; v <= delta.Length - width; v += width)
                {
                    var on = Vector.GreaterThan(new Vector<float>(output[v..]), Vector<float>.Zero);
                    Vector.ConditionalSelect(on, new Vector<float>(delta[v..]), Vector<float>.Zero).CopyTo(delta[v..]);
                }
                for (; v < delta.Length; v++) delta[v] = output[v] > 0f ? delta[v] : 0f;
                break;
            case Activation.Tanh:
                // f′ = 1 − tanh²
                for (int t = 0; t < delta.Length; t++) delta[t] *= 1f - output[t] * output[t];
                break;
        }
    }
}
