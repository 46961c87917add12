using SoftQRobotics.Core;
namespace SoftQRobotics.Envs.Vector;

/// <summary>Statistics of one evaluation episode.</summary>
/// <param name="Return">undiscounted return</param>
/// <param name="DiscountedReturn">Σ γ^t r_t</param>
/// <param name="Length">steps</param>
/// <param name="Final">info at the last step</param>
/// <param name="MinDistanceToGoal">smallest distance to the goal over the episode (NaN without a goal)</param>
/// <param name="MinComX">smallest centre-of-mass x over the episode</param>
/// <param name="MaxComX">largest centre-of-mass x over the episode</param>
/// <param name="ComTrace">centre-of-mass (x, y) per state, initial state first, (Length + 1) × 2</param>
public sealed record EpisodeStats(
    double Return, double DiscountedReturn, int Length, EnvInfo Final,
    double MinDistanceToGoal, double MinComX, double MaxComX, float[] ComTrace);

/// <summary>Batched evaluation: M episodes in parallel, one batched policy call per step.</summary>
public static class Evaluator
{
    /// <summary>
    /// Runs one episode in every sub-env of <paramref name="envs"/> (which must be created with
    /// <c>autoReset: false</c>) and returns their statistics in sub-env order.
    /// </summary>
    /// <param name="seed">sub-env i starts with seed + i</param>
    /// <param name="discount">γ for <see cref="EpisodeStats.DiscountedReturn"/></param>
    public static EpisodeStats[] Run(VectorEnv envs, IBatchPolicy policy, int seed, double discount = 0.99)
    {
        int n = envs.NumEnvs;
        envs.Reset(seed);
        var returns = new double[n];
        var discounted = new double[n];
        var weights = Enumerable.Repeat(1.0, n).ToArray();
        var minDistance = new double[n];
        var minX = new double[n];
        var maxX = new double[n];
        var traces = new List<float>[n];
        var results = new EpisodeStats[n];
        for (int i = 0; i < n; i++)
        {
            var info = envs.Infos[i];
            (minDistance[i], minX[i], maxX[i]) = (info.DistanceToGoal, info.ComX, info.ComX);
            traces[i] = [(float)info.ComX, (float)info.ComY];
        }

        int running = n;
        while (running > 0)
        {
            policy.Act(envs.Observations, envs.Actions, n);
            envs.Step();
            for (int i = 0; i < n; i++)
            {
                if (results[i] is not null) continue;
                bool done = envs.Terminated[i] || envs.Truncated[i];
                var info = done ? envs.FinalInfos[i] : envs.Infos[i];
                double r = envs.Rewards[i];
                returns[i] += r;
                discounted[i] += weights[i] * r;
                weights[i] *= discount;
                minDistance[i] = Math.Min(minDistance[i], info.DistanceToGoal);
                (minX[i], maxX[i]) = (Math.Min(minX[i], info.ComX), Math.Max(maxX[i], info.ComX));
                traces[i].Add((float)info.ComX);
                traces[i].Add((float)info.ComY);
                if (!done) continue;
                results[i] = new EpisodeStats(returns[i], discounted[i], info.Step, info, minDistance[i], minX[i], maxX[i], traces[i].ToArray());
                running--;
            }
        }
        return results;
    }
}
