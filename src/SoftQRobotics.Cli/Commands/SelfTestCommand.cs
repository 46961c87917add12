using System.CommandLine;
using SoftQRobotics.Gpu.Benchmarking;
using SoftQRobotics.Gpu.Device;
using SoftQRobotics.Learning.Blas;

namespace SoftQRobotics.Cli.Commands;

/// <summary>
/// <c>softq selftest --device cuda</c>: the GPU engine's updates against the CPU engine's, on this machine's device (docs/gpu.md).
/// <c>softq selftest --gemm onednn</c>: a GEMM backend's products while signals keep arriving (docs/performance.md, "oneDNN and signals").
/// </summary>
internal static class SelfTestCommand
{
    internal static Command Create()
    {
        var device = new Option<string>("--device") { Description = "cuda (a GPU through cuBLAS) or cpu-accelerator (ILGPU's CPU emulation)", DefaultValueFactory = _ => "cuda" };
        var json = new Option<bool>("--json") { Description = "print a JSON array, one object per check" };
        var gemm = new Option<string>("--gemm") { Description = "instead: check GEMM backend(s) (openblas, onednn, blis, a comma-separated list, or all) computing while signals keep arriving; a backend that lets them corrupt the heap ends the process (glibc abort)" };
        var seconds = new Option<double>("--seconds") { Description = "with --gemm: seconds per backend", DefaultValueFactory = _ => 3 };
        var command = new Command("selftest", "Checks the GPU engine against the CPU engine on the same inputs: small networks (1 and 3 seeds) and the full swimmer networks; or, with --gemm, the CPU engine's GEMM backends under signals.") { device, json, gemm, seconds };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            if (parse.GetValue(gemm) is { } backendList) return CheckGemmUnderSignals(Gemm.ParseList(backendList), parse.GetValue(seconds), parse.GetValue(json));
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

    private static int CheckGemmUnderSignals(IReadOnlyList<GemmBackend> backends, double seconds, bool json)
    {
        if (!(seconds > 0) || seconds > 3600) throw new ArgumentException($"--seconds must be in (0, 3600], got {seconds}");
        var results = new List<(GemmBackend Backend, string Library, GemmSignalResult Result)>();
        foreach (var backend in backends)
        {
            var result = GemmUnderSignals.Run(backend, TimeSpan.FromSeconds(seconds));
            results.Add((backend, Gemm.Describe(backend), result));
            if (!json)
            {
                Console.WriteLine($"{(Passed(result) ? "ok  " : "FAIL")} {Gemm.NameOf(backend)} ({Gemm.Describe(backend)}): {result.Products} products (64 × k by k × 64, k 80–2048) " +
                    $"while {result.Signals} signals reached the computing thread; heap intact, max |C − C_ref| {result.MaxError:E2}");
            }
        }
        if (json)
        {
            CommandRunner.WriteJson(results.Select(r => new { backend = Gemm.NameOf(r.Backend), library = r.Library, products = r.Result.Products, signals = r.Result.Signals, max_error = r.Result.MaxError, passed = Passed(r.Result) }).ToArray());
        }
        return results.All(r => Passed(r.Result)) ? 0 : CommandRunner.Failure;
    }

    // single precision against double over k ≤ 2048 terms of size ≤ 1.5: far below 1e-2 unless a product is wrong
    private static bool Passed(GemmSignalResult result) => result.Products > 0 && result.Signals > 0 && result.MaxError < 1e-2;
}
