using System.ComponentModel.DataAnnotations;
using SoftQRobotics.Learning.Agents;
using SoftQRobotics.Pipelines.Training;

namespace SoftQRobotics.Pipelines;

/// <summary>What fine-tuning a pretrained run changes (docs/implementation-details.md, "Fine-tuning"); each setting declared once, with its default and range.</summary>
public sealed record FinetuneSettings
{
    /// <summary>Transitions collected before learning starts (the pool starts empty).</summary>
    [ConfigKey("finetune_min_pool_size"), Range(1, int.MaxValue)]
    public int MinPoolSize { get; init; } = 20_000;

    /// <summary>Epochs over which α, the reward scale and K_ξ are annealed.</summary>
    [Range(1, int.MaxValue)]
    public int AnnealEpochs { get; init; } = 20;

    /// <summary>α reached after the annealing (log-linear from <c>alpha</c>).</summary>
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double FinalAlpha { get; init; } = 0.001;

    /// <summary>Reward scale reached after the annealing (log-linear from <c>reward_scale</c>); unset: kept constant.</summary>
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double? FinalRewardScale { get; init; }

    /// <summary>K_ξ: size of the frozen ξ set at the start (and K).</summary>
    [Range(1, int.MaxValue)]
    public int FrozenNoiseStart { get; init; } = 32;

    /// <summary>K_ξ after the annealing (linear).</summary>
    [Range(1, int.MaxValue)]
    public int FinalFrozenNoise { get; init; } = 1;

    /// <summary>The critic's target while fine-tuning: hard_max (the authors' switch) or soft.</summary>
    [ConfigKey("finetune_value_target")]
    public ValueTarget ValueTarget { get; init; } = ValueTarget.HardMax;
}

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
        trainer.MinPoolSize = config.Finetune.MinPoolSize;
        trainer.RewardScale = RewardScale(config, epoch);
        if (agent.Entropy is null) return;   // DDPG: only the pool and the reward scale change
        int k = FrozenNoise(config, epoch);
        agent.SetEntropy(new EntropySettings(Alpha(config, epoch), k, k, config.Finetune.ValueTarget));
    }

    /// <summary>α at epoch <paramref name="epoch"/>.</summary>
    public static double Alpha(RunConfig config, int epoch) => LogLinear(config.Sql?.Alpha ?? throw new InvalidOperationException("α is an SQL setting"), config.Finetune.FinalAlpha, config, epoch);

    /// <summary>The reward scale at epoch <paramref name="epoch"/> (constant without <c>final_reward_scale</c>).</summary>
    public static double RewardScale(RunConfig config, int epoch) =>
        LogLinear(config.Trainer.RewardScale, config.Finetune.FinalRewardScale ?? config.Trainer.RewardScale, config, epoch);

    private static double LogLinear(double start, double end, RunConfig config, int epoch)
    {
        double progress = Math.Min(epoch, config.Finetune.AnnealEpochs) / (double)config.Finetune.AnnealEpochs;
        return Math.Exp(Math.Log(start) + (Math.Log(end) - Math.Log(start)) * progress);
    }

    /// <summary>K_ξ (and K) at epoch <paramref name="epoch"/>.</summary>
    public static int FrozenNoise(RunConfig config, int epoch)
    {
        double value = config.Finetune.FrozenNoiseStart - (config.Finetune.FrozenNoiseStart - config.Finetune.FinalFrozenNoise) * (double)epoch / config.Finetune.AnnealEpochs;
        return Math.Max(config.Finetune.FinalFrozenNoise, (int)Math.Ceiling(value - 1e-9));
    }
}
