using SoftQRobotics.Gpu.Device;

namespace SoftQRobotics.Cli.Commands;

/// <summary>The <c>--device</c> and <c>--seeds</c> words the commands share.</summary>
internal static class DeviceOption
{
    /// <summary>null for <c>cpu</c> (the CPU engine); the GPU engine's device for <c>cuda</c> and <c>cpu-accelerator</c> (ILGPU's CPU emulation, for checks without a GPU).</summary>
    /// <exception cref="ArgumentException">another word.</exception>
    public static DeviceKind? Parse(string? word) => word?.ToLowerInvariant() switch
    {
        null or "" or "cpu" => null,
        "cuda" => DeviceKind.Cuda,
        "cpu-accelerator" => DeviceKind.CpuAccelerator,
        _ => throw new ArgumentException($"unknown --device '{word}': cpu, cuda or cpu-accelerator"),
    };

    /// <summary>Seed counts such as "1,10".</summary>
    /// <exception cref="ArgumentException">not a list of positive integers.</exception>
    public static int[] SeedCounts(string? list)
    {
        var parts = (list ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new ArgumentException("--seeds needs at least one seed count, e.g. 1,10");
        return [.. parts.Select(p => int.TryParse(p, out int n) && n >= 1 ? n : throw new ArgumentException($"--seeds: '{p}' is not a positive seed count"))];
    }
}
