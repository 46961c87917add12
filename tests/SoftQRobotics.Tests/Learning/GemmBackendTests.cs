using SoftQRobotics.Core;
using SoftQRobotics.Learning.Blas;
using Xunit.Abstractions;

namespace SoftQRobotics.Tests.Learning;

/// <summary>The backend is process-wide: tests that switch it run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GemmBackendCollection
{
    public const string Name = "GEMM backends (switch the process-wide backend)";
}

/// <summary>
/// Every GEMM backend against independent double-precision computations: the products themselves
/// (every transpose pair, padded leading dimensions, β ≠ 0), the MLP's finite-difference gradient checks
/// and the whole SQL and DDPG updates of <see cref="WholeUpdateTests"/>.
/// </summary>
[Collection(GemmBackendCollection.Name)]
public class GemmBackendTests(ITestOutputHelper output)
{
    public static TheoryData<string> Backends => new() { "openblas", "onednn", "blis" };

    [Theory]
    [MemberData(nameof(Backends))]
    public void Sgemm_MatchesADoublePrecisionProduct_ForEveryTransposeAndStride(string backend) => On(backend, () =>
    {
        var rng = new Rng(21);
        foreach (var (m, n, k) in new[] { (1, 1, 1), (3, 5, 7), (64, 100, 27), (37, 200, 200), (200, 13, 64) })
        foreach (bool transA in new[] { false, true })
        foreach (bool transB in new[] { false, true })
        {
            // leading dimensions wider than the matrices, so that a backend that ignores them is caught
            int lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 2, ldc = n + 1;
            var a = new float[(transA ? k : m) * lda];
            var b = new float[(transB ? n : k) * ldb];
            var c = new float[m * ldc];
            rng.FillUniform(a, -1, 1);
            rng.FillUniform(b, -1, 1);
            rng.FillUniform(c, -1, 1);
            const float alpha = 0.75f, beta = -0.5f;
            var expected = new double[m * ldc];
            for (int i = 0; i < m; i++)
            for (int j = 0; j < ldc; j++)
            {
                if (j >= n) { expected[i * ldc + j] = c[i * ldc + j]; continue; }   // padding stays untouched
                double sum = 0;
                for (int p = 0; p < k; p++) sum += (double)(transA ? a[p * lda + i] : a[i * lda + p]) * (transB ? b[j * ldb + p] : b[p * ldb + j]);
                expected[i * ldc + j] = alpha * sum + beta * (double)c[i * ldc + j];
            }
            Gemm.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

            // float32 accumulation of k products of magnitude ≤ 1: |error| ≲ k·2⁻²⁴ per term, 4× margin
            double tolerance = 4 * k * Math.Pow(2, -24) + 1e-6;
            for (int i = 0; i < c.Length; i++)
            {
                Assert.True(Math.Abs(c[i] - expected[i]) <= tolerance,
                    $"{backend} {(transA ? "T" : "N")}{(transB ? "T" : "N")} {m}×{n}×{k}: C[{i}] = {c[i]}, expected {expected[i]}");
            }
        }
    });

    [Theory]
    [MemberData(nameof(Backends))]
    public void MlpGradients_MatchFiniteDifferences(string backend) => On(backend, () =>
    {
        var checks = new MlpGradientTests();
        foreach (var row in MlpGradientTests.Networks)
        {
            var (sizes, hidden, last) = ((int[])row[0], (SoftQRobotics.Learning.Nn.Activation)row[1], (SoftQRobotics.Learning.Nn.Activation)row[2]);
            checks.Forward_MatchesDoublePrecisionReference(sizes, hidden, last);
            checks.ParameterGradients_MatchFiniteDifferences(sizes, hidden, last);
            checks.InputGradients_MatchFiniteDifferences(sizes, hidden, last);
        }
    });

    [Theory]
    [MemberData(nameof(Backends))]
    public void WholeUpdates_MatchTheDoublePrecisionReference(string backend) => On(backend, () =>
    {
        var whole = new WholeUpdateTests(output);
        whole.SoftQLearningUpdates_MatchTheDoublePrecisionReference(10, threads: 1);
        whole.SoftQLearningUpdates_MatchTheDoublePrecisionReference(10, threads: 2);
        whole.DdpgUpdates_MatchTheDoublePrecisionReference(10);
    });

    [Fact]
    public void AnUnknownBackend_IsOneClearError()
    {
        var e = Assert.Throws<ArgumentException>(() => Gemm.Parse("mkl"));
        Assert.Equal("unknown GEMM backend 'mkl' (SOFTQ_GEMM or --backend): openblas, onednn, blis (SOFTQ_GEMM also auto)", e.Message);
    }

    private void On(string backend, Action check)
    {
        var before = Gemm.Active;
        Gemm.Use(Gemm.Parse(backend));
        try
        {
            output.WriteLine(Gemm.Describe(Gemm.Active));
            check();
        }
        finally
        {
            Gemm.Use(before);
        }
    }
}

/// <summary>
/// Signals arriving while a backend multiplies leave the heap intact: oneDNN 2.6's f32 kernels run with the stack
/// pointer in a heap workspace beyond their stack capacity, and a signal frame written there corrupts the heap
/// (docs/performance.md, "oneDNN and signals"). Without the signal mask around those products this check ends its
/// process with glibc's "corrupted size vs. prev_size" within seconds (seen 3 of 3 on AMD EPYC Zen 3). In a child
/// process: a corrupted heap must not take the test host down.
/// </summary>
public class GemmSignalTests
{
    [Theory]
    [InlineData("onednn")]
    [InlineData("openblas")]
    public void ProductsUnderASignalStorm_LeaveTheHeapIntact(string backend)
    {
        var (code, stdout, stderr) = TestPaths.RunCli("selftest", "--gemm", backend, "--seconds", "4", "--json");
        Assert.True(code == 0, $"exit {code}: {stderr}");
        using var json = System.Text.Json.JsonDocument.Parse(stdout);
        var result = json.RootElement[0];
        Assert.Equal(backend, result.GetProperty("backend").GetString());
        Assert.True(result.GetProperty("signals").GetInt64() > 2_000, stdout);
        Assert.True(result.GetProperty("products").GetInt64() > 1_000, stdout);
        Assert.True(result.GetProperty("passed").GetBoolean());
    }
}
