using SoftQRobotics.Core;
namespace SoftQRobotics.Learning.Agents;

/// <summary>
/// Ornstein–Uhlenbeck exploration noise, one process per env: x ← x + θ(μ − x) + σ·N(0, I), added to
/// the policy's action and the sum clipped to [−1, 1]. Reset to μ at every episode start.
/// </summary>
public sealed class OuNoise(int envs, int actionSize, double theta = 0.15, double sigma = 0.3, double mu = 0)
{
    /// <summary>Process states, (envs × actDim).</summary>
    public float[] State { get; } = Enumerable.Repeat((float)mu, envs * actionSize).ToArray();

    /// <summary>Restarts env <paramref name="env"/>'s process at μ.</summary>
    public void Reset(int env) => State.AsSpan(env * actionSize, actionSize).Fill((float)mu);

    /// <summary>Advances every process one step and adds it to <paramref name="actions"/> (envs × actDim), clipping to [−1, 1].</summary>
    public void Perturb(Span<float> actions, Rng rng)
    {
        for (int i = 0; i < State.Length; i++)
        {
            State[i] += (float)(theta * (mu - State[i]) + sigma * rng.NextGaussian());
            actions[i] = Math.Clamp(actions[i] + State[i], -1f, 1f);
        }
    }
}
