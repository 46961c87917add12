using System.Diagnostics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SoftQRobotics.Learning.Agents;
using SoftQRobotics.Learning.Replay;

namespace SoftQRobotics.Learning.Blas;

/// <summary>How a run's GEMM backend was chosen (run.json's <c>gemm_choice</c>).</summary>
/// <param name="Backend">the backend the run computes with</param>
/// <param name="Reason"><c>forced</c> (SOFTQ_GEMM), <c>measured</c> (now) or <c>cached</c> (an earlier measurement on this machine)</param>
/// <param name="MicrosecondsPerUpdate">per installed backend: one update's products, replayed alone (empty when forced)</param>
/// <param name="Key">what the measurement depends on: CPU, vector width, OPENBLAS_CORETYPE, libraries, algorithm, products (null when forced)</param>
/// <param name="CacheFile">where the measurement is kept (null when forced)</param>
public sealed record GemmChoice(GemmBackend Backend, string Reason, IReadOnlyDictionary<string, double> MicrosecondsPerUpdate, GemmMachineKey? Key, string? CacheFile)
{
    /// <summary>One line for the user, e.g. "onednn (measured: openblas 812 µs, onednn 640 µs, blis 1 903 µs per update)".</summary>
    public string Summary => Reason == "forced"
        ? $"{Gemm.NameOf(Backend)} (forced by SOFTQ_GEMM)"
        : $"{Gemm.NameOf(Backend)} ({Reason}: {string.Join(", ", MicrosecondsPerUpdate.Select(f => $"{f.Key} {f.Value:F0} µs"))} per update's products)";

    /// <summary>The record run.json keeps.</summary>
    public JsonObject ToJson()
    {
        var figures = new JsonObject();
        foreach (var (name, us) in MicrosecondsPerUpdate) figures[name] = Math.Round(us, 1);
        return new JsonObject
        {
            ["backend"] = Gemm.NameOf(Backend),
            ["reason"] = Reason,
            ["microseconds_per_update"] = figures,
            ["key"] = Key?.ToJson(),
            ["cache"] = CacheFile,
        };
    }
}

/// <summary>What a backend measurement depends on; a cached one is used only when every field matches.</summary>
/// <param name="Cpu">the CPU's model name, family, model and stepping (/proc/cpuinfo)</param>
/// <param name="VectorBits">the widest FP32 vectors: 512 (AVX-512F), 256 (AVX2 + FMA) or 128</param>
/// <param name="OpenBlasCoreType">OPENBLAS_CORETYPE in force (the user's or our loader's), "auto" when OpenBLAS detects</param>
/// <param name="Libraries">each installed backend's library, version and kernels</param>
/// <param name="Algorithm">sql or ddpg</param>
/// <param name="Products">the update's products: their count and a digest of their shapes</param>
public sealed record GemmMachineKey(string Cpu, int VectorBits, string OpenBlasCoreType, string Libraries, string Algorithm, string Products)
{
    /// <summary>As JSON.</summary>
    public JsonObject ToJson() => new()
    {
        ["cpu"] = Cpu,
        ["vector_bits"] = VectorBits,
        ["openblas_coretype"] = OpenBlasCoreType,
        ["libraries"] = Libraries,
        ["algorithm"] = Algorithm,
        ["products"] = Products,
    };
}

/// <summary>
/// <c>SOFTQ_GEMM=auto</c> (the default): the fastest backend for a run's own products on this machine. On first use it
/// replays one update's products (recorded, <see cref="Gemm.Recorder"/>) on every installed backend, interleaved in
/// rounds, a second or so in all, and keeps the figures in a cache file under the user's cache directory keyed by
/// <see cref="GemmMachineKey"/>; a corrupt file or an entry that does not hold together is measured again, never
/// trusted. See docs/performance.md, "Choosing the backend".
/// </summary>
public static class GemmSelection
{
    /// <summary>A backend this much faster than an earlier one in <see cref="GemmBackend"/> order displaces it; within it the earlier stays (measurement noise).</summary>
    public const double Margin = 0.02;

    private const int Rounds = 5;
    private const double SecondsPerRound = 0.04;

