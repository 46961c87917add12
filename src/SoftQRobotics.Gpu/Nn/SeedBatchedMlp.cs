using SoftQRobotics.Gpu.Device;
using SoftQRobotics.Learning.Nn;

namespace SoftQRobotics.Gpu.Nn;

/// <summary>
/// S independent copies of one MLP architecture on a device, one per seed, run together: every pass
/// is one launch per step of the layer for all seeds (cuBLAS strided-batched products, kernels whose
/// index space starts with the seed). Seed s's parameters are the CPU engine's flat layout
/// (<see cref="Mlp"/>: per layer W (in × out) row-major, then b), at s·<see cref="ParameterCount"/>
/// in <see cref="Parameters"/>, so checkpoints move between the engines unchanged.
/// The first layer is always grouped (<see cref="Mlp.ForwardGrouped"/>): inputs [g_i, x_ij] arrive as
/// g (groups × GroupWidth) and x (rows × InputSize − GroupWidth) and are never joined.
/// </summary>
public sealed class SeedBatchedMlp : IDisposable
{
    private readonly GpuDevice _device;
    private readonly int[] _sizes;
    private readonly int _hidden, _output, _groupWidth;
    private readonly int[] _weightOffset, _biasOffset;
    private readonly DeviceArray[] _activations;   // per layer l ≥ 1: (S × maxRows × sizes[l]); [0] unused
    private readonly DeviceArray[] _deltas;        // per layer l ≥ 1: gradient w.r.t. the pre-activation
    private readonly DeviceArray _groupScratch;    // (S × maxRows × sizes[1]): g·W_g per group in a forward pass, Σ over a group's rows of δ₁ in a backward one
    private readonly DeviceArray _inputGradient;   // (S × maxRows × (in − groupWidth))
    private readonly SeedTensor _ones;             // (maxRows), shared by the seeds: ∂b = 1ᵀ·δ
    private SeedTensor _lastGroups, _lastRows;
    private int _rows, _groupCount, _rowsPerGroup;

    /// <param name="device">where the networks live</param>
    /// <param name="sizes">layer widths, input first (the input counts g and x columns)</param>
    /// <param name="hidden">activation after every hidden layer</param>
    /// <param name="output">activation after the last layer</param>
    /// <param name="seeds">S</param>
    /// <param name="maxRows">largest batch of a pass, per seed</param>
    /// <param name="groupWidth">leading input columns shared by a group of rows (may equal the input width: no per-row columns)</param>
    /// <param name="ones">a device array of at least <paramref name="maxRows"/> ones</param>
    /// <exception cref="ArgumentException">fewer than two sizes, or a group width outside [1, input width].</exception>
    /// <exception cref="GpuOutOfMemoryException">the device has no room.</exception>
    public SeedBatchedMlp(GpuDevice device, int[] sizes, Activation hidden, Activation output, int seeds, int maxRows, int groupWidth, DeviceArray ones)
    {
        if (sizes.Length < 2 || sizes.Any(s => s < 1)) throw new ArgumentException("an MLP needs at least input and output widths, all ≥ 1", nameof(sizes));
        if (groupWidth < 1 || groupWidth > sizes[0]) throw new ArgumentException($"group width {groupWidth} must be in [1, {sizes[0]}]", nameof(groupWidth));
        if (ones.Length < maxRows) throw new ArgumentException("the ones vector is shorter than the largest batch", nameof(ones));
        (_device, _sizes, _hidden, _output, _groupWidth) = (device, (int[])sizes.Clone(), Code(hidden), Code(output), groupWidth);
        (Seeds, MaxRows) = (seeds, maxRows);
        (_weightOffset, _biasOffset, int offset) = Mlp.Layout(sizes);
        ParameterCount = offset;
        Parameters = device.Allocate((long)seeds * offset, "network parameters");
        Gradients = device.Allocate((long)seeds * offset, "network gradients");
        _activations = [.. sizes.Select((width, l) => l == 0 ? null! : device.Allocate((long)seeds * maxRows * width, "network activations"))];
        _deltas = [.. sizes.Select((width, l) => l == 0 ? null! : device.Allocate((long)seeds * maxRows * width, "network deltas"))];
        _groupScratch = device.Allocate((long)seeds * maxRows * sizes[1], "group terms");
        _inputGradient = device.Allocate((long)seeds * maxRows * Math.Max(1, sizes[0] - groupWidth), "input gradients");
        _ones = new SeedTensor(ones, 0, 0);
    }

