using System.Globalization;
using System.Reflection;
using System.Text;
using SoftQRobotics.Envs;
using SoftQRobotics.Envs.Rendering;
using SoftQRobotics.Learning.Agents;
using YamlDotNet.RepresentationModel;

namespace SoftQRobotics.Pipelines;

/// <summary>Which learner a run trains.</summary>
public enum AlgorithmName { Sql, Ddpg }

/// <summary>
/// One experiment's settings, as written in configs/EXPERIMENT.ALGO.yaml with snake_case keys
/// (e.g. <c>epoch_length</c> ↔ <see cref="EpochLength"/>). Defaults are the spec's shared values.
/// Unknown keys, wrong types, out-of-range values and unknown tasks are errors naming the key.
/// </summary>
public sealed class RunConfig
{
    /// <summary>Free text shown in listings.</summary>
    public string Description { get; set; } = "";
    /// <summary>Task name (see <c>softq tasks</c>).</summary>
    public string Task { get; set; } = "";
    /// <summary>sql or ddpg.</summary>
    public AlgorithmName Algorithm { get; set; } = AlgorithmName.Sql;
    /// <summary>Seed of envs, networks and sampling.</summary>
    public int Seed { get; set; }
    /// <summary>Epochs to train.</summary>
    public int Epochs { get; set; } = 500;
    /// <summary>Env steps (and gradient steps) per epoch.</summary>
    public int EpochLength { get; set; } = 10_000;
    /// <summary>Transitions collected before learning starts.</summary>
    public int MinPoolSize { get; set; } = 10_000;
    /// <summary>Replay capacity.</summary>
    public int ReplayCapacity { get; set; } = 1_000_000;
    /// <summary>Minibatch size N.</summary>
    public int BatchSize { get; set; } = 64;
    /// <summary>γ.</summary>
    public double Discount { get; set; } = 0.99;
    /// <summary>Evaluation episodes per epoch.</summary>
    public int EvaluationEpisodes { get; set; } = 10;
    /// <summary>Hidden widths of both networks.</summary>
    public int[] HiddenSizes { get; set; } = [100, 100];
    /// <summary>Adam learning rate of Q.</summary>
    public double QLearningRate { get; set; } = 1e-3;
    /// <summary>Adam learning rate of the sampler (SQL) or actor (DDPG).</summary>
    public double PolicyLearningRate { get; set; } = 1e-4;
    /// <summary>Hard target copy every this many gradient steps.</summary>
    public int TargetUpdateInterval { get; set; } = 1000;
    /// <summary>OU θ.</summary>
    public double OuTheta { get; set; } = 0.15;
    /// <summary>OU σ (0 disables exploration noise).</summary>
    public double OuSigma { get; set; } = 0.3;
    /// <summary>SQL temperature α (used by the soft value and the SVGD score).</summary>
    public double Alpha { get; set; } = 0.1;
    /// <summary>
    /// Rewards are multiplied by this before they enter the replay pool. The authors trained with
    /// <c>reward_scale: 1/α, alpha: 1</c> (same fixed point as <c>alpha: α</c>, another path under
    /// Adam; docs/implementation-details.md, "Temperature"). Evaluation returns and metrics stay in
    /// the task's unscaled reward.
    /// </summary>
    public double RewardScale { get; set; } = 1;
    /// <summary>SQL: SVGD particles K.</summary>
    public int Particles { get; set; } = 32;
    /// <summary>SQL: uniform samples K_V of the soft value.</summary>
    public int ValueParticles { get; set; } = 50;
    /// <summary>SQL: kernel bandwidth rule, authors_code or paper.</summary>
    public KernelBandwidth KernelBandwidth { get; set; } = KernelBandwidth.AuthorsCode;
    /// <summary>Checkpoint every this many epochs (and at the end and on Ctrl-C).</summary>
    public int CheckpointEvery { get; set; } = 1;
    /// <summary>Every this many epochs, render one evaluation episode to videos/epoch_NNNN.mp4 (.gif without ffmpeg); 0: never.</summary>
    public int VideoEvery { get; set; }
    /// <summary>Camera of the training videos: track (follows the torso) or top (the whole arena).</summary>
    public CameraView VideoCamera { get; set; } = CameraView.Track;
    /// <summary>Width of the training videos in pixels.</summary>
    public int VideoWidth { get; set; } = 480;
    /// <summary>Height of the training videos in pixels.</summary>
    public int VideoHeight { get; set; } = 360;
    /// <summary>Store the replay pool in checkpoints (exact resume; large for big pools).</summary>
    public bool SaveReplayBuffer { get; set; }
    /// <summary>Fine-tuning: transitions collected before learning starts.</summary>
    public int FinetuneMinPoolSize { get; set; } = 20_000;
    /// <summary>Fine-tuning: epochs over which α and K_ξ are annealed.</summary>
    public int AnnealEpochs { get; set; } = 20;
    /// <summary>Fine-tuning: α reached after the annealing (log-linear from <see cref="Alpha"/>).</summary>
    public double FinalAlpha { get; set; } = 0.001;
    /// <summary>Fine-tuning: reward scale reached after the annealing (log-linear from <see cref="RewardScale"/>); unset: kept constant.</summary>
    public double? FinalRewardScale { get; set; }
    /// <summary>Fine-tuning: size of the frozen ξ set at the start (and K).</summary>
    public int FrozenNoiseStart { get; set; } = 32;
    /// <summary>Fine-tuning: size of the frozen ξ set after the annealing (linear).</summary>
    public int FinalFrozenNoise { get; set; } = 1;
    /// <summary>Fine-tuning: the critic's target, hard_max (the authors' switch) or soft.</summary>
    public ValueTarget FinetuneValueTarget { get; set; } = ValueTarget.HardMax;

