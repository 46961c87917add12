using System.ComponentModel.DataAnnotations;
using SoftQRobotics.Envs;
using SoftQRobotics.Learning.Agents;
using SoftQRobotics.Pipelines.Training;
using SoftQRobotics.Pipelines.Video;

namespace SoftQRobotics.Pipelines;

/// <summary>Which learner a run trains.</summary>
public enum AlgorithmName { Sql, Ddpg }

/// <summary>
/// One experiment, as written in configs/EXPERIMENT.ALGO.yaml: the run's own settings below, and one
/// typed section each for the learner, the trainer, fine-tuning and videos. Every setting is declared
/// once, in its section's record, with its documentation, default and range; the YAML file is flat,
/// a setting's key is its snake_case name (<c>epoch_length</c> ↔ <see cref="TrainerSettings.EpochLength"/>)
/// unless a <see cref="ConfigKeyAttribute"/> names it. Immutable: change a loaded config with
/// <c>with</c>. Reading, writing and validation: <see cref="ConfigFile"/>; the key list: docs/configs.md.
/// </summary>
public sealed record RunConfig
{
    /// <summary>Free text shown in listings.</summary>
    public string Description { get; init; } = "";

    /// <summary>Task name (see <c>softq tasks</c>).</summary>
    public string Task { get; init; } = "";

    /// <summary>Seed of envs, networks and sampling.</summary>
    public int Seed { get; init; }

    /// <summary>Epochs to train.</summary>
    [Range(1, int.MaxValue)]
    public int Epochs { get; init; } = 500;

    /// <summary>Checkpoint every this many epochs (and at the end and on Ctrl-C or a cluster's signal).</summary>
    [Range(1, int.MaxValue)]
    public int CheckpointEvery { get; init; } = 1;

    /// <summary>Store the replay pool in checkpoints (exact resume; large for big pools).</summary>
    public bool SaveReplayBuffer { get; init; }

    /// <summary>
    /// Threads of one run's learner: 2 runs the two halves of an SQL update's minibatch at once, each
    /// its critic and sampler share (same results as 1); 0: all cores the process may use (a local sweep gives each run 1).
    /// </summary>
    [Range(0, 256)]
    public int Threads { get; init; }

    /// <summary>The learner threads <see cref="Threads"/> resolves to on this machine.</summary>
    public int LearnerThreads => Threads > 0 ? Threads : Environment.ProcessorCount;

    /// <summary>The learner's hyperparameters; its type is the <c>algorithm</c> key (sql: <see cref="SqlSettings"/>, ddpg: <see cref="DdpgSettings"/>).</summary>
    [ConfigSection]
    public LearnerSettings Learner { get; init; } = new SqlSettings();

    /// <summary>The interaction loop's schedule.</summary>
    [ConfigSection]
    public TrainerSettings Trainer { get; init; } = new();

    /// <summary>What <c>softq train --finetune</c> changes.</summary>
    [ConfigSection]
    public FinetuneSettings Finetune { get; init; } = new();

    /// <summary>Training videos.</summary>
    [ConfigSection]
    public VideoSettings Video { get; init; } = new();

    /// <summary>The algorithm the <see cref="Learner"/> section is for (the <c>algorithm</c> key).</summary>
    public AlgorithmName Algorithm => Learner is DdpgSettings ? AlgorithmName.Ddpg : AlgorithmName.Sql;

    /// <summary>The SQL hyperparameters; null for DDPG.</summary>
    public SqlSettings? Sql => Learner as SqlSettings;

    /// <summary>Reads and validates a YAML config file.</summary>
    /// <exception cref="InvalidDataException">the file is missing, malformed or invalid; the message names the file and the key.</exception>
    public static RunConfig Load(string path) => ConfigFile.Load(path);

    /// <summary>Parses and validates YAML text; <paramref name="source"/> names it in errors.</summary>
    /// <param name="resolved">
    /// true for a run directory's config.yaml written by <see cref="ToYaml"/> in an earlier version,
    /// which listed the other algorithm's keys too: those are ignored instead of refused
    /// </param>
    /// <exception cref="InvalidDataException">malformed YAML, an unknown or misplaced key, a wrong type or range.</exception>
    public static RunConfig Parse(string yaml, string source, bool resolved = false) => ConfigFile.Parse(yaml, source, resolved);

    /// <summary>The resolved config as YAML: every key of this algorithm, run keys first, then the sections in order.</summary>
    public string ToYaml() => ConfigFile.ToYaml(this);

    /// <summary>Checks ranges, the task name and the rules that join keys.</summary>
    /// <exception cref="InvalidDataException">the first rule broken, naming its key.</exception>
    public void Validate(string source)
    {
        ConfigFile.ValidateRanges(this, source);
        void Require(bool ok, string key, string what)
        {
            if (!ok) throw new InvalidDataException($"{source}: key '{key}' {what}");
        }
        Require(Task.Length > 0, "task", "is required");
        Require(TaskRegistry.Names.Contains(Task), "task", $"names an unknown task '{Task}'; known tasks: {string.Join(", ", TaskRegistry.Names)}");
        Require(Trainer.MinPoolSize >= Learner.BatchSize, "min_pool_size", "must be at least batch_size");
        Require(Trainer.ReplayCapacity >= Trainer.MinPoolSize, "replay_capacity", "must be at least min_pool_size");
        Require(Finetune.MinPoolSize >= Learner.BatchSize, "finetune_min_pool_size", "must be at least batch_size");
        Require(Finetune.FinalFrozenNoise <= Finetune.FrozenNoiseStart, "final_frozen_noise", "must be in [1, frozen_noise_start]");
        Require(Video.Every == 0 || TaskRegistry.Get(Task).Model is not null, "video_every", $"needs a MuJoCo task ('{Task}' has nothing to render)");
    }

    /// <summary>Checks what only fine-tuning uses: the frozen ξ set doubles as the K particles, so it cannot exceed them.</summary>
    /// <exception cref="InvalidDataException">frozen_noise_start above particles.</exception>
    public void ValidateForFinetune(string source)
    {
        if (Sql is { } sql && Finetune.FrozenNoiseStart > sql.Particles)
        {
            throw new InvalidDataException($"{source}: key 'frozen_noise_start' ({Finetune.FrozenNoiseStart}) must not exceed 'particles' ({sql.Particles}) when fine-tuning");
        }
    }

    /// <summary>snake_case of a PascalCase name (keys, enum values, metric columns).</summary>
    internal static string SnakeCase(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));
}

/// <summary>Marks a property of <see cref="RunConfig"/> whose record's settings are keys of the same flat YAML file.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ConfigSectionAttribute : Attribute;

/// <summary>The YAML key of a setting whose snake_case name would not say what it belongs to (e.g. <c>video_every</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ConfigKeyAttribute(string key) : Attribute
{
    /// <summary>The key as written in config files.</summary>
    public string Key { get; } = key;
}