    /// <summary>S.</summary>
    public int Seeds { get; }
    /// <summary>Largest batch of a pass, per seed.</summary>
    public int MaxRows { get; }
    /// <summary>Parameters per seed (the CPU engine's <see cref="Mlp.Parameters"/> length).</summary>
    public int ParameterCount { get; }
    /// <summary>Layer widths, input first.</summary>
    public IReadOnlyList<int> Sizes => _sizes;
    /// <summary>Output width.</summary>
    public int OutputSize => _sizes[^1];
    /// <summary>(S × <see cref="ParameterCount"/>), seed by seed.</summary>
    public DeviceArray Parameters { get; }
    /// <summary>∂L/∂θ of the last <see cref="Backward"/>, same layout (overwritten, not accumulated).</summary>
    public DeviceArray Gradients { get; }

    /// <summary>The output of the last pass: (S × maxRows × out), rows 0 … rows − 1 of each seed valid.</summary>
    public SeedTensor Output => Layer(_sizes.Length - 1);

    /// <summary>
    /// Forward pass on rows [g_i, x_ij], j &lt; <paramref name="rowsPerGroup"/>, for every seed; inputs
    /// stay referenced until <see cref="Backward"/> (the first layer's weight gradient reads them).
    /// </summary>
    /// <param name="groups">g, (S × groupCount × GroupWidth) at its seed stride</param>
    /// <param name="rows">x, (S × groupCount·rowsPerGroup × (in − GroupWidth)); ignored when the group width is the whole input</param>
    /// <returns><see cref="Output"/></returns>
    /// <exception cref="ArgumentOutOfRangeException">more rows than <see cref="MaxRows"/>, or none.</exception>
    public SeedTensor Forward(SeedTensor groups, SeedTensor rows, int groupCount, int rowsPerGroup)
    {
        int batch = groupCount * rowsPerGroup;
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(batch, MaxRows);
        (_lastGroups, _lastRows, _rows, _groupCount, _rowsPerGroup) = (groups, rows, batch, groupCount, rowsPerGroup);
        int layers = _sizes.Length - 1;
        var first = Layer(1);
        var shape = new FirstLayerShape
        {
            Rows = batch, PerGroup = rowsPerGroup, GroupWidth = _groupWidth, RowWidth = _sizes[0] - _groupWidth, OutWidth = _sizes[1],
            Activation = layers == 1 ? _output : _hidden, WeightOffset = _weightOffset[0], BiasOffset = _biasOffset[0], ParameterStride = ParameterCount,
            GroupStride = groups.Stride, RowStride = rows.Stride, OutputStride = first.Stride,
        };
        if (rowsPerGroup > 1)
        {
            // g_i·W_g once per group (a product), not once per row
            var groupTerms = new SeedTensor(_groupScratch, 0, (long)MaxRows * _sizes[1]);
            _device.Gemm(false, false, groupCount, _sizes[1], _groupWidth, 1f, groups, _groupWidth, Weights(0), _sizes[1], 0f, groupTerms, _sizes[1], Seeds);
            (shape.HasGroupTerms, shape.GroupTermStride) = (1, groupTerms.Stride);
        }
        _device.FirstLayer(Seeds * batch * _sizes[1], Parameters.View, groups.View, rows.View, _groupScratch.View, first.View, shape);
        for (int l = 1; l < layers; l++)
        {
            // y = x·W (one strided-batched product for every seed), then f(y + b)
            int inWidth = _sizes[l], outWidth = _sizes[l + 1];
            var y = Layer(l + 1);
            _device.Gemm(false, false, batch, outWidth, inWidth, 1f, Layer(l), inWidth, Weights(l), outWidth, 0f, y, outWidth, Seeds);
            _device.BiasActivation(Seeds, y, batch, outWidth, ParameterTensor, _biasOffset[l], l == layers - 1 ? _output : _hidden);
        }
        return Output;
    }

