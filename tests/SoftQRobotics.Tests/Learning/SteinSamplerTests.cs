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
        // the mode-keeping diagnostic: the last step's particles split ~30/70 over the two sides of 0
        Assert.InRange(sampler.LastParticleMinorityFraction, 0.2, 0.4);
    }

    /// <summary>
    /// The particle diagnostics of one step against a computation of their own: the particles re-made from the same
    /// ξ (the same generator's draws) through f^φ before the step, their minority side and spread in double.
    /// A sampler trained towards one mode only reads near 0.
    /// </summary>
    [Fact]
    public void ParticleDiagnostics_MatchTheParticles_AndReadZeroForOneMode()
    {
        const int states = 6, particles = 9, d = 2, obs = 3;
        var sampler = new SteinSampler(obs, d, [16, 16], states, particles, maxActBatch: 8, learningRate: 1e-3f, KernelBandwidth.AuthorsCode, Initializer.Xavier, new Rng(3));
        var observations = new float[states * obs];
        new Rng(4).FillGaussian(observations);
        var noise = new float[states * particles * d];
        new Rng(11).FillGaussian(noise);
        var actions = sampler.Network.ForwardGrouped(observations, noise, states, particles)[..noise.Length].ToArray().Select(u => (double)MathF.Tanh(u)).ToArray();

        var energy = new OneSidedEnergy();
        IActionGradient[] critics = [energy, energy];
        sampler.DrawNoise(observations, states, particles, new Rng(11));
        sampler.SteinStep(states, particles, critics, 1f, new TwoLanes(threads: 1));   // both halves of the states, one after the other

        double minority = 0, std = 0;
        for (int i = 0; i < states; i++)
        {
            for (int c = 0; c < d; c++)
            {
                var column = Enumerable.Range(0, particles).Select(j => actions[(i * particles + j) * d + c]).ToArray();
                int negative = column.Count(a => a < 0);
                minority += Math.Min(negative, particles - negative) / (double)particles;
                std += Math.Sqrt(column.Select(a => (a - column.Average()) * (a - column.Average())).Average());
            }
        }
        Assert.True(minority > 0, "the Xavier sampler's particles fall on both sides");
        Assert.Equal(minority / (states * d), sampler.LastParticleMinorityFraction, 1e-12);
        Assert.Equal(std / (states * d), sampler.LastParticleActionStd, 1e-6);

        // an energy with one mode at +0.6 in every dimension: the particles leave the negative side
        var rng = new Rng(12);
        for (int step = 0; step < 600; step++)
        {
            sampler.DrawNoise(observations, states, particles, rng);
            sampler.SteinStep(states, particles, critics, 1f, new TwoLanes(threads: 1));
        }
        Assert.InRange(sampler.LastParticleMinorityFraction, 0, 0.05);
    }

    /// <summary>Q(a) = −20 Σ_c (a_c − 0.6)², whatever the state.</summary>
    private sealed class OneSidedEnergy : IActionGradient
    {
        public void ActionGradient(ReadOnlySpan<float> states, ReadOnlySpan<float> actions, int stateCount, int perState, Span<float> dQda, Span<float> q)
        {
            int d = actions.Length / (stateCount * perState);
            for (int r = 0; r < stateCount * perState; r++)
            {
                q[r] = 0;
                for (int c = 0; c < d; c++)
                {
                    float a = actions[r * d + c];
                    q[r] -= 20 * (a - 0.6f) * (a - 0.6f);
                    dQda[r * d + c] = -40 * (a - 0.6f);
                }
            }
        }
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
