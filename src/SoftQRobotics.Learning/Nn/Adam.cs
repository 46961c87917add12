using System.Numerics;

namespace SoftQRobotics.Learning.Nn;

/// <summary>
/// Adam over a flat parameter vector, in TensorFlow's formulation (the authors' optimiser):
/// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − lr·√(1−β₂ᵗ)/(1−β₁ᵗ)·m/(√v + ε). Allocates nothing per step.
/// </summary>
public sealed class Adam
{
    private readonly float _beta1, _beta2, _epsilon;

    /// <param name="size">number of parameters</param>
    /// <param name="learningRate">lr</param>
    public Adam(int size, float learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
    {
        LearningRate = learningRate;
        (_beta1, _beta2, _epsilon) = (beta1, beta2, epsilon);
        FirstMoment = new float[size];
        SecondMoment = new float[size];
        TailStart = size;
    }

    /// <summary>lr.</summary>
    public float LearningRate { get; set; }
    /// <summary>
    /// Parameters from this index on step with lr × <see cref="TailLearningRateScale"/> (a network's output
    /// layer is the tail of its flat vector: <see cref="Mlp.Layout"/>); the vector's length: none do.
    /// </summary>
    public int TailStart { get; private set; }
    /// <summary>The tail's learning-rate multiplier (1: one learning rate for all).</summary>
    public float TailLearningRateScale { get; private set; } = 1f;

    /// <summary>Parameters from <paramref name="start"/> on step with lr × <paramref name="scale"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="start"/> outside [0, size], or <paramref name="scale"/> not positive and finite.</exception>
    public void ScaleTail(int start, float scale)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start, FirstMoment.Length);
        if (!(scale > 0) || !float.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "a learning-rate scale must be positive and finite");
        (TailStart, TailLearningRateScale) = (start, scale);
    }
    /// <summary>Steps taken (t).</summary>
    public long Step { get; set; }
    /// <summary>m, one per parameter.</summary>
    public float[] FirstMoment { get; }
    /// <summary>v, one per parameter.</summary>
    public float[] SecondMoment { get; }

    /// <summary>One update of <paramref name="parameters"/> from <paramref name="gradients"/> (same length as the optimiser).</summary>
    public void Update(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        if (parameters.Length != FirstMoment.Length || gradients.Length != FirstMoment.Length)
        {
            throw new ArgumentException($"Adam was made for {FirstMoment.Length} parameters, got {parameters.Length} parameters and {gradients.Length} gradients");
        }
        Step++;
        float stepSize = (float)(LearningRate * Math.Sqrt(1 - Math.Pow(_beta2, Step)) / (1 - Math.Pow(_beta1, Step)));
        int tail = TailStart;
        Apply(parameters[..tail], gradients[..tail], FirstMoment.AsSpan(0, tail), SecondMoment.AsSpan(0, tail), stepSize);
        Apply(parameters[tail..], gradients[tail..], FirstMoment.AsSpan(tail), SecondMoment.AsSpan(tail), stepSize * TailLearningRateScale);
    }

    private void Apply(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> m, Span<float> v, float stepSize)
    {
        // vectorised body, scalar tail
        int width = Vector<float>.Count, i = 0;
        var b1 = new Vector<float>(_beta1);
        var b2 = new Vector<float>(_beta2);
        var c1 = new Vector<float>(1 - _beta1);
        var c2 = new Vector<float>(1 - _beta2);
        var eps = new Vector<float>(_epsilon);
        var lr = new Vector<float>(stepSize);
        for (; i <= parameters.Length - width; i += width)
        {
            var g = new Vector<float>(gradients[i..]);
            var mi = b1 * new Vector<float>(m[i..]) + c1 * g;
            var vi = b2 * new Vector<float>(v[i..]) + c2 * g * g;
            mi.CopyTo(m[i..]);
            vi.CopyTo(v[i..]);
            (new Vector<float>(parameters[i..]) - lr * mi / (Vector.SquareRoot(vi) + eps)).CopyTo(parameters[i..]);
        }
        for (; i < parameters.Length; i++)
        {
            float g = gradients[i];
            m[i] = _beta1 * m[i] + (1 - _beta1) * g;
            v[i] = _beta2 * v[i] + (1 - _beta2) * g * g;
            parameters[i] -= stepSize * m[i] / (MathF.Sqrt(v[i]) + _epsilon);
        }
    }
}
