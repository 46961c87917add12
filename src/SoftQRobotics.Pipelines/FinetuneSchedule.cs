using SoftQRobotics.Learning.Agents;
using SoftQRobotics.Pipelines.Training;

namespace SoftQRobotics.Pipelines;

/// <summary>
/// Fine-tuning (docs/implementation-details.md, "Fine-tuning"), applied by the trainer at the start
/// of epoch e (0-based), with A anneal epochs: α_e = exp(ln α₀ + (ln α_final − ln α₀)·min(e, A)/A)
/// (log-linear; the reward scale likewise), K_ξ,e = max(K_final, ⌈K₀ − (K₀ − K_final)·e/A⌉)
/// (linear), used as both the frozen ξ set size and K; the configured value target (hard max); and
/// learning from <c>finetune_min_pool_size</c> transitions.
/// </summary>
public sealed class FinetuneSchedule(RunConfig config) : IEpochSchedule
{
    /// <inheritdoc/>
    public void Apply(int epoch, IAgent agent, OffPolicyTrainer trainer)
    {
        trainer.MinPoolSize = config.FinetuneMinPoolSize;
        trainer.RewardScale = RewardScale(config, epoch);
        if (agent.Entropy is null) return;   // DDPG: only the pool and the reward scale change
        int k = FrozenNoise(config, epoch);
        agent.SetEntropy(new EntropySettings(Alpha(config, epoch), k, k, config.FinetuneValueTarget));
    }

    /// <summary>α at epoch <paramref name="epoch"/>.</summary>
    public static double Alpha(RunConfig config, int epoch) => LogLinear(config.Alpha, config.FinalAlpha, config, epoch);

    /// <summary>The reward scale at epoch <paramref name="epoch"/> (constant without <c>final_reward_scale</c>).</summary>
    public static double RewardScale(RunConfig config, int epoch) =>
        LogLinear(config.RewardScale, config.FinalRewardScale ?? config.RewardScale, config, epoch);

    private static double LogLinear(double start, double end, RunConfig config, int epoch)
    {
        double progress = Math.Min(epoch, config.AnnealEpochs) / (double)config.AnnealEpochs;
        return Math.Exp(Math.Log(start) + (Math.Log(end) - Math.Log(start)) * progress);
    }

    /// <summary>K_ξ (and K) at epoch <paramref name="epoch"/>.</summary>
    public static int FrozenNoise(RunConfig config, int epoch)
    {
        double value = config.FrozenNoiseStart - (config.FrozenNoiseStart - config.FinalFrozenNoise) * (double)epoch / config.AnnealEpochs;
        return Math.Max(config.FinalFrozenNoise, (int)Math.Ceiling(value - 1e-9));
    }
}