    private static readonly Dictionary<string, PropertyInfo> Keys =
        typeof(RunConfig).GetProperties().ToDictionary(p => SnakeCase(p.Name));

    /// <summary>Reads and validates a YAML config file.</summary>
    /// <exception cref="InvalidDataException">the file is missing, malformed or invalid; the message names the file and the key.</exception>
    public static RunConfig Load(string path)
    {
        if (!File.Exists(path)) throw new InvalidDataException($"config file not found: {path}");
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses and validates YAML text; <paramref name="source"/> names it in errors.</summary>
    public static RunConfig Parse(string yaml, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new InvalidDataException($"{source}: malformed YAML at line {e.Start.Line}: {e.Message}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new InvalidDataException($"{source}: expected a mapping of keys to values");
        }
        var config = new RunConfig();
        foreach (var (keyNode, valueNode) in root.Children)
        {
            string key = ((YamlScalarNode)keyNode).Value ?? "";
            if (!Keys.TryGetValue(key, out var property))
            {
                string hint = Keys.Keys.MinBy(k => Distance(k, key)) is { } near && Distance(near, key) <= 3 ? $" (did you mean '{near}'?)" : "";
                throw new InvalidDataException($"{source}: unknown key '{key}'{hint}");
            }
            property.SetValue(config, Convert(valueNode, property.PropertyType, key, source));
        }
        config.Validate(source);
        return config;
    }

    /// <summary>Checks ranges and the task name.</summary>
    public void Validate(string source)
    {
        void Require(bool ok, string key, string what)
        {
            if (!ok) throw new InvalidDataException($"{source}: key '{key}' {what}");
        }
        Require(Task.Length > 0, "task", "is required");
        Require(TaskRegistry.Names.Contains(Task), "task", $"names an unknown task '{Task}'; known tasks: {string.Join(", ", TaskRegistry.Names)}");
        Require(Epochs >= 1, "epochs", "must be at least 1");
        Require(EpochLength >= 1, "epoch_length", "must be at least 1");
        Require(MinPoolSize >= BatchSize, "min_pool_size", "must be at least batch_size");
        Require(ReplayCapacity >= MinPoolSize, "replay_capacity", "must be at least min_pool_size");
        Require(BatchSize >= 1, "batch_size", "must be at least 1");
        Require(Discount is >= 0 and <= 1, "discount", "must be in [0, 1]");
        Require(EvaluationEpisodes >= 1, "evaluation_episodes", "must be at least 1");
        Require(HiddenSizes.Length >= 1 && HiddenSizes.All(h => h >= 1), "hidden_sizes", "must list at least one positive width");
        Require(QLearningRate > 0, "q_learning_rate", "must be positive");
        Require(PolicyLearningRate > 0, "policy_learning_rate", "must be positive");
        Require(TargetUpdateInterval >= 1, "target_update_interval", "must be at least 1");
        Require(OuSigma >= 0 && OuTheta >= 0, "ou_sigma", "and ou_theta must be non-negative");
        Require(Alpha > 0, "alpha", "must be positive");
        Require(RewardScale > 0, "reward_scale", "must be positive");
        Require(FinalRewardScale is null or > 0, "final_reward_scale", "must be positive");
        Require(Particles >= 1, "particles", "must be at least 1");
        Require(ValueParticles >= 1, "value_particles", "must be at least 1");
        Require(CheckpointEvery >= 1, "checkpoint_every", "must be at least 1");
        Require(VideoEvery >= 0, "video_every", "must be 0 (off) or a positive number of epochs");
        Require(VideoWidth is >= 1 and <= 8192 && VideoHeight is >= 1 and <= 8192, "video_width", "and video_height must be between 1 and 8192");
        Require(VideoEvery == 0 || TaskRegistry.Get(Task).Model is not null, "video_every", $"needs a MuJoCo task ('{Task}' has nothing to render)");
        Require(FinetuneMinPoolSize >= BatchSize, "finetune_min_pool_size", "must be at least batch_size");
        Require(AnnealEpochs >= 1, "anneal_epochs", "must be at least 1");
        Require(FinalAlpha > 0, "final_alpha", "must be positive");
        Require(FrozenNoiseStart >= 1, "frozen_noise_start", "must be at least 1");
        Require(FinalFrozenNoise >= 1 && FinalFrozenNoise <= FrozenNoiseStart, "final_frozen_noise", "must be in [1, frozen_noise_start]");
    }

    /// <summary>Checks what only fine-tuning uses: the frozen ξ set doubles as the K particles, so it cannot exceed them.</summary>
    public void ValidateForFinetune(string source)
    {
        if (Algorithm == AlgorithmName.Sql && FrozenNoiseStart > Particles)
        {
            throw new InvalidDataException($"{source}: key 'frozen_noise_start' ({FrozenNoiseStart}) must not exceed 'particles' ({Particles}) when fine-tuning");
        }
    }

    /// <summary>The resolved config as YAML (every key, in declaration order).</summary>
    public string ToYaml()
    {
        var text = new StringBuilder();
        foreach (var (key, property) in Keys)
        {
            object? value = property.GetValue(this);
            string rendered = value switch
            {
                null => "null",
                int[] list => $"[{string.Join(", ", list)}]",
                string s => $"\"{s.Replace("\"", "\\\"")}\"",
                bool b => b ? "true" : "false",
                double d => d.ToString("R", CultureInfo.InvariantCulture),
                Enum e => SnakeCase(e.ToString()),
                _ => System.Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
            };
            text.Append(key).Append(": ").AppendLine(rendered);
        }
        return text.ToString();
    }

    private static object Convert(YamlNode node, Type type, string key, string source)
    {
        InvalidDataException Wrong(string what) => new($"{source}: key '{key}' must be {what} (got {Describe(node)})");
        if (type == typeof(int[]))
        {
            if (node is not YamlSequenceNode list) throw Wrong("a list of integers");
            return list.Children.Select(child => (int)Convert(child, typeof(int), key, source)).ToArray();
        }
        if (node is not YamlScalarNode scalar) throw Wrong(type == typeof(string) ? "text" : "a single value");
        string text = scalar.Value ?? "";
        if (Nullable.GetUnderlyingType(type) is { } inner)
        {
            return text is "null" or "~" or "" ? null! : Convert(node, inner, key, source);
        }
        if (type == typeof(string)) return text;
        if (type == typeof(int))
        {
            return int.TryParse(text.Replace("_", ""), NumberStyles.Integer, CultureInfo.InvariantCulture, out int i) ? i : throw Wrong("an integer");
        }
        if (type == typeof(double))
        {
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d) ? d : throw Wrong("a number");
        }
        if (type == typeof(bool)) return bool.TryParse(text, out bool b) ? b : throw Wrong("true or false");
        if (type.IsEnum)
        {
            var names = Enum.GetNames(type).Select(SnakeCase).ToArray();
            int index = Array.IndexOf(names, text);
            return index >= 0 ? Enum.GetValues(type).GetValue(index)! : throw Wrong($"one of {string.Join(", ", names)}");
        }
        throw new InvalidOperationException($"no conversion for {type}");
    }

    private static string Describe(YamlNode node) => node switch
    {
        YamlScalarNode s => $"'{s.Value}'",
        YamlSequenceNode => "a list",
        _ => "a mapping",
    };

    internal static string SnakeCase(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
        }
        return d[a.Length, b.Length];
    }
}
