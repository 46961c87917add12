using System.CommandLine;
using SoftQRobotics.Gpu.Benchmarking;
using SoftQRobotics.Gpu.Device;

namespace SoftQRobotics.Cli.Commands;

/// <summary><c>softq selftest --device cuda</c>: the GPU engine's updates against the CPU engine's, on this machine's device (docs/gpu.md).</summary>
internal static class SelfTestCommand
{
    internal static Command Create()
    {
        var device = new Option<string>("--device") { Description = "cuda (a GPU through cuBLAS) or cpu-accelerator (ILGPU's CPU emulation)", DefaultValueFactory = _ => "cuda" };
        var json = new Option<bool>("--json") { Description = "print a JSON array, one object per check" };
        var command = new Command("selftest", "Checks the GPU engine against the CPU engine on the same inputs: small networks (1 and 3 seeds) and the full swimmer networks.") { device, json };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var kind = DeviceOption.Parse(parse.GetValue(device)) ?? throw new ArgumentException("selftest checks the GPU engine: --device cuda or cpu-accelerator");
            using var gpu = GpuDevice.Open(kind);
            if (!parse.GetValue(json)) Console.WriteLine($"device: {gpu.Description}");
            var checks = GpuSelfTest.Run(gpu);
            if (parse.GetValue(json))
            {
                CommandRunner.WriteJson(checks.Select(c => new { check = c.Name, max_difference = c.MaxDifference, tolerance = c.Tolerance, fraction_within = c.FractionWithin, required_fraction = c.RequiredFraction, passed = c.Passed }).ToArray());
            }
            else
            {
                foreach (var c in checks)
                {
                    Console.WriteLine($"{(c.Passed ? "ok  " : "FAIL")} {c.Name}: max |Δ| {c.MaxDifference:E2}, tolerance {c.Tolerance:E2}, {100 * c.FractionWithin:F3} % within (needs {100 * c.RequiredFraction:F1} %)");
                }
                Console.WriteLine($"{checks.Count(c => c.Passed)} passed, {checks.Count(c => !c.Passed)} failed");
            }
            return checks.All(c => c.Passed) ? 0 : CommandRunner.Failure;
        }));
        return command;
    }
}
