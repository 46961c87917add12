using System.Text.Json;
using System.Text.Json.Nodes;

namespace SoftQRobotics.Pipelines.Sweeps;

/// <summary>Where a sweep's tasks run: processes on this machine, or a Slurm job array.</summary>
public enum SweepBackend
{
    /// <summary>One process per seed on this machine, as many at once as there are cores.</summary>
    Local,

    /// <summary>One Slurm job array, one array task per seed (array index = seed).</summary>
    Slurm,

    /// <summary>One process training every seed together (<c>softq train --seeds</c>, on the CPU or a GPU); <c>sweep --resume</c> continues its unfinished seeds as local processes.</summary>
    Batched,
}

/// <summary>How a seed of a sweep stands, read from its run directory's run.json.</summary>
public enum SeedStatus
{
    /// <summary>No run directory (or no run.json) yet.</summary>
    NotStarted,

    /// <summary>run.json says running: training now, or killed without a checkpoint of its end.</summary>
    Running,

    /// <summary>Stopped by a signal after writing a checkpoint; resumable.</summary>
    Interrupted,

    /// <summary>All configured epochs done.</summary>
    Completed,
}

/// <summary>Slurm resources and behaviour asked for every array task.</summary>
/// <param name="Partition">partition (<c>--partition</c>); null: the cluster's default</param>
/// <param name="TimeLimit">time limit per task in Slurm's format (e.g. <c>2-00:00:00</c>); null: the partition's</param>
/// <param name="CpusPerTask">CPUs per task (<c>--cpus-per-task</c>)</param>
/// <param name="Memory">memory per task (<c>--mem</c>, e.g. <c>8G</c>); null: the cluster's default</param>
/// <param name="SignalBeforeSeconds">SIGUSR1 this many seconds before the time limit: the task checkpoints and requeues itself</param>
/// <param name="ExtraArguments">further <c>#SBATCH</c> arguments, verbatim</param>
public sealed record SlurmOptions(string? Partition, string? TimeLimit, int CpusPerTask, string? Memory, int SignalBeforeSeconds, string[] ExtraArguments);

/// <summary>One submission of (some of) a sweep's seeds.</summary>
/// <param name="Time">UTC time of the submission, ISO 8601</param>
/// <param name="Seeds">the seeds submitted</param>
/// <param name="JobId">the Slurm array job id (null for local sweeps)</param>
public sealed record SweepSubmission(string Time, int[] Seeds, string? JobId);

/// <summary>sweep.json: what a sweep is and how it was submitted.</summary>
/// <param name="Name">the config's name, e.g. <c>swimmer-finish-line.sql.medium</c></param>
/// <param name="Backend">local, Slurm, or batched (one process, <c>softq train --seeds</c>)</param>
/// <param name="Seeds">all seeds of the sweep</param>
/// <param name="Epochs">epochs override (null: the config's)</param>
/// <param name="Slurm">Slurm options (null for local sweeps)</param>
/// <param name="Submissions">every submission, in order; <c>sweep --resume</c> appends one</param>
public sealed record SweepManifest(string Name, SweepBackend Backend, int[] Seeds, int? Epochs, SlurmOptions? Slurm, List<SweepSubmission> Submissions);

