using System.Text.Json;
using SoftQRobotics.Mujoco;

namespace SoftQRobotics.Cli;

/// <summary>Runs a command body with the CLI's error contract: one line on stderr, non-zero exit.</summary>
internal static class CommandRunner
{
    internal const int Failure = 1;

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    /// <summary>Runs <paramref name="body"/>; expected failures (bad files, bad input) become "softq: error: ..." and exit code 1.</summary>
    internal static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is MujocoException or IOException or ArgumentException or InvalidDataException
                                      or KeyNotFoundException or UnauthorizedAccessException or InvalidOperationException or DllNotFoundException
                                      or Gpu.Device.GpuUnavailableException or Gpu.Device.GpuOutOfMemoryException or NotSupportedException)
        {
            Console.Error.WriteLine($"softq: error: {OneLine(e.Message)}");
            return Failure;
        }
    }

    /// <summary>
    /// A command line that does not parse or validate: the first problem as "softq: error: ...", a
    /// one-line hint to the command's help, and exit code 1 (System.CommandLine's for parse errors).
    /// </summary>
    internal static int UsageError(System.CommandLine.ParseResult parse)
    {
        // an unknown word explains more than the missing subcommand it leaves behind
        var error = parse.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parse.Errors[0];
        Console.Error.WriteLine($"softq: error: {OneLine(error.Message)}");
        var names = new List<string>();
        for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Insert(0, result.Command.Name);
        }
        names[0] = "softq";
        Console.Error.WriteLine($"see '{string.Join(' ', names)} --help'");
        return Failure;
    }

    /// <summary>Writes <paramref name="value"/> to stdout as JSON with snake_case names.</summary>
    internal static void WriteJson<T>(T value) => Console.WriteLine(JsonSerializer.Serialize(value, JsonOptions));

    private static string OneLine(string message) =>
        string.Join(' ', message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
