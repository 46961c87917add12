using SoftQRobotics.Core;
using SoftQRobotics.Envs;
using SoftQRobotics.Learning.Nn;

namespace SoftQRobotics.Tests.Learning;

/// <summary>
/// Backpropagation (float32, through OpenBLAS) checked against central finite differences of
/// L = Σ w ⊙ output, taken on an independent double-precision forward pass written here.
/// </summary>
public class MlpGradientTests
{
    public static TheoryData<int[], Activation, Activation> Networks => new()
    {
        // single layers, one per activation
        { new[] { 4, 3 }, Activation.Identity, Activation.Identity },
        { new[] { 4, 3 }, Activation.Identity, Activation.Relu },
        { new[] { 4, 3 }, Activation.Identity, Activation.Tanh },
        // whole networks as the agents use them
        { new[] { 5, 7, 6, 1 }, Activation.Relu, Activation.Identity },
        { new[] { 5, 7, 6, 3 }, Activation.Relu, Activation.Tanh },
        { new[] { 3, 8, 8, 2 }, Activation.Tanh, Activation.Tanh },
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void Forward_MatchesDoublePrecisionReference(int[] sizes, Activation hidden, Activation output)
    {
        var (net, input, _, batch) = Setup(sizes, hidden, output);
        var ours = net.Forward(input, batch).ToArray();
        var reference = ReferenceForward(sizes, hidden, output, ToDouble(net.Parameters), ToDouble(input), batch);
        for (int i = 0; i < ours.Length; i++) Assert.Equal(reference[i], ours[i], 4);
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void ParameterGradients_MatchFiniteDifferences(int[] sizes, Activation hidden, Activation output)
    {
        var (net, input, weights, batch) = Setup(sizes, hidden, output);
        net.Forward(input, batch);
        net.ZeroGradients();
        net.Backward(weights);

        var theta = ToDouble(net.Parameters);
        var x = ToDouble(input);
        double L() => Loss(sizes, hidden, output, theta, x, weights, batch);
        for (int p = 0; p < theta.Length; p++) AssertClose(CentralDifference(theta, p, L), net.Gradients[p], $"parameter {p}");
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void InputGradients_MatchFiniteDifferences(int[] sizes, Activation hidden, Activation output)
    {
        var (net, input, weights, batch) = Setup(sizes, hidden, output);
        net.Forward(input, batch);
        net.ZeroGradients();
        var analytic = net.Backward(weights, accumulateParameterGradients: false).ToArray();
        Assert.All(net.Gradients, g => Assert.Equal(0f, g));   // skipped as asked

        var theta = ToDouble(net.Parameters);
        var x = ToDouble(input);
        double L() => Loss(sizes, hidden, output, theta, x, weights, batch);
        for (int i = 0; i < x.Length; i++) AssertClose(CentralDifference(x, i, L), analytic[i], $"input {i}");
    }

    [Fact]
    public void Forward_MatchesHandComputation()
    {
        var net = new Mlp([2, 2, 1], Activation.Relu, Activation.Identity, 1);
        // W1 = [[1, -1], [2, 0.5]], b1 = [0.5, -3]; W2 = [[2], [-1]], b2 = [0.25]
        float[] parameters = [1, -1, 2, 0.5f, 0.5f, -3, 2, -1, 0.25f];
        parameters.CopyTo(net.Parameters, 0);
        // h = relu([1, 2]·W1 + b1) = relu([5.5, -3]) = [5.5, 0]; y = 11 + 0.25
        Assert.Equal(11.25f, net.Forward([1f, 2f], 1)[0], 5);
    }

    /// <summary>
    /// The grouped first layer (<see cref="Mlp.ForwardGrouped"/>): 2 groups of 3 rows [g_i, x_ij], the
    /// reference run on the joined rows. Output, every parameter gradient and the rows' own input
    /// gradient against the double-precision reference and its finite differences.
    /// </summary>
    [Theory]
    [MemberData(nameof(Networks))]
    public void GroupedPasses_MatchTheReferenceOnTheJoinedRows(int[] sizes, Activation hidden, Activation output)
    {
        const int groups = 2, perGroup = 3, batch = groups * perGroup;
        int groupWidth = sizes[0] - 1 - sizes[0] / 3, rowWidth = sizes[0] - groupWidth;
        var rng = new Rng(23);
        var net = new Mlp(sizes, hidden, output, batch, groupWidth);
        rng.FillUniform(net.Parameters, -0.8f, 0.8f);
        var g = new float[groups * groupWidth];
        var x = new float[batch * rowWidth];
        var weights = new float[batch * sizes[^1]];
        rng.FillUniform(g, -1.5f, 1.5f);
        rng.FillUniform(x, -1.5f, 1.5f);
        rng.FillUniform(weights, -1f, 1f);
        var joined = new double[batch * sizes[0]];
        for (int r = 0; r < batch; r++)
        {
            for (int c = 0; c < groupWidth; c++) joined[r * sizes[0] + c] = g[r / perGroup * groupWidth + c];
            for (int c = 0; c < rowWidth; c++) joined[r * sizes[0] + groupWidth + c] = x[r * rowWidth + c];
        }
        var theta = ToDouble(net.Parameters);
        double L() => Loss(sizes, hidden, output, theta, joined, weights, batch);

        var ours = net.ForwardGrouped(g, x, groups, perGroup).ToArray();
        var reference = ReferenceForward(sizes, hidden, output, theta, joined, batch);
        for (int i = 0; i < ours.Length; i++) Assert.Equal(reference[i], ours[i], 4);

        net.ZeroGradients();
        var rowGradient = net.Backward(weights).ToArray();
        Assert.Equal(batch * rowWidth, rowGradient.Length);
        for (int p = 0; p < theta.Length; p++) AssertClose(CentralDifference(theta, p, L), net.Gradients[p], $"parameter {p}");
        for (int r = 0; r < batch; r++)
        {
            for (int c = 0; c < rowWidth; c++) AssertClose(CentralDifference(joined, r * sizes[0] + groupWidth + c, L), rowGradient[r * rowWidth + c], $"row {r} input {c}");
        }

        // without the input gradient: nothing returned, the same parameter gradients
        var withInput = net.Gradients.ToArray();
        net.ForwardGrouped(g, x, groups, perGroup);
        net.ZeroGradients();
        Assert.True(net.Backward(weights, inputGradient: false).IsEmpty);
        Assert.Equal(withInput, net.Gradients);
    }

    [Fact]
    public void GroupedForward_RejectsWhatItCannotCompute()
    {
        var plain = new Mlp([4, 3], Activation.Relu, Activation.Identity, 6);
        Assert.Throws<InvalidOperationException>(() => plain.ForwardGrouped(new float[2 * 3], new float[6], 2, 3));
        var grouped = new Mlp([4, 3], Activation.Relu, Activation.Identity, 6, groupWidth: 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => grouped.ForwardGrouped(new float[3 * 3], new float[9], 3, 3));   // 9 rows > 6
        Assert.Throws<ArgumentException>(() => grouped.ForwardGrouped(new float[2 * 3], new float[5], 2, 3));              // 6 rows need 6 values
        Assert.Throws<ArgumentException>(() => new Mlp([4, 3], Activation.Relu, Activation.Identity, 6, groupWidth: 4));
    }

    private const double Eps = 1e-6;

    private static (Mlp, float[], float[], int) Setup(int[] sizes, Activation hidden, Activation output)
    {
        const int batch = 4;
        var rng = new Rng(17);
        var net = new Mlp(sizes, hidden, output, batch);
        net.Initialize(Initializer.Xavier, rng);
        rng.FillUniform(net.Parameters, -0.8f, 0.8f);   // non-zero biases too
        var input = new float[batch * sizes[0]];
        rng.FillUniform(input, -1.5f, 1.5f);
        var weights = new float[batch * sizes[^1]];
        rng.FillUniform(weights, -1f, 1f);
        return (net, input, weights, batch);
    }

    /// <summary>(L(v + ε·e_i) − L(v − ε·e_i)) / 2ε, restoring v[i].</summary>
    private static double CentralDifference(double[] values, int i, Func<double> loss)
    {
        double saved = values[i];
        values[i] = saved + Eps;
        double plus = loss();
        values[i] = saved - Eps;
        double minus = loss();
        values[i] = saved;
        return (plus - minus) / (2 * Eps);
    }

    private static double[] ToDouble(float[] values) => values.Select(v => (double)v).ToArray();

    private static double Loss(int[] sizes, Activation hidden, Activation output, double[] theta, double[] x, float[] weights, int batch)
    {
        var y = ReferenceForward(sizes, hidden, output, theta, x, batch);
        double loss = 0;
        for (int i = 0; i < y.Length; i++) loss += weights[i] * y[i];
        return loss;
    }

    /// <summary>The same network in plain double loops: per layer W (in × out) row-major, then b.</summary>
    private static double[] ReferenceForward(int[] sizes, Activation hidden, Activation output, double[] theta, double[] x, int batch)
    {
        var current = x;
        int offset = 0;
        for (int l = 0; l < sizes.Length - 1; l++)
        {
            int inWidth = sizes[l], outWidth = sizes[l + 1];
            var next = new double[batch * outWidth];
            var f = l == sizes.Length - 2 ? output : hidden;
            for (int r = 0; r < batch; r++)
            {
                for (int o = 0; o < outWidth; o++)
                {
                    double z = theta[offset + inWidth * outWidth + o];
                    for (int i = 0; i < inWidth; i++) z += current[r * inWidth + i] * theta[offset + i * outWidth + o];
                    next[r * outWidth + o] = f switch { Activation.Relu => Math.Max(z, 0), Activation.Tanh => Math.Tanh(z), _ => z };
                }
            }
            offset += inWidth * outWidth + outWidth;
            current = next;
        }
        return current;
    }

    private static void AssertClose(double numeric, double analytic, string what)
    {
        // the backprop runs in float32: relative slack for its rounding
        double tolerance = 1e-4 + 1e-3 * Math.Abs(numeric);
        Assert.True(Math.Abs(numeric - analytic) <= tolerance, $"{what}: finite difference {numeric:G6} vs backprop {analytic:G6}");
    }
}
