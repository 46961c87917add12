using SoftQRobotics.Core;
using BenchmarkDotNet.Attributes;
using SoftQRobotics.Learning.Agents;
using SoftQRobotics.Learning.Benchmarking;
using SoftQRobotics.Learning.Blas;
using SoftQRobotics.Learning.Replay;

namespace SoftQRobotics.Benchmarks;

/// <summary>
/// One gradient step of SQL and of DDPG for the paper's network configurations, against the
/// baseline of sgemm alone replaying exactly the matrix products of one SQL step (recorded in
/// setup): the Ratio column of SqlStep is 1 / flop_rate_fraction.
/// </summary>
[MemoryDiagnoser]
public class LearnerStepBenchmarks
{
    [Params("multigoal", "swimmer", "ant")]
    public string Config { get; set; } = "";

    private SoftQLearning _sql = null!;
    private Ddpg _ddpg = null!;
    private TransitionBatch _batch = null!;
    private GemmShape[] _shapes = [];
    private (float[] A, float[] B, float[] C)[] _operands = [];

    [GlobalSetup]
    public void Setup()
    {
        var config = LearnerConfig.Canonical.Single(c => c.Name == Config);
        _sql = new SoftQLearning(config.ObservationSize, config.ActionSize,
            new SqlSettings { HiddenSizes = config.Hidden, Particles = config.Particles, ValueParticles = config.ValueParticles }, seed: 1);
        _ddpg = new Ddpg(config.ObservationSize, config.ActionSize, new DdpgSettings { HiddenSizes = config.Hidden }, seed: 1);
        _batch = new TransitionBatch(64, config.ObservationSize, config.ActionSize);
        var rng = new Rng(7);
        rng.FillUniform(_batch.Observations, -1, 1);
        rng.FillUniform(_batch.Actions, -1, 1);
        rng.FillUniform(_batch.Rewards, -1, 1);
        rng.FillUniform(_batch.NextObservations, -1, 1);

        Gemm.Recorder = [];
        _sql.Update(_batch);
        _shapes = Gemm.Recorder.ToArray();
        Gemm.Recorder = null;
        _operands = _shapes.Select(g => (new float[g.M * g.K], new float[g.K * g.N], new float[g.M * g.N])).ToArray();
    }

    /// <summary>sgemm alone on the SQL step's products.</summary>
    [Benchmark(Baseline = true)]
    public void SgemmOfSqlStep()
    {
        for (int i = 0; i < _shapes.Length; i++)
        {
            var g = _shapes[i];
            var (a, b, c) = _operands[i];
            Gemm.Sgemm(g.TransA, g.TransB, g.M, g.N, g.K, 1f, a, g.TransA ? g.M : g.K, b, g.TransB ? g.K : g.N, 0f, c, g.N);
        }
    }

    [Benchmark]
    public UpdateStats SqlStep() => _sql.Update(_batch);

    [Benchmark]
    public UpdateStats DdpgStep() => _ddpg.Update(_batch);
}
