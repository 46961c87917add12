using SoftQRobotics.Core;
using SoftQRobotics.Envs;
using SoftQRobotics.Learning.Agents;
using SoftQRobotics.Learning.Nn;

namespace SoftQRobotics.Tests.Learning;

public class OptimizerAndValueTests
{
    [Fact]
    public void Adam_MatchesHandComputedSteps()
    {
        // 37 parameters: the vectorised body and the scalar tail both run
        const int size = 37;
        const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        var adam = new Adam(size, (float)lr);
        var theta = Enumerable.Range(0, size).Select(i => 0.1f * i - 1).ToArray();
        var expected = theta.Select(v => (double)v).ToArray();
        var m = new double[size];
        var v = new double[size];
        for (int t = 1; t <= 3; t++)
        {
            var g = Enumerable.Range(0, size).Select(i => (float)Math.Sin(i + t)).ToArray();
            adam.Update(theta, g);
            double stepSize = lr * Math.Sqrt(1 - Math.Pow(b2, t)) / (1 - Math.Pow(b1, t));
            for (int i = 0; i < size; i++)
            {
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                expected[i] -= stepSize * m[i] / (Math.Sqrt(v[i]) + eps);
            }
        }
        for (int i = 0; i < size; i++) Assert.Equal(expected[i], theta[i], 5);
        Assert.Equal(3, adam.Step);
        // first step moves each parameter by ≈ lr in the gradient's sign
        var single = new Adam(1, 0.01f);
        float[] p = [0f];
        single.Update(p, [5f]);
        Assert.Equal(-0.01f, p[0], 5);
    }

    [Fact]
    public void SoftValue_OfConstantQ_IsExact()
    {
        // logsumexp(c/α) − ln K = c/α, so V = c + d·α·ln 2
        var q = Enumerable.Repeat(3f, 50).ToArray();
        Assert.Equal(3 + 2 * 0.5 * Math.Log(2), SoftValue.Estimate(q, alpha: 0.5, actionDim: 2), 6);
    }

    [Fact]
    public void SoftValue_IsStableForLargeQOverAlpha()
    {
        var q = new[] { 1000f, 999f, 990f };
        double v = SoftValue.Estimate(q, alpha: 0.01, actionDim: 1);
        Assert.True(double.IsFinite(v));
        double shifted = SoftValue.Estimate(q.Select(x => x - 1000f).ToArray(), alpha: 0.01, actionDim: 1);
        Assert.Equal(shifted + 1000, v, 6);
    }

    [Fact]
    public void SoftValue_MatchesNumericIntegration_1D()
    {
        static double Q(double a) => 2 * a * a - a + Math.Sin(3 * a);
        const double alpha = 0.5;
        double exact = alpha * Math.Log(Simpson(a => Math.Exp(Q(a) / alpha), -1, 1, 20_000));
        var rng = new Rng(1);
        var samples = new float[1_000_000];
        for (int i = 0; i < samples.Length; i++) samples[i] = (float)Q(rng.NextFloat(-1, 1));

        // the Monte Carlo standard error of V is α·CV/√K with CV the integrand's coefficient of variation (≈ 3.5 here)
        Assert.InRange(SoftValue.Estimate(samples, alpha, actionDim: 1) - exact, -0.006, 0.006);
    }

    [Fact]
    public void SoftValue_MatchesNumericIntegration_2D()
    {
        static double Q(double a, double b) => Math.Sin(2 * a) + a * b - 0.5 * b * b;
        const double alpha = 0.3;
        double exact = alpha * Math.Log(Simpson(a => Simpson(b => Math.Exp(Q(a, b) / alpha), -1, 1, 400), -1, 1, 400));
        var rng = new Rng(2);
        var samples = new float[400_000];
        for (int i = 0; i < samples.Length; i++) samples[i] = (float)Q(rng.NextFloat(-1, 1), rng.NextFloat(-1, 1));
        Assert.InRange(SoftValue.Estimate(samples, alpha, actionDim: 2) - exact, -0.006, 0.006);
    }

    [Fact]
    public void SvgdKernel_MatchesHandComputation_InBothConventions()
    {
        // three 1-D particles 0, 1, 3: distances 1, 3, 2, median m = 2
        float[] u = [0f, 1f, 3f];
        float[] g = [1f, -2f, 0.5f];
        const float alpha = 0.7f;
        foreach (var (convention, h, exponentScale) in new[] { (KernelBandwidth.AuthorsCode, 0.5 * 2 / Math.Log(4), 0.5), (KernelBandwidth.Paper, 2 / (2 * Math.Log(4)), 1.0) })
        {
            var kernel = new SvgdKernel(3, 1, convention);
            var phi = new float[3];
            kernel.Direction(u, g, 3, alpha, phi);
            Assert.Equal(h, kernel.LastBandwidth, 6);
            for (int k = 0; k < 3; k++)
            {
                double expected = 0;
                for (int j = 0; j < 3; j++)
                {
                    double diff = u[j] - u[k];
                    double kappa = Math.Exp(-exponentScale * diff * diff / h);
                    double gradKappa = -2 * exponentScale / h * kappa * diff;   // ∂κ/∂u_j
                    expected += kappa * g[j] + alpha * gradKappa;
                }
                Assert.Equal(expected / 3, phi[k], 5);
            }
        }
    }

    private static double Simpson(Func<double, double> f, double a, double b, int intervals)
    {
        double h = (b - a) / intervals, sum = f(a) + f(b);
        for (int i = 1; i < intervals; i++) sum += f(a + i * h) * (i % 2 == 1 ? 4 : 2);
        return sum * h / 3;
    }
}
