using System.Diagnostics;
using System.Text;

namespace SoftQRobotics.Pipelines.Sweeps;

/// <summary>The Slurm state of one array task, as <c>squeue</c> or <c>scontrol</c> report it.</summary>
/// <param name="Seed">the array index, which is the seed</param>
/// <param name="State">Slurm's job state, e.g. PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT</param>
/// <param name="ExitCode">Slurm's <c>exit:signal</c> pair, or null while the task runs</param>
public sealed record SlurmTaskState(int Seed, string State, string? ExitCode);

/// <summary>How one seed ended after <see cref="SlurmBackend.Wait"/>.</summary>
/// <param name="Seed">the seed</param>
/// <param name="Status">the run's own status (run.json)</param>
/// <param name="SlurmState">Slurm's last known state of the task (null once Slurm has forgotten the job)</param>
public sealed record SeedOutcome(int Seed, SeedStatus Status, SlurmTaskState? SlurmState);

/// <summary>
/// Submits a sweep's seeds as one Slurm job array (array index = seed) and follows it with
/// <c>squeue</c>/<c>scontrol</c> only (no accounting database needed). The batch script and the
/// requeue protocol are described in docs/sweeps.md.
/// </summary>
public static class SlurmBackend
{
    /// <summary>
    /// The sbatch script for <paramref name="seeds"/> of <paramref name="sweep"/>: each task trains its
    /// seed into <c>seedN/</c>, or resumes it there when a checkpoint exists (a requeued or resubmitted
    /// task). SIGUSR1 (sent <see cref="SlurmOptions.SignalBeforeSeconds"/> before the time limit)
    /// makes the trainer checkpoint and the task requeue itself; SIGTERM (scancel, preemption) makes it
    /// checkpoint and stop.
    /// </summary>
    /// <param name="softq">the command that runs the CLI here, e.g. <c>[/usr/bin/dotnet, /repo/.../softq.dll]</c></param>
    /// <exception cref="ArgumentException">no seeds, a negative seed, or no Slurm options in the manifest.</exception>
    public static string BatchScript(SweepDirectory sweep, IReadOnlyList<int> seeds, IReadOnlyList<string> softq)
    {
        var options = sweep.Manifest.Slurm ?? throw new ArgumentException($"{sweep.Path} is not a Slurm sweep");
        if (seeds.Count == 0) throw new ArgumentException("no seeds to submit");
        if (seeds.Any(s => s < 0)) throw new ArgumentException("Slurm array indices are the seeds, so seeds must be ≥ 0");

        var s = new StringBuilder();
        s.Append("#!/bin/bash\n");
        s.Append($"# softq sweep {sweep.Manifest.Name}: one array task per seed (SLURM_ARRAY_TASK_ID = seed)\n");
        Directive(s, "job-name", Quote(sweep.Manifest.Name));
        Directive(s, "array", string.Join(',', seeds));
        Directive(s, "output", Quote(Path.Combine(sweep.LogsFolder, "seed%a.out")));
        Directive(s, "open-mode", "append");
        Directive(s, "chdir", Quote(sweep.Path));
        Directive(s, "cpus-per-task", options.CpusPerTask.ToString());
        if (options.Memory is { } memory) Directive(s, "mem", memory);
        if (options.TimeLimit is { } time) Directive(s, "time", time);
        if (options.Partition is { } partition) Directive(s, "partition", partition);
        Directive(s, "signal", $"B:USR1@{options.SignalBeforeSeconds}");
        Directive(s, "requeue", null);
        foreach (string extra in options.ExtraArguments) s.Append($"#SBATCH {extra}\n");
        s.Append('\n');
        s.Append("seed=$SLURM_ARRAY_TASK_ID\n");
        s.Append($"run={Quote(Path.Combine(sweep.Path, "seed"))}$seed\n");
        s.Append($"softq=({string.Join(' ', softq.Select(Quote))})\n");
        s.Append("echo \"[$(date -u +%FT%TZ)] task ${SLURM_ARRAY_JOB_ID}_${seed} on $(hostname), restart ${SLURM_RESTART_COUNT:-0}\"\n");
        s.Append("if [ -f \"$run/checkpoints/latest.bin\" ]; then\n");
        s.Append("  \"${softq[@]}\" train --resume \"$run\" &\n");
        s.Append("else\n");
        string epochs = sweep.Manifest.Epochs is { } e ? $" --epochs {e}" : "";
        s.Append($"  \"${{softq[@]}}\" train --config {Quote(sweep.ConfigFile)} --seed \"$seed\" --run-dir \"$run\"{epochs} &\n");
        s.Append("fi\n");
        s.Append("trainer=$!\n");
        s.Append("# the trainer checkpoints on either signal; USR1 (time limit near) also requeues this task\n");
        s.Append("requeue=0\n");
        s.Append("trap 'requeue=1; kill -USR1 $trainer' USR1\n");
        s.Append("trap 'kill -TERM $trainer' TERM\n");
        s.Append("while true; do wait $trainer; code=$?; kill -0 $trainer 2>/dev/null || break; done\n");
        s.Append("if [ $requeue = 1 ] && [ $code = 130 ]; then\n");
        s.Append("  echo \"[$(date -u +%FT%TZ)] checkpointed before the time limit; requeueing\"\n");
        s.Append("  scontrol requeue \"${SLURM_ARRAY_JOB_ID}_${seed}\"\n");
        s.Append("fi\n");
        s.Append("exit $code\n");
        return s.ToString();
    }