    /// <summary>$XDG_CACHE_HOME/softq/gemm-choice.json, else ~/.cache/softq/gemm-choice.json.</summary>
    public static string DefaultCacheFile =>
        Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } cache ? cache
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "softq", "gemm-choice.json");

    /// <summary>The products of one update of <paramref name="agent"/> on <paramref name="batch"/> (the agent takes the step: pass a throwaway one).</summary>
    public static GemmShape[] RecordUpdate(IAgent agent, TransitionBatch batch)
    {
        var previous = Gemm.Recorder;
        Gemm.Recorder = [];
        try
        {
            agent.Update(batch);
            return Gemm.Recorder.ToArray();
        }
        finally
        {
            Gemm.Recorder = previous;
        }
    }

    /// <summary>
    /// The backend for an <paramref name="algorithm"/> run: SOFTQ_GEMM's when it forces one, else the cached measurement of
    /// the update's products (<paramref name="recordProducts"/>, called unless forced) for this key, else a new measurement
    /// (then cached). Does not switch backends.
    /// </summary>
    /// <param name="report">told one line when the cache file could not be used or written (corrupt, unreadable)</param>
    /// <exception cref="ArgumentException">SOFTQ_GEMM names no backend, or no products.</exception>
    public static GemmChoice Choose(string algorithm, Func<IReadOnlyList<GemmShape>> recordProducts, string? cacheFile = null, Action<string>? report = null) =>
        Gemm.Forced is { } forced
            ? new GemmChoice(forced, "forced", new Dictionary<string, double>(), null, null)
            : ChooseByMeasurement(algorithm, recordProducts(), cacheFile, report);

    /// <summary><see cref="Choose"/> as <c>SOFTQ_GEMM=auto</c> does it, whatever SOFTQ_GEMM says: the cached measurement of <paramref name="products"/> for this key, else a new one (then cached).</summary>
    /// <exception cref="ArgumentException">no products.</exception>
    public static GemmChoice ChooseByMeasurement(string algorithm, IReadOnlyList<GemmShape> products, string? cacheFile = null, Action<string>? report = null)
    {
        if (products.Count == 0) throw new ArgumentException("no products to measure", nameof(products));
        var installed = Enum.GetValues<GemmBackend>().Where(IsInstalled).ToArray();
        var key = KeyFor(algorithm, products, installed);

        cacheFile ??= DefaultCacheFile;
        var entries = ReadCache(cacheFile, report);
        if (entries.FirstOrDefault(e => e.Key == key) is { } cached && Consistent(cached, installed))
        {
            return new GemmChoice(cached.Backend, "cached", cached.Figures, key, cacheFile);
        }
        var figures = Measure(products, installed);
        var choice = new GemmChoice(Fastest(figures), "measured", figures, key, cacheFile);
        entries.RemoveAll(e => e.Key == key);
        entries.Add(new CacheEntry(key, choice.Backend, figures));
        WriteCache(cacheFile, entries, report);
        return choice;
    }

    /// <summary>Microseconds per replay of <paramref name="products"/> on each of <paramref name="backends"/>: the median of interleaved rounds. The active backend stays.</summary>
    /// <exception cref="DllNotFoundException">a backend's library is not installed.</exception>
    public static Dictionary<string, double> Measure(IReadOnlyList<GemmShape> products, IReadOnlyList<GemmBackend> backends)
    {
        var replay = new GemmReplay(products);
        var samples = backends.ToDictionary(b => b, _ => new List<double>());
        foreach (var backend in backends)
        {
            replay.Run(backend);   // JIT, oneDNN's kernel generation, first touches
            replay.Run(backend);
        }
        for (int round = 0; round < Rounds; round++)
        {
            foreach (var backend in backends)
            {
                int passes = 0;
                long start = Stopwatch.GetTimestamp();
                do
                {
                    replay.Run(backend);
                    passes++;
                }
                while (passes < 2 || Stopwatch.GetElapsedTime(start).TotalSeconds < SecondsPerRound);
                samples[backend].Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds / passes);
            }
        }
        return samples.ToDictionary(s => Gemm.NameOf(s.Key), s => s.Value.Order().ElementAt(s.Value.Count / 2));
    }

    /// <summary>The fastest of <paramref name="microseconds"/> (backend name → µs), an earlier backend kept within <see cref="Margin"/>.</summary>
    public static GemmBackend Fastest(IReadOnlyDictionary<string, double> microseconds)
    {
        GemmBackend? best = null;
        double bestTime = double.PositiveInfinity;
        foreach (var backend in Enum.GetValues<GemmBackend>())
        {
            if (!microseconds.TryGetValue(Gemm.NameOf(backend), out double time)) continue;
            if (time < bestTime * (1 - Margin)) (best, bestTime) = (backend, time);
        }
        return best ?? throw new ArgumentException("no figures", nameof(microseconds));
    }

    /// <summary>The key for <paramref name="algorithm"/>'s <paramref name="products"/> on this machine with <paramref name="installed"/>.</summary>
    public static GemmMachineKey KeyFor(string algorithm, IReadOnlyList<GemmShape> products, IReadOnlyList<GemmBackend> installed)
    {
        var shapes = string.Join(';', products.Select(g => $"{(g.TransA ? 'T' : 'N')}{(g.TransB ? 'T' : 'N')}{g.M}x{g.N}x{g.K}"));
        var digest = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(shapes)))[..16].ToLowerInvariant();
        int bits = Avx512F.IsSupported ? 512 : Avx2.IsSupported && Fma.IsSupported ? 256 : 128;
        return new GemmMachineKey(CpuDescription(), bits, OpenBlas.ChosenCoreType ?? "auto",
            string.Join("; ", installed.Select(Gemm.Describe)), algorithm, $"{products.Count} products {digest}");
    }

    private static bool IsInstalled(GemmBackend backend)
    {
        try
        {
            Gemm.Describe(backend);
            return true;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
    }

    /// <summary>An entry holds together: figures for exactly the installed backends, all positive and finite, and its backend the fastest of them.</summary>
    private static bool Consistent(CacheEntry entry, IReadOnlyList<GemmBackend> installed) =>
        entry.Figures.Count == installed.Count
        && installed.All(b => entry.Figures.TryGetValue(Gemm.NameOf(b), out double us) && us > 0 && double.IsFinite(us))
        && Fastest(entry.Figures) == entry.Backend;

    private static string CpuDescription()
    {
        try
        {
            var fields = File.ReadLines("/proc/cpuinfo").TakeWhile(l => l.Length > 0)
                .Select(l => l.Split(':', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0].Trim(), p => p[1].Trim());
            return $"{fields.GetValueOrDefault("model name", "?")} (family {fields.GetValueOrDefault("cpu family", "?")}, model {fields.GetValueOrDefault("model", "?")}, stepping {fields.GetValueOrDefault("stepping", "?")})";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "unknown CPU";
        }
    }

    private sealed record CacheEntry(GemmMachineKey Key, GemmBackend Backend, Dictionary<string, double> Figures);

    private static List<CacheEntry> ReadCache(string file, Action<string>? report)
    {
        if (!File.Exists(file)) return [];
        try
        {
            var root = JsonNode.Parse(File.ReadAllText(file))?.AsObject() ?? throw new JsonException("empty");
            if (root["format"]?.GetValue<int>() != 1) throw new JsonException("not format 1");
            return root["entries"]!.AsArray().Select(node =>
            {
                var e = node!.AsObject();
                var k = e["key"]!.AsObject();
                var key = new GemmMachineKey(k["cpu"]!.GetValue<string>(), k["vector_bits"]!.GetValue<int>(), k["openblas_coretype"]!.GetValue<string>(),
                    k["libraries"]!.GetValue<string>(), k["algorithm"]!.GetValue<string>(), k["products"]!.GetValue<string>());
                var figures = e["microseconds_per_update"]!.AsObject().ToDictionary(f => f.Key, f => f.Value!.GetValue<double>());
                return new CacheEntry(key, Gemm.Parse(e["backend"]!.GetValue<string>()), figures);
            }).ToList();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or ArgumentException or FormatException or IOException or UnauthorizedAccessException or KeyNotFoundException)
        {
            report?.Invoke($"GEMM choice cache {file} is unreadable ({e.GetType().Name}: {e.Message.Split('\n')[0]}); measuring again and rewriting it");
            return [];
        }
    }

    private static void WriteCache(string file, List<CacheEntry> entries, Action<string>? report)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            var root = new JsonObject
            {
                ["format"] = 1,
                ["entries"] = new JsonArray(entries.Select(e =>
                {
                    var figures = new JsonObject();
                    foreach (var (name, us) in e.Figures) figures[name] = us;
                    return (JsonNode)new JsonObject { ["key"] = e.Key.ToJson(), ["backend"] = Gemm.NameOf(e.Backend), ["microseconds_per_update"] = figures };
                }).ToArray()),
            };
            string temporary = $"{file}.{Environment.ProcessId}.tmp";
            File.WriteAllText(temporary, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            File.Move(temporary, file, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            report?.Invoke($"GEMM choice cache {file} could not be written ({e.Message.Split('\n')[0]}); the choice holds for this run only");
        }
    }
}