    /// <summary>
    /// Backward pass for the batch of the last <see cref="Forward"/>: from ∂L/∂output, writes ∂L/∂θ into
    /// <see cref="Gradients"/> (when <paramref name="parameterGradients"/>) and returns ∂L/∂x of the
    /// per-row columns (when <paramref name="inputGradient"/>).
    /// </summary>
    /// <param name="outputGradient">(S × rows × out) at its seed stride (0: the same for every seed)</param>
    /// <returns>∂L/∂x, (S × maxRows × (in − GroupWidth)), or default when not asked for</returns>
    /// <exception cref="InvalidOperationException">no forward pass yet.</exception>
    public SeedTensor Backward(SeedTensor outputGradient, bool parameterGradients, bool inputGradient)
    {
        if (_rows == 0) throw new InvalidOperationException("Backward needs a Forward pass first");
        int rows = _rows, layers = _sizes.Length - 1;
        var gradient = outputGradient;
        for (int l = layers - 1; l >= 0; l--)
        {
            int inWidth = _sizes[l], outWidth = _sizes[l + 1];

            // through the activation: δ = ∂L/∂y ⊙ f′(y)
            var delta = Delta(l + 1);
            _device.ActivationBackward(Seeds, gradient, Layer(l + 1), delta, rows * outWidth, l == layers - 1 ? _output : _hidden);

            if (parameterGradients)
            {
                // ∂b = 1ᵀ·δ;  ∂W = xᵀ·δ (first layer: ∂W_g = gᵀ·Σ_group δ, ∂W_x = xᵀ·δ)
                _device.Gemm(false, false, 1, outWidth, rows, 1f, _ones, rows, delta, outWidth, 0f, GradientTensor.At(_biasOffset[l]), outWidth, Seeds);
                if (l > 0)
                {
                    _device.Gemm(true, false, inWidth, outWidth, rows, 1f, Layer(l), inWidth, delta, outWidth, 0f, GradientTensor.At(_weightOffset[l]), outWidth, Seeds);
                }
                else
                {
                    var groupDelta = delta;
                    if (_rowsPerGroup > 1)
                    {
                        groupDelta = new SeedTensor(_groupScratch, 0, (long)MaxRows * outWidth);
                        _device.SumOverGroups(Seeds, delta, groupDelta, _groupCount, _rowsPerGroup, outWidth);
                    }
                    _device.Gemm(true, false, _groupWidth, outWidth, _groupCount, 1f, _lastGroups, _groupWidth, groupDelta, outWidth, 0f,
                        GradientTensor.At(_weightOffset[0]), outWidth, Seeds);
                    int rowWidth = inWidth - _groupWidth;
                    if (rowWidth > 0)
                    {
                        _device.Gemm(true, false, rowWidth, outWidth, rows, 1f, _lastRows, rowWidth, delta, outWidth, 0f,
                            GradientTensor.At(_weightOffset[0] + _groupWidth * outWidth), outWidth, Seeds);
                    }
                }
            }

            // ∂L/∂x = δ·Wᵀ (first layer: the per-row columns' W_x only)
            if (l > 0)
            {
                gradient = Delta(l);
                _device.Gemm(false, true, rows, inWidth, outWidth, 1f, delta, outWidth, Weights(l), outWidth, 0f, gradient, inWidth, Seeds);
            }
            else if (inputGradient)
            {
                int rowWidth = inWidth - _groupWidth;
                var result = new SeedTensor(_inputGradient, 0, (long)MaxRows * rowWidth);
                _device.Gemm(false, true, rows, rowWidth, outWidth, 1f, delta, outWidth, Weights(0).At(_groupWidth * outWidth), outWidth, 0f, result, rowWidth, Seeds);
                return result;
            }
        }
        return default;
    }

    /// <summary>Seed <paramref name="seed"/>'s parameters, in the CPU engine's layout.</summary>
    public float[] Download(int seed) => DownloadFrom(Parameters, seed);

    /// <summary>Seed <paramref name="seed"/>'s slice of a per-parameter array (its parameters, Adam's moments) from a CPU-layout vector.</summary>
    /// <exception cref="ArgumentException">the vector's length is not <see cref="ParameterCount"/>.</exception>
    public void UploadTo(DeviceArray array, int seed, ReadOnlySpan<float> values)
    {
        if (values.Length != ParameterCount) throw new ArgumentException($"expected {ParameterCount} values for this network, got {values.Length}");
        array.Upload(values, (long)seed * ParameterCount);
    }

    /// <summary>Seed <paramref name="seed"/>'s slice of a per-parameter array.</summary>
    public float[] DownloadFrom(DeviceArray array, int seed)
    {
        var values = new float[ParameterCount];
        array.Download(values, (long)seed * ParameterCount);
        return values;
    }

    /// <summary>θ ← <paramref name="source"/>'s θ for every seed (a hard target update; same architecture).</summary>
    public void CopyParametersFrom(SeedBatchedMlp source)
    {
        if (!source._sizes.SequenceEqual(_sizes) || source.Seeds != Seeds) throw new ArgumentException("networks differ in architecture or seeds", nameof(source));
        Parameters.CopyFrom(source.Parameters, 0, 0, Parameters.Length);
    }

    private SeedTensor ParameterTensor => new(Parameters, 0, ParameterCount);
    private SeedTensor GradientTensor => new(Gradients, 0, ParameterCount);
    private SeedTensor Weights(int layer) => ParameterTensor.At(_weightOffset[layer]);
    private SeedTensor Layer(int l) => new(_activations[l], 0, (long)MaxRows * _sizes[l]);
    private SeedTensor Delta(int l) => new(_deltas[l], 0, (long)MaxRows * _sizes[l]);

    private static int Code(Activation activation) => activation switch
    {
        Activation.Relu => ActivationCode.Relu,
        Activation.Tanh => ActivationCode.Tanh,
        _ => ActivationCode.Identity,
    };

    /// <inheritdoc/>
    public void Dispose()
    {
        Parameters.Dispose();
        Gradients.Dispose();
        foreach (var array in _activations.Skip(1).Concat(_deltas.Skip(1))) array.Dispose();
        _groupScratch.Dispose();
        _inputGradient.Dispose();
    }
}
