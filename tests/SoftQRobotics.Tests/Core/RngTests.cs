using SoftQRobotics.Core;

namespace SoftQRobotics.Tests.Core;

public class RngTests
{
    /// <summary>
    /// FillGaussian against Box–Muller in double precision on the same uniforms (a clone of the
    /// generator): the single-precision log and sine leave an absolute error of a few 1e-7 per unit
    /// of radius (u₂ and 2πu₂ rounded to float), so 1e-5·max(1, r) is a wide bound.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(257)]
    [InlineData(4096)]
    public void FillGaussian_IsBoxMullerWithBothOutputs(int length)
    {
        var rng = new Rng(42);
        var reference = new Rng(0) { State = rng.State };
        var z = new float[length];
        rng.FillGaussian(z);

        for (int i = 0; i + 1 < length; i += 2)
        {
            double u1 = 1.0 - reference.NextDouble(), u2 = reference.NextDouble();
            double r = Math.Sqrt(-2 * Math.Log(u1));
            double bound = 1e-5 * Math.Max(1, r);
            Assert.InRange(z[i] - r * Math.Cos(2 * Math.PI * u2), -bound, bound);
            Assert.InRange(z[i + 1] - r * Math.Sin(2 * Math.PI * u2), -bound, bound);
        }
        if (length % 2 == 1) Assert.Equal((float)reference.NextGaussian(), z[^1]);
        Assert.Equal(reference.State, rng.State);   // the stream continues where the reference's does
    }

    /// <summary>Moments of 400 000 draws, and the two outputs of a pair uncorrelated: a cosine used twice, a missing √ or 2π would fail it.</summary>
    [Fact]
    public void FillGaussian_IsStandardNormal()
    {
        var z = new float[400_000];
        new Rng(7).FillGaussian(z);
        double mean = z.Average(v => (double)v);
        double variance = z.Average(v => (v - mean) * (v - mean));
        double kurtosis = z.Average(v => Math.Pow(v - mean, 4)) / (variance * variance);
        double withinOne = z.Count(v => Math.Abs(v) < 1) / (double)z.Length;
        double pairCorrelation = 0;
        for (int i = 0; i < z.Length; i += 2) pairCorrelation += (z[i] - mean) * (z[i + 1] - mean);
        pairCorrelation /= z.Length / 2 * variance;

        // standard errors at this n: mean 0.0016, variance 0.0022, kurtosis 0.008, P(|z| < 1) 0.0007, correlation 0.0022
        Assert.InRange(mean, -0.008, 0.008);
        Assert.InRange(variance, 0.99, 1.01);
        Assert.InRange(kurtosis, 2.95, 3.05);
        Assert.InRange(withinOne, 0.6827 - 0.004, 0.6827 + 0.004);
        Assert.InRange(pairCorrelation, -0.01, 0.01);
    }
}