/// <summary>
/// The folder of a seed sweep: <c>runs/NAME__sweep-TIME/</c> with <c>sweep.json</c> (the manifest),
/// <c>NAME.yaml</c> (the config as submitted, which every task reads), <c>logs/seedN.out</c> (each
/// task's output) and one run directory <c>seedN/</c> per seed.
/// </summary>
public sealed class SweepDirectory
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    private SweepDirectory(string path, SweepManifest manifest) => (Path, Manifest) = (System.IO.Path.GetFullPath(path), manifest);

    /// <summary>The folder (absolute).</summary>
    public string Path { get; }

    /// <summary>The manifest as last saved.</summary>
    public SweepManifest Manifest { get; private set; }

    /// <summary>The config every task trains from.</summary>
    public string ConfigFile => System.IO.Path.Combine(Path, Manifest.Name + ".yaml");

    /// <summary>Where the tasks' output goes.</summary>
    public string LogsFolder => System.IO.Path.Combine(Path, "logs");

    private string ManifestFile => System.IO.Path.Combine(Path, "sweep.json");

    /// <summary>The run directory of <paramref name="seed"/>.</summary>
    public string SeedDirectory(int seed) => System.IO.Path.Combine(Path, $"seed{seed}");

    /// <summary>The output file of <paramref name="seed"/>'s task.</summary>
    public string SeedLog(int seed) => System.IO.Path.Combine(LogsFolder, $"seed{seed}.out");

    /// <summary>
    /// The sweep folder a new sweep would use (default <c>runs/NAME__sweep-TIME</c>), not yet written:
    /// <c>--dry-run</c> shows its script from this; <see cref="Write"/> creates it.
    /// </summary>
    /// <exception cref="IOException">the folder already holds a sweep.</exception>
    public static SweepDirectory Plan(string? explicitPath, SweepManifest manifest)
    {
        string path = explicitPath ?? System.IO.Path.Combine("runs", $"{manifest.Name}__sweep-{DateTime.Now:yyyyMMdd-HHmmss}");
        if (File.Exists(System.IO.Path.Combine(path, "sweep.json")))
        {
            throw new IOException($"{path} already holds a sweep (continue it with `softq sweep --resume {path}`)");
        }
        return new SweepDirectory(path, manifest);
    }

    /// <summary>Creates the folder and its logs/, copies <paramref name="configFile"/> into it and writes sweep.json.</summary>
    public void Write(string configFile)
    {
        Directory.CreateDirectory(LogsFolder);
        File.Copy(configFile, ConfigFile, overwrite: true);
        Save();
    }

    /// <summary>Opens an existing sweep folder.</summary>
    /// <exception cref="InvalidDataException">not a sweep folder, or sweep.json is malformed.</exception>
    public static SweepDirectory Open(string path)
    {
        string file = System.IO.Path.Combine(path, "sweep.json");
        if (!Directory.Exists(path)) throw new InvalidDataException($"sweep directory not found: {path}");
        if (!File.Exists(file)) throw new InvalidDataException($"{path} is not a sweep directory: sweep.json is missing");
        SweepManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<SweepManifest>(File.ReadAllText(file), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file}: malformed: {e.Message}");
        }
        if (manifest is null || manifest.Name is null || manifest.Seeds is null || manifest.Submissions is null)
        {
            throw new InvalidDataException($"{file}: name, seeds and submissions are required");
        }
        return new SweepDirectory(path, manifest);
    }

    /// <summary>Records a submission in sweep.json.</summary>
    public void AddSubmission(int[] seeds, string? jobId)
    {
        Manifest.Submissions.Add(new SweepSubmission(DateTime.UtcNow.ToString("O"), seeds, jobId));
        Save();
    }

    /// <summary>How <paramref name="seed"/> stands (from its run.json).</summary>
    public SeedStatus StatusOf(int seed)
    {
        string runFile = System.IO.Path.Combine(SeedDirectory(seed), "run.json");
        if (!File.Exists(runFile)) return SeedStatus.NotStarted;
        string? status;
        try
        {
            status = (JsonNode.Parse(File.ReadAllText(runFile)) as JsonObject)?["status"]?.GetValue<string>();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new InvalidDataException($"{runFile}: malformed JSON: {e.Message}");
        }
        return status switch
        {
            "completed" => SeedStatus.Completed,
            "interrupted" => SeedStatus.Interrupted,
            _ => SeedStatus.Running,
        };
    }

    /// <summary>Whether <paramref name="seed"/> has a checkpoint to resume from.</summary>
    public bool HasCheckpoint(int seed) => File.Exists(System.IO.Path.Combine(SeedDirectory(seed), "checkpoints", "latest.bin"));

    /// <summary>The seeds whose runs have not completed, in order.</summary>
    public int[] UnfinishedSeeds() => Manifest.Seeds.Where(s => StatusOf(s) != SeedStatus.Completed).ToArray();

    /// <summary>The snake_case name of a status, as tables and JSON show it.</summary>
    public static string Describe(SeedStatus status) => RunConfig.SnakeCase(status.ToString());

    private void Save() => RunDirectory.WriteAtomically(ManifestFile, JsonSerializer.Serialize(Manifest, JsonOptions));
}
