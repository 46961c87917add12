using SoftQRobotics.Core;
using SoftQRobotics.Learning.Agents;
using SoftQRobotics.Learning.Nn;
using SoftQRobotics.Learning.Replay;

namespace SoftQRobotics.Tests.Learning;

/// <summary>
/// The two temperature forms (docs/implementation-details.md, "Temperature"): rewards × c with α = 1 against
/// rewards × 1 with α = 1/c. Their fixed points agree (Q′ = c·Q); under Adam their paths agree only when
/// Q's output layer starts c times larger and steps with c times the learning rate.
/// </summary>
public class TemperatureFormTests
{
    [Fact]
    public void Adam_ScaledTail_StepsTheTailWithTheScaledRate()
    {
        // 37 parameters, tail from 29: the split falls inside a vector, both parts have a scalar remainder
        const int size = 37, tail = 29;
        const double lr = 0.01, scale = 10, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        var adam = new Adam(size, (float)lr);
        adam.ScaleTail(tail, (float)scale);
        var theta = Enumerable.Range(0, size).Select(i => 0.1f * i - 1).ToArray();
        var expected = theta.Select(v => (double)v).ToArray();
        var (m, v) = (new double[size], new double[size]);
        for (int t = 1; t <= 3; t++)
        {
            var g = Enumerable.Range(0, size).Select(i => (float)Math.Cos(i * t)).ToArray();
            adam.Update(theta, g);
            double stepSize = lr * Math.Sqrt(1 - Math.Pow(b2, t)) / (1 - Math.Pow(b1, t));
            for (int i = 0; i < size; i++)
            {
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                expected[i] -= (i >= tail ? scale : 1) * stepSize * m[i] / (Math.Sqrt(v[i]) + eps);
            }
        }
        for (int i = 0; i < size; i++) Assert.Equal(expected[i], theta[i], 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => adam.ScaleTail(size + 1, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => adam.ScaleTail(0, float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => adam.ScaleTail(0, 0));
    }

    /// <summary>
    /// Rewards × 10 with α = 1, Q's output layer × 10 at the start and its learning rate × 10, follows rewards × 1
    /// with α = 0.1 update by update: the hidden layers and the sampler stay equal, the output layer stays 10×.
    /// Without the output layer's learning-rate scale the two paths part at once (the equivalence is Adam's to break).
    /// </summary>
    [Theory]
    [InlineData(10f, true)]
    [InlineData(1f, false)]
    public void RewardScaleForm_FollowsTheAlphaForm_OnlyWithTheOutputLayersRateScaled(float outputRateScale, bool follows)
    {
        const float c = 10;
        int[] hidden = [24, 24];
        var alphaForm = new SqlSettings { HiddenSizes = hidden, Particles = 8, ValueParticles = 12, BatchSize = 16, TargetUpdateInterval = 5, Alpha = 1 / c, PolicyLearningRate = 1e-3f };
        var rewardForm = alphaForm with { Alpha = 1, QOutputLearningRateScale = outputRateScale };
        var a = new SoftQLearning(5, 3, alphaForm, seed: 7);
        var r = new SoftQLearning(5, 3, rewardForm, seed: 7);
        var (weights, _, count) = Mlp.Layout(a.Q.Sizes);
        int outputStart = weights[^1];
        var rState = r.SaveState().ToDictionary(t => t.Name, t => t.Values);
        foreach (var name in new[] { "q", "q_target" })
        {
            for (int i = outputStart; i < count; i++) rState[name][i] *= c;
        }

        var rng = new Rng(3);
        var batch = new TransitionBatch(16, 5, 3);
        var scaled = new TransitionBatch(16, 5, 3);
        for (int u = 0; u < 30; u++)
        {
            rng.FillUniform(batch.Observations, -1, 1);
            rng.FillUniform(batch.Actions, -1, 1);
            rng.FillUniform(batch.Rewards, -1, 1);
            rng.FillUniform(batch.NextObservations, -1, 1);
            batch.Observations.CopyTo(scaled.Observations, 0);
            batch.Actions.CopyTo(scaled.Actions, 0);
            batch.NextObservations.CopyTo(scaled.NextObservations, 0);
            for (int i = 0; i < batch.Rewards.Length; i++) scaled.Rewards[i] = c * batch.Rewards[i];
            var (sa, sr) = (a.Update(batch), r.Update(scaled));
            if (follows)
            {
                Assert.Equal(c * sa.MeanQ, sr.MeanQ, 1e-3 * Math.Abs(c * sa.MeanQ) + 1e-4);
            }
        }

        // parameters: the hidden layers equal, the output layer c times. Adam's sign-like first steps turn rounding
        // into differences of a step here and there (the sampler's nearly coincident initial particles most), so the
        // typical parameter is compared, against the learning rate: 30 steps move one by up to 30·lr.
        var aState = a.SaveState().ToDictionary(t => t.Name, t => t.Values);
        double hiddenGap = MedianGap(aState["q"][..outputStart], rState["q"][..outputStart], 1);
        double outputGap = MedianGap(aState["q"][outputStart..count], rState["q"][outputStart..count], c);
        double lr = alphaForm.QLearningRate;
        if (follows)
        {
            Assert.True(hiddenGap < 0.2 * lr, $"hidden layers part by {hiddenGap / lr} lr");
            Assert.True(outputGap < 0.2 * lr, $"output layer parts by {outputGap / lr} lr");
        }
        else
        {
            Assert.True(outputGap > 2 * lr, $"output layer parts by only {outputGap / lr} lr");
        }
    }

    /// <summary>The median over parameters of |c·θ_α − θ_r| / c.</summary>
    private static double MedianGap(float[] alphaForm, float[] rewardForm, float c)
    {
        var gaps = alphaForm.Zip(rewardForm, (x, y) => Math.Abs(c * x - y) / c).Order().ToArray();
        return gaps[gaps.Length / 2];
    }
}
