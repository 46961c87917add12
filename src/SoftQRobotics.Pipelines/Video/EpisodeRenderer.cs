using SoftQRobotics.Core;
using System.Diagnostics;
using SoftQRobotics.Envs;
using SoftQRobotics.Envs.Mujoco;
using SoftQRobotics.Envs.Rendering;
using SoftQRobotics.Envs.Vector;
using SoftQRobotics.Mujoco;

namespace SoftQRobotics.Pipelines.Video;

/// <summary>What to render: episodes, camera, image size, env seed (episode i starts with seed + i) and the output file.</summary>
/// <param name="MaxSteps">steps per episode at most (null: the whole episode, up to the task's horizon)</param>
public sealed record RenderRequest(int Episodes, CameraView Camera, int Width, int Height, int Seed, string Output, int? MaxSteps = null)
{
    /// <summary>Checks the request before any work is done.</summary>
    /// <exception cref="ArgumentException">a count or size out of range, or an unknown file extension.</exception>
    public void Validate()
    {
        if (Episodes < 1) throw new ArgumentException("--episodes must be at least 1");
        if (MaxSteps < 1) throw new ArgumentException("--max-steps must be at least 1");
        if (Width is < 1 or > 8192 || Height is < 1 or > 8192) throw new ArgumentException($"the image size must be between 1 and 8192 pixels per side (got {Width} × {Height})");
        if (!VideoFile.Extensions.Contains(Path.GetExtension(Output).ToLowerInvariant()))
        {
            throw new ArgumentException($"cannot write '{Path.GetExtension(Output)}' files: use {string.Join(", ", VideoFile.Extensions)}");
        }
    }
}

/// <summary>What a render produced.</summary>
/// <param name="Frames">frames written (initial state and every step of every episode)</param>
/// <param name="Fps">playback frames per second (real time: 1 / env step)</param>
/// <param name="Seconds">wall time of the whole render</param>
/// <param name="RenderFps">frames rendered per second of wall time (simulation and policy included)</param>
/// <param name="GlPath">the offscreen GL path that rendered</param>
/// <param name="Returns">undiscounted return of each episode</param>
public sealed record RenderSummary(string File, int Frames, double Fps, double Seconds, double RenderFps, int Width, int Height,
    string Camera, string GlPath, int Episodes, double[] Returns);

/// <summary>Plays episodes of a policy in a MuJoCo task and renders every state into a video, GIF or contact sheet.</summary>
public static class EpisodeRenderer
{
    /// <summary>The env of <paramref name="task"/> as a MuJoCo env.</summary>
    /// <exception cref="ArgumentException">the task is not simulated by MuJoCo (multigoal).</exception>
    public static MujocoEnv CreateEnv(TaskDefinition task)
    {
        var env = task.CreateEnv();
        if (env is MujocoEnv mujoco) return mujoco;
        env.Dispose();
        throw new ArgumentException($"{task.Spec.Name} is not a MuJoCo task and has nothing to render: its 2-D plot is 'softq figure multigoal'");
    }

    /// <summary>Renders <see cref="RenderRequest.Episodes"/> episodes of <paramref name="policy"/> on <paramref name="task"/>.</summary>
    /// <param name="progress">called after every frame with (frames done, frames expected)</param>
    /// <exception cref="ArgumentException">a bad request or a task without physics.</exception>
    /// <exception cref="MujocoException">no offscreen GL context, or rendering failed.</exception>
    /// <exception cref="IOException">the output could not be written; no partial file is left.</exception>
    public static RenderSummary Render(TaskDefinition task, IBatchPolicy policy, RenderRequest request, Action<int, int>? progress = null)
    {
        request.Validate();
        long start = Stopwatch.GetTimestamp();
        using var env = CreateEnv(task);
        var spec = env.Spec;
        using var renderer = new MjRenderer(env.Data.Model, request.Width, request.Height);
        var camera = TaskCameras.For(env, request.Camera, request.Width, request.Height);
        int steps = Math.Min(spec.Horizon, request.MaxSteps ?? spec.Horizon);
        int expected = request.Episodes * (steps + 1);
        double fps = 1 / spec.StepSeconds;
        using var sink = VideoFile.Create(request.Output, request.Width, request.Height, fps, expected);
        var frame = new byte[request.Width * request.Height * 3];
        var (observation, action) = (new float[spec.ObservationSize], new float[spec.ActionSize]);
        var returns = new double[request.Episodes];
        int frames = 0;
        void Shoot()
        {
            if (request.Camera == CameraView.Top) camera = TaskCameras.Follow(camera, env, request.Width, request.Height);
            renderer.Render(env.Data, camera, frame);
            sink.Add(frame);
            frames++;
            progress?.Invoke(frames, expected);
        }

        for (int episode = 0; episode < request.Episodes; episode++)
        {
            env.Reset(request.Seed + episode, observation);
            Shoot();
            for (int t = 0; t < steps; t++)
            {
                policy.Act(observation, action, 1);
                var step = env.Step(action, observation);
                returns[episode] += step.Reward;
                Shoot();
                if (step.Terminated || step.Truncated) break;
            }
        }
        sink.Finish();
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new RenderSummary(request.Output, frames, sink is GifWriter gif ? gif.Fps : fps, seconds, frames / seconds,
            request.Width, request.Height, request.Camera.ToString().ToLowerInvariant(), renderer.GlInfo, request.Episodes, returns);
    }
}

/// <summary>Uniform random actions in [−1, 1] (for looking at a task without a trained policy).</summary>
public sealed class RandomPolicy(int seed) : IBatchPolicy
{
    private readonly Rng _rng = new((ulong)seed);

    /// <inheritdoc/>
    public void Act(ReadOnlySpan<float> observations, Span<float> actions, int count) => _rng.FillUniform(actions, -1, 1);
}

/// <summary>All-zero actions: the robot's passive dynamics.</summary>
public sealed class ZeroPolicy : IBatchPolicy
{
    /// <inheritdoc/>
    public void Act(ReadOnlySpan<float> observations, Span<float> actions, int count) => actions.Clear();
}

/// <summary>An agent's noise-free policy as a batch policy.</summary>
public sealed class DeterministicPolicy(Learning.Agents.IAgent agent) : IBatchPolicy
{
    /// <inheritdoc/>
    public void Act(ReadOnlySpan<float> observations, Span<float> actions, int count) => agent.ActDeterministic(observations, actions, count);
}
