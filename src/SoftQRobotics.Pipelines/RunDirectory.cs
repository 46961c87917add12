using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SoftQRobotics.Envs.Vector;
using SoftQRobotics.Learning.Blas;
using SoftQRobotics.Learning.Nn;
using SoftQRobotics.Pipelines.Training;
using SoftQRobotics.Mujoco;

namespace SoftQRobotics.Pipelines;

/// <summary>
/// The folder of one run:
/// <c>config.yaml</c> (resolved config), <c>run.json</c> (seed, versions, mode, status),
/// <c>metrics.csv</c> (one row per epoch), <c>evaluation/epoch_NNNN.csv</c> (centre-of-mass traces of
/// the evaluation episodes) and <c>checkpoints/latest.bin</c> (everything needed to resume).
/// </summary>
public sealed class RunDirectory
{
    /// <summary>Columns of metrics.csv, in order (<see cref="EpochMetrics"/>).</summary>
    public static readonly string[] MetricColumns = EpochMetrics.Columns;

    public RunDirectory(string path) => Path = System.IO.Path.GetFullPath(path);

    /// <summary>The folder.</summary>
    public string Path { get; }
    public string ConfigFile => System.IO.Path.Combine(Path, "config.yaml");
    public string RunFile => System.IO.Path.Combine(Path, "run.json");
    public string MetricsFile => System.IO.Path.Combine(Path, "metrics.csv");
    public string CheckpointFile => System.IO.Path.Combine(Path, "checkpoints", "latest.bin");
    public string EvaluationFolder => System.IO.Path.Combine(Path, "evaluation");
    /// <summary>videos/: evaluation episodes rendered during training (config key video_every).</summary>
    public string VideosFolder => System.IO.Path.Combine(Path, "videos");

    /// <summary>A new run folder: runs/NAME__seedS__TIME unless <paramref name="explicitPath"/> is given (which must be empty or absent).</summary>
    public static RunDirectory Create(string? explicitPath, string name, int seed)
    {
        string path = explicitPath ?? System.IO.Path.Combine("runs", $"{name}__seed{seed}__{DateTime.Now:yyyyMMdd-HHmmss-fff}");
        if (Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any())
        {
            throw new IOException($"run directory {path} already exists and is not empty (use `softq train --resume {path}` to continue it)");
        }
        var run = new RunDirectory(path);
        Directory.CreateDirectory(System.IO.Path.Combine(run.Path, "checkpoints"));
        Directory.CreateDirectory(run.EvaluationFolder);
        return run;
    }

    /// <summary>Opens an existing run, checking that it has a config and a checkpoint.</summary>
    /// <exception cref="InvalidDataException">not a run folder, or files are missing.</exception>
    public static RunDirectory Open(string path)
    {
        var run = new RunDirectory(path);
        if (!Directory.Exists(run.Path)) throw new InvalidDataException($"run directory not found: {path}");
        if (!File.Exists(run.ConfigFile)) throw new InvalidDataException($"{path} is not a run directory: config.yaml is missing");
        if (!File.Exists(run.RunFile)) throw new InvalidDataException($"{path} is not a run directory: run.json is missing");
        return run;
    }

    /// <summary>The resolved config of the run.</summary>
    /// <exception cref="InvalidDataException">config.yaml is missing or invalid.</exception>
    public RunConfig LoadConfig()
    {
        if (!File.Exists(ConfigFile)) throw new InvalidDataException($"config file not found: {ConfigFile}");
        return RunConfig.Parse(File.ReadAllText(ConfigFile), ConfigFile, resolved: true);
    }

