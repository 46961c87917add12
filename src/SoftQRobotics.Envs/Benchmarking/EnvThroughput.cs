using System.Diagnostics;
using SoftQRobotics.Envs.Mujoco;
using SoftQRobotics.Envs.Vector;
using SoftQRobotics.Mujoco;

namespace SoftQRobotics.Envs.Benchmarking;

/// <summary>One task's env-layer throughput, against the raw physics of the same model.</summary>
/// <param name="Task">task name</param>
/// <param name="RawPhysicsStepsPerSecond">env steps' worth of mj_step per second, looped inside the native shim (frame skip × mj_step = one env step)</param>
/// <param name="EnvStepsPerSecond">single env, one thread</param>
/// <param name="OverheadRatio">env step cost ÷ raw physics cost of the same step</param>
/// <param name="VectorStepsPerSecond1Thread">sub-env steps per second of a vector env on one thread</param>
/// <param name="VectorStepsPerSecond2Threads">the same on two threads</param>
/// <param name="ThreadScaling">2-thread ÷ 1-thread vector throughput</param>
/// <param name="BytesAllocatedPerStep">managed bytes allocated per sub-env step while stepping the vector env (all threads)</param>
/// <param name="NumEnvs">sub-envs of the vector env</param>
/// <param name="RawPhysicsThreadScaling">
/// the machine's ceiling for <paramref name="ThreadScaling"/>: two threads each running raw physics on
/// their own data with no synchronisation at all (what mujoco-testspeed's threads do), ÷ one thread
/// </param>
public sealed record EnvThroughputResult(
    string Task, double RawPhysicsStepsPerSecond, double EnvStepsPerSecond, double OverheadRatio,
    double VectorStepsPerSecond1Thread, double VectorStepsPerSecond2Threads, double ThreadScaling,
    double BytesAllocatedPerStep, int NumEnvs, double RawPhysicsThreadScaling);

/// <summary>
/// Quick throughput measurement of the env layer. Both sides of each ratio follow the same
/// trajectory (zero actions from the task's initial state, whole episodes, reset included) and are
/// timed in interleaved rounds, so that the machine's drifting speed affects both alike; rates and
/// ratios are medians over the rounds.
/// </summary>
public static class EnvThroughput
{
    /// <summary>Measures <paramref name="taskName"/> (a MuJoCo task).</summary>
    /// <param name="rounds">interleaved rounds; each times one episode of T steps per variant</param>
    /// <param name="numEnvs">sub-envs of the vector env</param>
    public static EnvThroughputResult Measure(string taskName, int rounds = 7, int numEnvs = 8)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        var task = TaskRegistry.Get(taskName);
        if (task.Model is null) throw new ArgumentException($"task '{taskName}' has no physics to compare against");
        int horizon = task.Spec.Horizon;
        int vectorSteps = Math.Max(1, horizon / numEnvs);
        using var env = (MujocoEnv)task.CreateEnv();
        using var twin = (MujocoEnv)task.CreateEnv();
        using var vector1 = new VectorEnv(task, numEnvs, numThreads: 1);
        using var vector2 = new VectorEnv(task, numEnvs, numThreads: 2);
        var observation = new float[task.Spec.ObservationSize];
        var action = new float[task.Spec.ActionSize];

        void EnvEpisode()
        {
            env.Reset(0, observation);
            for (int t = 0; t < horizon; t++) env.Step(action, observation);
        }
        var twinObservation = new float[task.Spec.ObservationSize];
        void RawEpisodeOn(MujocoEnv e, float[] obs)
        {
            e.Reset(0, obs);
            Mj.Step(e.Data.Model, e.Data, horizon * e.FrameSkip);
        }
        void RawEpisode() => RawEpisodeOn(env, observation);
        void RawEpisodesOnTwoThreads()
        {
            var other = new Thread(() => RawEpisodeOn(twin, twinObservation));
            other.Start();
            RawEpisode();
            other.Join();
        }
        void VectorChunk(VectorEnv v)
        {
            for (int t = 0; t < vectorSteps; t++) v.Step();
        }

        // warm-up: JIT, page faults, worker threads started
        vector1.Reset(0);
        vector2.Reset(0);
        EnvEpisode();
        RawEpisode();
        VectorChunk(vector1);
        VectorChunk(vector2);

        // delegates made once: a lambda created inside a timed region would count as an allocation
        Action envEpisode = EnvEpisode, rawEpisode = RawEpisode, chunk1 = () => VectorChunk(vector1), chunk2 = () => VectorChunk(vector2);
        var (envRates, rawRates, ratios, rates1, rates2, scalings) =
            (new double[rounds], new double[rounds], new double[rounds], new double[rounds], new double[rounds], new double[rounds]);
        var rawScalings = new double[rounds];
        long allocated = 0;
        for (int r = 0; r < rounds; r++)
        {
            double envSeconds = Time(envEpisode), rawSeconds = Time(rawEpisode);
            double seconds1 = Time(chunk1);
            long before = GC.GetTotalAllocatedBytes(precise: true);
            double seconds2 = Time(chunk2);
            allocated += GC.GetTotalAllocatedBytes(precise: true) - before;

            (envRates[r], rawRates[r], ratios[r]) = (horizon / envSeconds, horizon / rawSeconds, envSeconds / rawSeconds);
            (rates1[r], rates2[r], scalings[r]) = (vectorSteps * numEnvs / seconds1, vectorSteps * numEnvs / seconds2, seconds1 / seconds2);
            rawScalings[r] = 2 * rawSeconds / Time(RawEpisodesOnTwoThreads);
        }
        return new EnvThroughputResult(taskName, Median(rawRates), Median(envRates), Median(ratios), Median(rates1), Median(rates2),
            Median(scalings), allocated / (double)(rounds * vectorSteps * numEnvs), numEnvs, Median(rawScalings));
    }

    private static double Time(Action run)
    {
        long start = Stopwatch.GetTimestamp();
        run();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }
}
