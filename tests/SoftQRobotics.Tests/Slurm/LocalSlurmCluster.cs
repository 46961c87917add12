using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SoftQRobotics.Tests.Slurm;

/// <summary>
/// A real single-node Slurm 22.05 cluster from Debian's packages (slurm-wlm, munge), run as plain
/// foreground processes with no systemd: munged, slurmctld and slurmd on 127.0.0.1 with free ports,
/// the node line from <c>slurmd -C</c>, all state under one temporary folder. Torn down on dispose.
/// KillWait (SIGTERM to SIGKILL on scancel) is 120 s instead of the default 30 s: a loaded test machine
/// may need longer for the trainer to write its checkpoint.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LocalSlurmCluster : IDisposable
{
    private readonly List<Process> _daemons = [];

    public LocalSlurmCluster()
    {
        foreach (string program in new[] { "munged", "mungekey", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol" })
        {
            if (Which(program) is null) throw new InvalidOperationException($"the Slurm tests need {program} (Debian slurm-wlm and munge; `./softq test` installs them)");
        }
        Folder = Directory.CreateTempSubdirectory("softq-slurm-").FullName;
        File.SetUnixFileMode(Folder, (UnixFileMode)0b111_101_101);
        string munge = Path.Combine(Folder, "munge");
        foreach (string sub in new[] { "munge", "state", "spool", "log" }) Directory.CreateDirectory(Path.Combine(Folder, sub));
        File.SetUnixFileMode(munge, (UnixFileMode)0b111_001_001);   // 0711: clients reach the socket, nobody lists the key

        string key = Path.Combine(munge, "munge.key"), socket = Path.Combine(munge, "munge.socket");
        Run("mungekey", "--create", "--keyfile", key, "--bits", "1024");
        File.SetUnixFileMode(key, UnixFileMode.UserRead);
        Start("munged", "--foreground", "--force", $"--key-file={key}", $"--socket={socket}", $"--pid-file={munge}/munged.pid",
            $"--log-file={Folder}/log/munged.log", $"--seed-file={munge}/munged.seed");
        WaitFor(() => File.Exists(socket), "munged did not create its socket");

        string node = Run("slurmd", "-C").Split('\n')[0];
        node = string.Join(' ', node.Split(' ').Where(f => !f.StartsWith("NodeName=", StringComparison.Ordinal)));
        var (controllerPort, nodePort) = (FreePort(), FreePort());
        string user = System.Environment.UserName;
        ConfigFile = Path.Combine(Folder, "slurm.conf");
        File.WriteAllText(ConfigFile, $"""
            ClusterName=softqtest
            SlurmctldHost=localhost(127.0.0.1)
            SlurmctldPort={controllerPort}
            SlurmdPort={nodePort}
            SlurmUser={user}
            SlurmdUser={user}
            AuthType=auth/munge
            AuthInfo=socket={socket}
            CredType=cred/munge
            StateSaveLocation={Folder}/state
            SlurmdSpoolDir={Folder}/spool
            SlurmctldPidFile={Folder}/slurmctld.pid
            SlurmdPidFile={Folder}/slurmd.pid
            SlurmctldLogFile={Folder}/log/slurmctld.log
            SlurmdLogFile={Folder}/log/slurmd.log
            ProctrackType=proctrack/linuxproc
            TaskPlugin=task/none
            SelectType=select/cons_tres
            SelectTypeParameters=CR_Core_Memory
            DefMemPerCPU=1024
            SchedulerType=sched/backfill
            JobAcctGatherType=jobacct_gather/none
            AccountingStorageType=accounting_storage/none
            JobCompType=jobcomp/none
            MpiDefault=none
            ReturnToService=2
            MinJobAge=600
            KillWait=120
            SlurmdParameters=config_overrides
            NodeName=localhost NodeAddr=127.0.0.1 {node} State=UNKNOWN
            PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP

            """);
        Environment = new Dictionary<string, string> { ["SLURM_CONF"] = ConfigFile };
        Start("slurmctld", "-D", "-i", "-f", ConfigFile);
        Start("slurmd", "-D", "-f", ConfigFile, "-N", "localhost");
        WaitFor(() => Run("sinfo", "-h", "-o", "%t").Trim() == "idle", "the node did not come up idle");
    }

    /// <summary>The cluster's folder (config, state, logs).</summary>
    public string Folder { get; }

    /// <summary>slurm.conf.</summary>
    public string ConfigFile { get; }

    /// <summary>What Slurm's clients need: SLURM_CONF.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>Runs a Slurm client command against this cluster and returns its stdout.</summary>
    /// <exception cref="InvalidOperationException">the command failed.</exception>
    public string Run(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(Which(program) ?? program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in arguments) info.ArgumentList.Add(a);
        if (ConfigFile is not null) info.Environment["SLURM_CONF"] = ConfigFile;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', arguments)}: exit {process.ExitCode}: {stderr}");
        return stdout.Result;
    }

    /// <summary>Polls <paramref name="condition"/> every 200 ms until it holds.</summary>
    /// <exception cref="TimeoutException">it did not within <paramref name="seconds"/>; names <paramref name="what"/> and points to the logs.</exception>
    public void WaitFor(Func<bool> condition, string what, int seconds = 60)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed.TotalSeconds > seconds) throw new TimeoutException($"{what} within {seconds} s (logs in {Folder}/log)");
            Thread.Sleep(200);
        }
    }

    public void Dispose()
    {
        try
        {
            Run("scancel", "--user", System.Environment.UserName);
        }
        catch (InvalidOperationException)
        {
            // the controller may already be gone
        }
        foreach (var daemon in Enumerable.Reverse(_daemons))
        {
            if (!daemon.HasExited)
            {
                daemon.Kill(entireProcessTree: true);
                daemon.WaitForExit(10_000);
            }
            daemon.Dispose();
        }
        Directory.Delete(Folder, recursive: true);
    }

    private void Start(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(Which(program) ?? program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in arguments) info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _daemons.Add(process);
        Thread.Sleep(300);
        if (process.HasExited) throw new InvalidOperationException($"{program} exited at once with code {process.ExitCode} (logs in {Folder}/log)");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? Which(string program) =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/sbin"])
            .Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);
}

/// <summary>One cluster for all Slurm tests (they run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class SlurmClusterCollection : ICollectionFixture<LocalSlurmCluster>
{
    public const string Name = "slurm cluster";
}