    /// <summary>run.json as a JSON object.</summary>
    public JsonObject ReadRunInfo()
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(RunFile)) as JsonObject ?? throw new InvalidDataException($"{RunFile}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{RunFile}: malformed JSON: {e.Message}");
        }
    }

    /// <summary>Writes run.json atomically.</summary>
    public void WriteRunInfo(JsonObject info) => WriteAtomically(RunFile, info.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

    /// <summary>The versions recorded in run.json.</summary>
    public static JsonObject Versions() => new()
    {
        ["softq"] = typeof(RunDirectory).Assembly.GetName().Version?.ToString(3),
        ["mujoco"] = MujocoVersion.Text,
        ["openblas"] = OpenBlas.Config,
        ["openblas_core"] = OpenBlas.CoreName,
        ["gemm"] = Gemm.Describe(Gemm.Active),
        ["dotnet"] = Environment.Version.ToString(),
        ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
    };

    /// <summary>Rows of metrics.csv (empty if the file does not exist).</summary>
    /// <exception cref="InvalidDataException">a row has another number of cells than the header, or a cell is not a number.</exception>
    public List<EpochMetrics> ReadMetrics()
    {
        var rows = new List<EpochMetrics>();
        if (!File.Exists(MetricsFile)) return rows;
        var lines = File.ReadAllLines(MetricsFile);
        if (lines.Length == 0) return rows;
        var header = lines[0].Split(',');
        foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
        {
            var cells = line.Split(',');
            if (cells.Length != header.Length) throw new InvalidDataException($"{MetricsFile}: a row has {cells.Length} cells, the header {header.Length}");
            try
            {
                rows.Add(EpochMetrics.FromCells(header, cells));
            }
            catch (FormatException)
            {
                throw new InvalidDataException($"{MetricsFile}: a cell is not a number in row '{line}'");
            }
        }
        return rows;
    }

    /// <summary>Keeps only the metric rows of epochs ≤ <paramref name="epoch"/> (rows written after the last checkpoint are dropped on resume); a file written by an older build is brought to today's columns.</summary>
    public void TruncateMetrics(int epoch)
    {
        if (!File.Exists(MetricsFile)) return;
        var lines = File.ReadAllLines(MetricsFile);
        var header = lines.Length > 0 ? lines[0].Split(',') : [];
        var kept = lines.Skip(1).Where(l => l.Length > 0 && int.Parse(l.Split(',')[0], CultureInfo.InvariantCulture) <= epoch);
        if (header.SequenceEqual(MetricColumns))
        {
            WriteAtomically(MetricsFile, string.Join('\n', lines.Take(1).Concat(kept)) + "\n");
            return;
        }
        // a file from an older build (fewer or other columns): its rows rewritten in today's columns, a missing one NaN,
        // so that the rows appended after it have as many fields as the header
        var rows = kept.Select(l => EpochMetrics.FromCells(header, l.Split(',')).Values().Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        WriteAtomically(MetricsFile, string.Join('\n', new[] { string.Join(',', MetricColumns) }.Concat(rows.Select(r => string.Join(',', r)))) + "\n");
    }

    /// <summary>Appends one epoch's row (writing the header first if the file is new).</summary>
    public void AppendMetrics(EpochMetrics row)
    {
        bool fresh = !File.Exists(MetricsFile);
        using var writer = new StreamWriter(MetricsFile, append: true);
        if (fresh) writer.WriteLine(string.Join(',', MetricColumns));
        writer.WriteLine(string.Join(',', row.Values().Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
        writer.Flush();
    }

    /// <summary>Writes evaluation/epoch_NNNN.csv: episode, step, x, y of the centre of mass.</summary>
    public void WriteEvaluationTraces(int epoch, EpisodeStats[] episodes)
    {
        // streamed to the file: 80 episodes' traces as one string would be a large-object allocation every epoch
        WriteAtomically(System.IO.Path.Combine(EvaluationFolder, $"epoch_{epoch:D4}.csv"), text =>
        {
            text.Write("episode,step,x,y\n");
            for (int e = 0; e < episodes.Length; e++)
            {
                var trace = episodes[e].ComTrace;
                for (int s = 0; s < trace.Length / 2; s++)
                {
                    text.Write(string.Create(CultureInfo.InvariantCulture, $"{e},{s},{trace[2 * s]:R},{trace[2 * s + 1]:R}\n"));
                }
            }
        });
    }

    /// <summary>
    /// Writes evaluation/episodes_NNNN.csv, one row per evaluation episode: its return (unscaled),
    /// discounted return, length, final centre-of-mass x, and both distances to the goal: at the last
    /// step (what the authors logged) and the smallest over the episode (NaN without a goal).
    /// </summary>
    public void WriteEvaluationEpisodes(int epoch, EpisodeStats[] episodes)
    {
        var text = new StringBuilder("episode,return,discounted_return,length,final_com_x,final_distance_to_goal,min_distance_to_goal\n");
        for (int e = 0; e < episodes.Length; e++)
        {
            var s = episodes[e];
            text.Append(CultureInfo.InvariantCulture, $"{e},{s.Return:R},{s.DiscountedReturn:R},{s.Length},{s.Final.ComX:R},{s.Final.DistanceToGoal:R},{s.MinDistanceToGoal:R}\n");
        }
        WriteAtomically(System.IO.Path.Combine(EvaluationFolder, $"episodes_{epoch:D4}.csv"), text.ToString());
    }

    /// <summary>Reads an evaluation trace file: per episode, the (x, y) points.</summary>
    public static List<List<(double X, double Y)>> ReadTraces(string file)
    {
        var episodes = new List<List<(double, double)>>();
        foreach (var line in File.ReadLines(file).Skip(1).Where(l => l.Length > 0))
        {
            var cells = line.Split(',');
            int e = int.Parse(cells[0], CultureInfo.InvariantCulture);
            while (episodes.Count <= e) episodes.Add([]);
            episodes[e].Add((double.Parse(cells[2], CultureInfo.InvariantCulture), double.Parse(cells[3], CultureInfo.InvariantCulture)));
        }
        return episodes;
    }

    /// <summary>Saves agent and trainer state to checkpoints/latest.bin (atomic, checksummed).</summary>
    public void SaveCheckpoint(Learning.Agents.IAgent agent, OffPolicyTrainer trainer, bool includeReplay, int mode) =>
        ParameterFile.Save(CheckpointFile, agent.SaveState().Concat(trainer.SaveState(includeReplay))
            .Append(CheckpointCounters.Entry("run_mode", mode)));

    /// <summary>The tensors of checkpoints/latest.bin.</summary>
    /// <exception cref="InvalidDataException">missing or corrupt.</exception>
    public Dictionary<string, float[]> LoadCheckpoint()
    {
        if (!File.Exists(CheckpointFile)) throw new InvalidDataException($"{Path} has no checkpoint yet (checkpoints/latest.bin)");
        return ParameterFile.Load(CheckpointFile);
    }

    internal static void WriteAtomically(string path, string text) => WriteAtomically(path, writer => writer.Write(text));

    /// <summary>Writes PATH.tmp with <paramref name="write"/>, flushes it to disk and renames it over <paramref name="path"/>.</summary>
    internal static void WriteAtomically(string path, Action<TextWriter> write)
    {
        string temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        using (var writer = new StreamWriter(file))
        {
            write(writer);
            writer.Flush();
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }
}
