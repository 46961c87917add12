using BenchmarkDotNet.Attributes;
using SoftQRobotics.Envs;
using SoftQRobotics.Envs.Mujoco;
using SoftQRobotics.Envs.Vector;
using SoftQRobotics.Mujoco;

namespace SoftQRobotics.Benchmarks;

/// <summary>
/// Env-layer throughput against raw physics on the same model. Every benchmark runs
/// <see cref="StepsPerInvoke"/> env steps (sub-env steps for the vector env) from the task's
/// initial state with zero actions, so the rows read per env step and all follow the same trajectory.
/// </summary>
[MemoryDiagnoser]
public class EnvStepBenchmarks
{
    private const int StepsPerInvoke = 256;

    [Params("swimmer-finish-line", "ant-maze")]
    public string Task { get; set; } = "";

    [Params(8, 16)]
    public int NumEnvs { get; set; }

    private MujocoEnv _env = null!;
    private VectorEnv _vector1 = null!, _vector2 = null!;
    private float[] _observation = [], _action = [];

    [GlobalSetup]
    public void Setup()
    {
        var task = TaskRegistry.Get(Task);
        _env = (MujocoEnv)task.CreateEnv();
        _vector1 = new VectorEnv(task, NumEnvs, numThreads: 1);
        _vector2 = new VectorEnv(task, NumEnvs, numThreads: 2);
        _observation = new float[task.Spec.ObservationSize];
        _action = new float[task.Spec.ActionSize];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _vector1.Dispose();
        _vector2.Dispose();
        _env.Dispose();
    }

    /// <summary>The same number of mj_step calls, looped inside the native shim.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = StepsPerInvoke)]
    public void RawPhysics()
    {
        _env.Reset(0, _observation);
        Mj.Step(_env.Data.Model, _env.Data, StepsPerInvoke * _env.FrameSkip);
    }

    [Benchmark(OperationsPerInvoke = StepsPerInvoke)]
    public void SingleEnv()
    {
        _env.Reset(0, _observation);
        for (int t = 0; t < StepsPerInvoke; t++) _env.Step(_action, _observation);
    }

    [Benchmark(OperationsPerInvoke = StepsPerInvoke)]
    public void VectorEnv1Thread() => RunVector(_vector1);

    [Benchmark(OperationsPerInvoke = StepsPerInvoke)]
    public void VectorEnv2Threads() => RunVector(_vector2);

    private void RunVector(VectorEnv vector)
    {
        vector.Reset(0);
        for (int t = 0; t < StepsPerInvoke / NumEnvs; t++) vector.Step();
    }
}
