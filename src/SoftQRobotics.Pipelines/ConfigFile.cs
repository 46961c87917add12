using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Text;
using SoftQRobotics.Learning.Agents;
using YamlDotNet.RepresentationModel;

namespace SoftQRobotics.Pipelines;

/// <summary>One YAML key: the section it lives in (null: the run's own settings) and the property it sets.</summary>
/// <param name="Key">snake_case name in config files</param>
/// <param name="Section">the <see cref="RunConfig"/> property holding the section record; null for the run's own settings</param>
/// <param name="Setting">the init-only property of the section record (or of <see cref="RunConfig"/>)</param>
public sealed record ConfigKey(string Key, PropertyInfo? Section, PropertyInfo Setting);

/// <summary>
/// Reads, writes and range-checks <see cref="RunConfig"/> files. The key set is derived from the
/// records (their init-only properties; <see cref="ConfigKeyAttribute"/> and snake_case names; ranges
/// from <see cref="RangeAttribute"/>), so a setting is declared in exactly one place.
/// </summary>
public static class ConfigFile
{
    private static readonly PropertyInfo LearnerSection = typeof(RunConfig).GetProperty(nameof(RunConfig.Learner))!;

    /// <summary>Every key a config of <paramref name="algorithm"/> may hold, in file order (run keys, then each section); <c>algorithm</c> itself is not listed.</summary>
    public static IReadOnlyList<ConfigKey> Keys(AlgorithmName algorithm) => algorithm == AlgorithmName.Ddpg ? DdpgKeys : SqlKeys;

    private static readonly ConfigKey[] SqlKeys = BuildKeys(typeof(SqlSettings)), DdpgKeys = BuildKeys(typeof(DdpgSettings));

