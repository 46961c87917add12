using SoftQRobotics.Core;
using SoftQRobotics.Envs;
using SoftQRobotics.Learning.Agents;
using SoftQRobotics.Learning.Nn;

namespace SoftQRobotics.Tests.Learning;

public class SteinSamplerTests
{
    /// <summary>
    /// No RL: the energy is fixed, Q(a) = α log p(a) with p a 30/70 mixture of two narrow Gaussians
    /// at ∓0.5; amortized SVGD must teach the network to sample both modes with their masses.
    /// </summary>
    [Fact]
    public void LearnsBimodalTarget_WithTheRightMassPerMode()
    {
        const float alpha = 1f;
        const int states = 8, particles = 32;
        var rng = new Rng(5);
        var sampler = new SteinSampler(observationSize: 1, actionSize: 1, hiddenSizes: [64, 64], states, particles, maxActBatch: 4000,
            learningRate: 3e-3f, KernelBandwidth.AuthorsCode, Initializer.Xavier, rng);
        var observations = new float[states];   // a single, constant state 0
        var energy = new MixtureEnergy(alpha);

        var lanes = new TwoLanes(threads: 1);
        IActionGradient[] critics = [energy, energy];   // stateless: one serves both lanes
        for (int step = 0; step < 1500; step++)
        {
            sampler.DrawNoise(observations, states, particles, rng);
            sampler.SteinStep(states, particles, critics, alpha, lanes);
        }

        var actions = new float[4000];
        sampler.Act(new float[4000], actions, 4000, rng);
        double right = actions.Count(a => a > 0) / 4000.0;
        Assert.InRange(right, 0.63, 0.77);                                   // 0.7 ± 10 %
        Assert.InRange(actions.Count(a => Math.Abs(a + 0.5) < 0.3) / 4000.0, 0.21, 0.39);  // the left mode is covered
    }

    /// <summary>Q = α log p(a) and ∂Q/∂a = α d/da log p(a), whatever the state (one action column).</summary>
    private sealed class MixtureEnergy(float alpha) : IActionGradient
    {
        public void ActionGradient(ReadOnlySpan<float> states, ReadOnlySpan<float> actions, int stateCount, int perState, Span<float> dQda, Span<float> q)
        {
            for (int r = 0; r < stateCount * perState; r++)
            {
                dQda[r] = (float)(alpha * DLogP(actions[r]));
                q[r] = (float)(alpha * LogP(actions[r]));
            }
        }
    }

    // log p(a), p the mixture below
    private static double LogP(double a)
    {
        const double s2 = 0.15 * 0.15, norm = 0.37606830514;   // 1/√(2π·s2)·… folded: only differences of Q matter here
        return Math.Log(0.3 * Math.Exp(-(a + 0.5) * (a + 0.5) / (2 * s2)) + 0.7 * Math.Exp(-(a - 0.5) * (a - 0.5) / (2 * s2)) + 1e-300) + Math.Log(norm);
    }

    // p(a) = 0.3 N(−0.5, 0.15²) + 0.7 N(0.5, 0.15²); d/da log p
    private static double DLogP(double a)
    {
        const double s2 = 0.15 * 0.15;
        double left = 0.3 * Math.Exp(-(a + 0.5) * (a + 0.5) / (2 * s2));
        double right = 0.7 * Math.Exp(-(a - 0.5) * (a - 0.5) / (2 * s2));
        return (left * -(a + 0.5) / s2 + right * -(a - 0.5) / s2) / (left + right + 1e-300);
    }
}
