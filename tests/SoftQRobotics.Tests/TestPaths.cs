using System.Diagnostics;

namespace SoftQRobotics.Tests;

/// <summary>Locates repository files and runs the built CLI as a separate process.</summary>
internal static class TestPaths
{
    internal static readonly string RepoRoot = FindRepoRoot();

    internal static string Model(string name) => Path.Combine(RepoRoot, "models", name);

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SoftQRobotics.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("SoftQRobotics.sln not found above the test directory");
    }

    /// <summary>Runs <c>softq ARGS</c> (the CLI built next to the tests) and returns exit code, stdout and stderr.</summary>
    internal static (int ExitCode, string Stdout, string Stderr) RunCli(params string[] args) => RunCliWith(null, args);

    /// <summary>Runs <c>softq ARGS</c> with extra environment variables (e.g. SLURM_CONF).</summary>
    internal static (int ExitCode, string Stdout, string Stderr) RunCliWith(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoRoot,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "softq.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"softq {string.Join(' ', args)} did not finish");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>A fresh scratch directory under the system temp folder.</summary>
    internal static string ScratchDirectory()
    {
        string dir = Path.Combine(Path.GetTempPath(), "softq-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
