namespace SoftQRobotics.Tests.Cli;

/// <summary>Bad command lines: one "softq: error:" line naming the problem and a one-line pointer to the command's help, exit code 1.</summary>
public class UsageErrorTests
{
    [Theory]
    [InlineData("simulate --task ant-maze --steps -5", "--steps must be at least 1", "see 'softq simulate --help'")]
    [InlineData("sweep --seeds 1", "give --config FILE and --seeds, or --resume SWEEP_DIR", "see 'softq sweep --help'")]
    [InlineData("train --config a.yaml --resume b", "give exactly one of --config FILE or --resume RUN_DIR", "see 'softq train --help'")]
    [InlineData("bench learner --no-such-flag", "Unrecognized command or argument '--no-such-flag'", "see 'softq bench learner --help'")]
    [InlineData("no-such-command", "Unrecognized command or argument 'no-such-command'", "see 'softq --help'")]
    public void BadArguments_GiveOneErrorLineAndAHelpHint(string commandLine, string problem, string hint)
    {
        var (code, stdout, stderr) = TestPaths.RunCli(commandLine.Split(' '));
        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("softq: error: ", lines[0]);
        Assert.Contains(problem, lines[0]);
        Assert.Equal(hint, lines[1]);
    }

    [Fact]
    public void AnUnknownGemmBackend_IsOneErrorLine_AndNoRunDirectory()
    {
        string dir = TestPaths.ScratchDirectory(), run = Path.Combine(dir, "run");
        var (code, stdout, stderr) = TestPaths.RunCliWith(new Dictionary<string, string> { ["SOFTQ_GEMM"] = "mkl" },
            "train", "--config", Path.Combine(TestPaths.RepoRoot, "configs", "multigoal.sql.quick.yaml"), "--run-dir", run);
        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.Equal("softq: error: unknown GEMM backend 'mkl' (SOFTQ_GEMM or --backend): openblas, onednn, blis (SOFTQ_GEMM also auto)", stderr.Trim());
        Assert.False(Directory.Exists(run));

        (code, _, stderr) = TestPaths.RunCli("bench", "learner", "--backend", "openblas,mkl");
        Assert.Equal(1, code);
        Assert.Equal("softq: error: unknown GEMM backend 'mkl' (SOFTQ_GEMM or --backend): openblas, onednn, blis (SOFTQ_GEMM also auto)", stderr.Trim());
    }
}