    private static ConfigKey[] BuildKeys(Type learnerType)
    {
        var keys = new List<ConfigKey>();
        foreach (var property in Settable(typeof(RunConfig)))
        {
            if (property.GetCustomAttribute<ConfigSectionAttribute>() is null)
            {
                keys.Add(new ConfigKey(KeyOf(property), null, property));
                continue;
            }
            var recordType = property == LearnerSection ? learnerType : property.PropertyType;
            keys.AddRange(Settable(recordType).Select(setting => new ConfigKey(KeyOf(setting), property, setting)));
        }
        var repeated = keys.GroupBy(k => k.Key).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null) throw new InvalidOperationException($"config key '{repeated.Key}' is declared twice");
        return [.. keys];
    }

    /// <summary>Public init-only properties, base record's first (declaration order).</summary>
    private static IEnumerable<PropertyInfo> Settable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true })
            .OrderBy(p => Depth(p.DeclaringType!))
            .ThenBy(p => p.MetadataToken);

    private static int Depth(Type type) => type.BaseType is { } b && b != typeof(object) ? 1 + Depth(b) : 0;

    private static string KeyOf(PropertyInfo property) => property.GetCustomAttribute<ConfigKeyAttribute>()?.Key ?? RunConfig.SnakeCase(property.Name);

    /// <inheritdoc cref="RunConfig.Load"/>
    public static RunConfig Load(string path)
    {
        if (!File.Exists(path)) throw new InvalidDataException($"config file not found: {path}");
        return Parse(File.ReadAllText(path), path, resolved: false);
    }

    /// <inheritdoc cref="RunConfig.Parse"/>
    public static RunConfig Parse(string yaml, string source, bool resolved)
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
        var entries = root.Children.Select(pair => (Key: ((YamlScalarNode)pair.Key).Value ?? "", Value: pair.Value)).ToList();

        // the algorithm decides the learner section's type, hence which keys exist
        var algorithm = AlgorithmName.Sql;
        foreach (var (key, value) in entries.Where(e => e.Key == "algorithm"))
        {
            algorithm = (AlgorithmName)Convert(value, typeof(AlgorithmName), key, source);
        }
        var keys = Keys(algorithm).ToDictionary(k => k.Key);
        var otherKeys = Keys(algorithm == AlgorithmName.Sql ? AlgorithmName.Ddpg : AlgorithmName.Sql).Select(k => k.Key).ToHashSet();

        var config = new RunConfig();
        var sections = Settable(typeof(RunConfig)).Where(p => p.GetCustomAttribute<ConfigSectionAttribute>() is not null)
            .ToDictionary(p => p, p => p == LearnerSection
                ? (algorithm == AlgorithmName.Ddpg ? new DdpgSettings() : (object)new SqlSettings())
                : Activator.CreateInstance(p.PropertyType)!);
        foreach (var (key, value) in entries)
        {
            if (key == "algorithm") continue;
            if (!keys.TryGetValue(key, out var entry))
            {
                if (otherKeys.Contains(key))
                {
                    if (resolved) continue;
                    throw new InvalidDataException($"{source}: key '{key}' is not a setting of {RunConfig.SnakeCase(algorithm.ToString())} (it belongs to the other algorithm)");
                }
                var all = keys.Keys.Append("algorithm");
                string hint = all.MinBy(k => Distance(k, key)) is { } near && Distance(near, key) <= 3 ? $" (did you mean '{near}'?)" : "";
                throw new InvalidDataException($"{source}: unknown key '{key}'{hint}");
            }
            object target = entry.Section is null ? config : sections[entry.Section];
            entry.Setting.SetValue(target, Convert(value, entry.Setting.PropertyType, key, source));
        }
        foreach (var (section, record) in sections) section.SetValue(config, record);
        config.Validate(source);
        return config;
    }

    /// <inheritdoc cref="RunConfig.ToYaml"/>
    public static string ToYaml(RunConfig config)
    {
        var text = new StringBuilder();
        var rows = Keys(config.Algorithm).Select(k => (k.Key, Value: ValueOf(config, k))).ToList();
        rows.Insert(Math.Min(2, rows.Count), ("algorithm", config.Algorithm));
        foreach (var (key, value) in rows)
        {
            string rendered = value switch
            {
                null => "null",
                int[] list => $"[{string.Join(", ", list)}]",
                string s => $"\"{s.Replace("\"", "\\\"")}\"",
                bool b => b ? "true" : "false",
                double d => d.ToString("R", CultureInfo.InvariantCulture),
                float f => f.ToString("R", CultureInfo.InvariantCulture),
                Enum e => RunConfig.SnakeCase(e.ToString()),
                _ => System.Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
            };
            text.Append(key).Append(": ").AppendLine(rendered);
        }
        return text.ToString();
    }

    private static object? ValueOf(RunConfig config, ConfigKey key) =>
        key.Setting.GetValue(key.Section is null ? config : key.Section.GetValue(config));

    /// <summary>Checks every setting against its <see cref="RangeAttribute"/> (lists: each element, and at least one).</summary>
    /// <exception cref="InvalidDataException">the first value out of range, naming its key.</exception>
    public static void ValidateRanges(RunConfig config, string source)
    {
        foreach (var key in Keys(config.Algorithm))
        {
            if (key.Setting.GetCustomAttribute<RangeAttribute>() is not { } range) continue;
            object? value = ValueOf(config, key);
            double min = System.Convert.ToDouble(range.Minimum, CultureInfo.InvariantCulture);
            double max = System.Convert.ToDouble(range.Maximum, CultureInfo.InvariantCulture);
            bool InRange(double v) => (range.MinimumIsExclusive ? v > min : v >= min) && v <= max;
            string bound = max is int.MaxValue or double.MaxValue
                ? (range.MinimumIsExclusive ? (min == 0 ? "positive" : $"greater than {min}") : (min == 0 ? "non-negative" : $"at least {min}"))
                : $"in [{min}, {max}]";
            bool ok = value switch
            {
                null => true,
                int[] list => list.Length > 0 && list.All(v => InRange(v)),
                _ => InRange(System.Convert.ToDouble(value, CultureInfo.InvariantCulture)),
            };
            if (!ok)
            {
                string what = value is int[] ? $"list at least one value, each {bound}" : $"be {bound}";
                throw new InvalidDataException($"{source}: key '{key.Key}' must {what}");
            }
        }
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
        if (type == typeof(double) || type == typeof(float))
        {
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) || !double.IsFinite(d)) throw Wrong("a number");
            return type == typeof(float) ? (object)(float)d : d;
        }
        if (type == typeof(bool)) return bool.TryParse(text, out bool b) ? b : throw Wrong("true or false");
        if (type.IsEnum)
        {
            var names = Enum.GetNames(type).Select(RunConfig.SnakeCase).ToArray();
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
