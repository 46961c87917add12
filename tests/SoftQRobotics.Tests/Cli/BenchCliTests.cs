using System.Runtime.Intrinsics.X86;
using System.Text.Json;
using SoftQRobotics.Learning.Benchmarking;

namespace SoftQRobotics.Tests.Cli;

/// <summary>The bench commands' --json fields are what users' scripts read: every one stays.</summary>
public class BenchCliTests
{
    [Fact]
    public void BenchLearner_Json_HasEveryField_AndThePeakBaseline()
    {
        var (code, stdout, stderr) = TestPaths.RunCli("bench", "learner", "--steps", "6", "--json");
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(["multigoal", "swimmer", "ant", "ant-maze"], json.RootElement.EnumerateArray().Select(c => c.GetProperty("config").GetString()));
        foreach (var config in json.RootElement.EnumerateArray())
        {
            foreach (var field in new[] { "sql_steps_per_second", "ddpg_steps_per_second", "gflops_achieved", "sgemm_gflops", "flop_rate_fraction",
                         "bytes_allocated_per_step", "sql_flops_per_step", "peak_gflops", "peak_fraction", "sql_steps_per_second_2t" })
            {
                Assert.True(config.GetProperty(field).GetDouble() >= 0, field);
            }
            // the fraction is the achieved rate over the peak measured in the same run
            Assert.Equal(config.GetProperty("gflops_achieved").GetDouble() / config.GetProperty("peak_gflops").GetDouble(), config.GetProperty("peak_fraction").GetDouble(), 9);
            Assert.Equal(0, config.GetProperty("bytes_allocated_per_step").GetDouble());
            // what SOFTQ_GEMM=auto picks for the configuration (or what SOFTQ_GEMM forces), which is also what was measured
            foreach (var field in new[] { "auto_backend_sql", "auto_backend_ddpg" }) Assert.Contains(config.GetProperty(field).GetString(), new[] { "openblas", "onednn", "blis" });
            Assert.Equal(config.GetProperty("auto_backend_sql").GetString(), config.GetProperty("backend").GetString());
            Assert.Contains(config.GetProperty("auto_reason").GetString(), new[] { "measured", "cached", "forced" });
        }
    }

    [Fact]
    public void FmaPeak_UsesTheWidestVectorsTheCpuHas()
    {
        var peak = FmaPeak.Measure(rounds: 1, iterations: 10_000);
        Assert.Equal(Avx512F.IsSupported ? 512 : Fma.IsSupported ? 256 : 128, peak.VectorBits);
        Assert.True(peak.Gflops > 0 && double.IsFinite(peak.Gflops));
    }
}