    /// <summary>Submits <paramref name="script"/> with <c>sbatch --parsable</c>.</summary>
    /// <returns>the array job id</returns>
    /// <exception cref="InvalidOperationException">sbatch is missing or refused the job (its message).</exception>
    public static string Submit(string script)
    {
        string output = Run("sbatch", ["--parsable"], script).Trim();
        string jobId = output.Split(';')[0];
        if (jobId.Length == 0 || !jobId.All(char.IsAsciiDigit)) throw new InvalidOperationException($"sbatch printed no job id: '{output}'");
        return jobId;
    }

    /// <summary>Tasks of array <paramref name="jobId"/> still pending or running (empty once all have ended).</summary>
    public static List<SlurmTaskState> ActiveTasks(string jobId)
    {
        var (code, stdout, stderr) = RunRaw("squeue", ["-h", "-r", "-j", jobId, "-o", "%K|%T"], null);
        if (code != 0)
        {
            // squeue refuses ids the controller has already purged: nothing of the array is active
            if (stderr.Contains("Invalid job id", StringComparison.OrdinalIgnoreCase)) return [];
            throw new InvalidOperationException($"squeue failed: {OneLine(stderr)}");
        }
        return ParseLines(stdout, '|').Select(f => new SlurmTaskState(int.Parse(f[0]), f[1], null)).ToList();
    }

    /// <summary>Final states of the tasks of array <paramref name="jobId"/> that the controller still remembers (<c>scontrol -o show job</c>).</summary>
    public static List<SlurmTaskState> TaskStates(string jobId)
    {
        var (code, stdout, _) = RunRaw("scontrol", ["-o", "show", "job", jobId], null);
        if (code != 0) return [];
        var states = new List<SlurmTaskState>();
        foreach (string line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(f => f.Split('=', 2)).Where(p => p.Length == 2).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.First()[1]);
            if (fields.TryGetValue("ArrayTaskId", out string? task) && int.TryParse(task, out int seed) && fields.TryGetValue("JobState", out string? state))
            {
                states.Add(new SlurmTaskState(seed, state, fields.GetValueOrDefault("ExitCode")));
            }
        }
        return states;
    }

    /// <summary>
    /// Follows array <paramref name="jobId"/> until none of its tasks is pending or running (requeued
    /// tasks count as pending), printing each task's state changes to <paramref name="log"/>.
    /// </summary>
    /// <returns>each submitted seed's outcome; a seed failed unless its run completed</returns>
    public static List<SeedOutcome> Wait(SweepDirectory sweep, string jobId, IReadOnlyList<int> seeds, TextWriter log, TimeSpan poll, CancellationToken cancel)
    {
        var lastSeen = new Dictionary<int, string>();
        while (true)
        {
            var active = ActiveTasks(jobId);
            foreach (var task in active.Where(t => lastSeen.GetValueOrDefault(t.Seed) != t.State))
            {
                log.WriteLine($"seed {task.Seed}: {task.State.ToLowerInvariant()}");
                lastSeen[task.Seed] = task.State;
            }
            if (active.Count == 0) break;
            cancel.WaitHandle.WaitOne(poll);
            cancel.ThrowIfCancellationRequested();
        }
        var final = TaskStates(jobId).ToDictionary(t => t.Seed);
        return seeds.Select(seed => new SeedOutcome(seed, sweep.StatusOf(seed), final.GetValueOrDefault(seed))).ToList();
    }

    private static void Directive(StringBuilder s, string name, string? value) =>
        s.Append(value is null ? $"#SBATCH --{name}\n" : $"#SBATCH --{name}={value}\n");

    /// <summary>Single-quotes <paramref name="word"/> for bash when it needs it.</summary>
    private static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "/._-+=:,@%".Contains(c)) ? word : "'" + word.Replace("'", "'\\''") + "'";

    private static IEnumerable<string[]> ParseLines(string text, char separator) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(l => l.Split(separator));

    private static string Run(string program, string[] arguments, string? stdin)
    {
        var (code, stdout, stderr) = RunRaw(program, arguments, stdin);
        if (code != 0) throw new InvalidOperationException($"{program} failed (exit code {code}): {OneLine(stderr.Length > 0 ? stderr : stdout)}");
        return stdout;
    }

    private static (int Code, string Stdout, string Stderr) RunRaw(string program, string[] arguments, string? stdin)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardInput = stdin is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in arguments) info.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException($"{program} not found: the Slurm backend needs Slurm's client commands on PATH (Debian: slurm-client)");
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (stdin is not null)
            {
                process.StandardInput.Write(stdin);
                process.StandardInput.Close();
            }
            process.WaitForExit();
            return (process.ExitCode, stdout.Result, stderr.Result);
        }
    }

    private static string OneLine(string text) =>
        string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
