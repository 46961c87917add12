using SoftQRobotics.Core;
using SoftQRobotics.Envs;
using SoftQRobotics.Envs.Arenas;
using SoftQRobotics.Envs.Mujoco;
using SoftQRobotics.Envs.Rendering;
using SoftQRobotics.Mujoco;
using SoftQRobotics.Pipelines.Video;

namespace SoftQRobotics.Tests.Rendering;

/// <summary>Offscreen MuJoCo rendering (EGL, no display) checked against the simulation's geometry.</summary>
public class RenderingTests
{
    private const int Width = 320, Height = 240;

    [Fact]
    public void TopDownAntMaze_ShowsWallsWhereTheArenaTablePutsThem_AndFloorElsewhere()
    {
        using var env = MazeEnv(out var arena);
        var (camera, frame) = RenderTop(env);

        // wall tops: a 3 × 3 grid inside every wall footprint, at the wall height
        var wall = new List<double>();
        foreach (var w in arena.Walls)
        {
            for (int i = 1; i <= 3; i++)
            {
                for (int j = 1; j <= 3; j++)
                {
                    wall.Add(Brightness(frame, Project(env, camera, w.X0 + (w.X1 - w.X0) * i / 4, w.Y0 + (w.Y1 - w.Y0) * j / 4, arena.WallHeight)));
                }
            }
        }
        // floor: a grid inside the arena, away from walls (their tops overhang in perspective), the ant and the goal marker
        var floor = new List<double>();
        for (double x = -1.0; x <= 8.5; x += 0.25)
        {
            for (double y = -3.3; y <= 3.3; y += 0.25)
            {
                bool nearWall = arena.Walls.Any(w => x > w.X0 - 1.0 && x < w.X1 + 1.0 && y > w.Y0 - 1.0 && y < w.Y1 + 1.0);
                bool nearAnt = x * x + y * y < 1.5 * 1.5;
                bool nearGoal = (x - 8) * (x - 8) + y * y < 2.0 * 2.0;   // the goal marker and the threshold disc
                if (!nearWall && !nearAnt && !nearGoal) floor.Add(Brightness(frame, Project(env, camera, x, y, 0)));
            }
        }
        Assert.True(wall.Count == 9 * arena.Walls.Count && floor.Count > 100, $"{wall.Count} wall and {floor.Count} floor samples");
        Assert.True(wall.Min() > floor.Max() + 30, $"wall tops (darkest {wall.Min():F0}) must be brighter than the floor (brightest {floor.Max():F0})");
    }

    /// <summary>
    /// The swimmer's top view draws the finish line where the camera projects x = 1.5, and follows the swimmer once it nears
    /// the frame's edge; the maze's top view shows the threshold disc around the goal.
    /// </summary>
    [Fact]
    public void TopDownSwimmer_DrawsTheFinishLine_WhereTheCameraProjectsIt_AndFollowsTheSwimmer()
    {
        using var env = (MujocoEnv)TaskRegistry.Get("swimmer-finish-line").CreateEnv();
        env.Reset(0, new float[env.Spec.ObservationSize]);
        using var renderer = new MjRenderer(env.Data.Model, Width, Height);
        var camera = TaskCameras.For(env, CameraView.Top, Width, Height);
        var frame = new byte[Width * Height * 3];
        renderer.Render(env.Data, camera, frame);
        const double lineZ = -0.091;
        foreach (double y in new[] { -1.0, 0.7, 1.2 })   // away from the body (on the x axis)
        {
            Assert.True(Redness(frame, Project(env, camera, 1.5, y, lineZ)) > 60, $"no finish line at (1.5, {y})");
            Assert.True(Redness(frame, Project(env, camera, 1.5 - 0.25, y, lineZ)) < 20, $"red left of the line at y = {y}");
            Assert.True(Redness(frame, Project(env, camera, 1.5 + 0.25, y, lineZ)) < 20, $"red right of the line at y = {y}");
        }
        Assert.Equal(camera, TaskCameras.Follow(camera, env, Width, Height));   // at the start it frames start and line as it is

        // the swimmer 6 m further: the camera moves to keep it a body length inside, and the swimmer is in the image
        env.Data.Qpos[0] = 6;
        Mj.Forward(env.Data.Model, env.Data);
        var followed = TaskCameras.Follow(camera, env, Width, Height);
        double halfX = followed.Distance * Math.Tan(env.Data.Model.FreeCameraFovy * Math.PI / 360) * Width / Height;
        Assert.True(followed.LookAtX > camera.LookAtX && 6 - followed.LookAtX <= halfX - 1.6 + 1e-9, $"camera at x = {followed.LookAtX}");
        renderer.Render(env.Data, followed, frame);
        var (col, _) = Project(env, followed, 6, 0, 0);
        Assert.InRange(col, 0, Width - 1);
    }

    [Fact]
    public void TopDownAntMaze_ShowsTheThresholdDiscAroundTheGoal()
    {
        using var env = MazeEnv(out var arena);
        var (camera, frame) = RenderTop(env);
        var (gx, gy) = arena.Goal!.Value;
        double r = SoftQRobotics.Envs.Tasks.AntMaze.UpperPassageThreshold;
        // inside the disc (beside the goal marker) the floor is tinted blue; outside it is not
        double inside = Blueness(frame, Project(env, camera, gx, gy - 0.75 * r, 0)), outside = Blueness(frame, Project(env, camera, gx - 1.4 * r, gy - 0.2 * r, 0));
        Assert.True(inside > outside + 10, $"blue tint inside the disc {inside:F0}, outside {outside:F0}");
    }

    /// <summary>One frame of <paramref name="env"/>'s current state from its top camera.</summary>
    private static (MjCamera Camera, byte[] Frame) RenderTop(MujocoEnv env)
    {
        using var renderer = new MjRenderer(env.Data.Model, Width, Height);
        var camera = TaskCameras.For(env, CameraView.Top, Width, Height);
        var frame = new byte[Width * Height * 3];
        renderer.Render(env.Data, camera, frame);
        return (camera, frame);
    }

    private static double Redness(byte[] frame, (double Col, double Row) at) => Channel(frame, at, 0) - (Channel(frame, at, 1) + Channel(frame, at, 2)) / 2;

    private static double Blueness(byte[] frame, (double Col, double Row) at) => Channel(frame, at, 2) - (Channel(frame, at, 0) + Channel(frame, at, 1)) / 2;

    private static double Channel(byte[] frame, (double Col, double Row) at, int channel)
    {
        int c = (int)Math.Round(at.Col), r = (int)Math.Round(at.Row);
        Assert.InRange(c, 0, Width - 1);
        Assert.InRange(r, 0, Height - 1);
        return frame[(r * Width + c) * 3 + channel];
    }

    [Fact]
    public void MovingAnt_ChangesConsecutiveFrames_AndItsImageFollowsTheTorso()
    {
        using var env = (MujocoEnv)TaskRegistry.Get("ant-open").CreateEnv();
        using var renderer = new MjRenderer(env.Data.Model, Width, Height);
        var camera = TaskCameras.For(env, CameraView.Top, Width, Height);
        var (observation, action) = (new float[125], new float[8]);
        var (previous, frame) = (new byte[Width * Height * 3], new byte[Width * Height * 3]);
        var rng = new Rng(4);
        env.Reset(0, observation);
        renderer.Render(env.Data, camera, previous);
        for (int t = 0; t < 5; t++)
        {
            rng.FillUniform(action, -1, 1);
            env.Step(action, observation);
            renderer.Render(env.Data, camera, frame);
            Assert.True(Differing(previous, frame) > 20, $"step {t}: consecutive frames of a moving ant should differ");
            frame.CopyTo(previous, 0);
        }

        // carry the ant to places across the floor: the centroid of its pixels follows the torso's projection
        int torso = env.Data.Model.Id(MjObjectType.Body, "torso");
        foreach (var (x, y) in new[] { (-5.0, 3.0), (0.0, 0.0), (4.0, -2.5), (6.0, 4.0) })
        {
            env.Reset(0, observation);
            (env.Data.Qpos[0], env.Data.Qpos[1]) = (x, y);
            Mj.Forward(env.Data.Model, env.Data, env.Task.AfterStep);
            renderer.Render(env.Data, camera, frame);
            var p = env.Data.BodyXpos(torso);
            var (col, row) = Project(env, camera, p[0], p[1], p[2]);
            var (cx, cy) = AntCentroid(frame);
            double pixelsPerMetre = PixelsPerMetre(env, camera, p[2]);
            Assert.True(Math.Abs(cx - col) < 0.4 * pixelsPerMetre && Math.Abs(cy - row) < 0.4 * pixelsPerMetre,
                $"ant at ({x}, {y}): image centroid ({cx:F1}, {cy:F1}), torso projects to ({col:F1}, {row:F1})");
        }
    }

    [Fact]
    public void TwoRenderers_OnTwoThreads_RenderTheSameState()
    {
        var frames = new byte[2][];
        var threads = Enumerable.Range(0, 2).Select(i => new Thread(() =>
        {
            using var env = MazeEnv(out _);
            using var renderer = new MjRenderer(env.Data.Model, Width, Height);
            var camera = TaskCameras.For(env, CameraView.Track, Width, Height);
            frames[i] = new byte[Width * Height * 3];
            for (int k = 0; k < 3; k++) renderer.Render(env.Data, camera, frames[i]);
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        Assert.All(frames, f => Assert.NotNull(f));
        Assert.True(frames[0].Distinct().Count() > 10, "the frame should not be blank");
        Assert.Equal(frames[0], frames[1]);
    }

    [Fact]
    public void Renderer_RejectsOtherThreads_WrongBuffers_AndBadSizes()
    {
        using var env = MazeEnv(out _);
        using var renderer = new MjRenderer(env.Data.Model, Width, Height);
        var camera = TaskCameras.For(env, CameraView.Top, Width, Height);
        Exception? fromOtherThread = null;
        var thread = new Thread(() => fromOtherThread = Record.Exception(() => renderer.Render(env.Data, camera, new byte[Width * Height * 3])));
        thread.Start();
        thread.Join();
        Assert.IsType<InvalidOperationException>(fromOtherThread);
        Assert.Throws<ArgumentException>(() => renderer.Render(env.Data, camera, new byte[10]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MjRenderer(env.Data.Model, 0, 10));
        Assert.Throws<ArgumentException>(() => TaskCameras.Parse("side"));
    }

    [Fact]
    public void Gif_DecodesWithFfmpeg_ToThePaletteColoursOfEveryFrame()
    {
        const int w = 37, h = 23, n = 6;
        string path = Path.Combine(TestPaths.ScratchDirectory(), "synthetic.gif");
        var rng = new Rng(9);
        var sources = new List<byte[]>();
        using (var gif = new GifWriter(path, w, h, fps: 20))
        {
            for (int f = 0; f < n; f++)
            {
                // smooth gradients (long LZW runs) plus noise (a table that fills and clears)
                var rgb = new byte[w * h * 3];
                for (int p = 0; p < w * h; p++)
                {
                    rgb[3 * p] = (byte)(p * 7 + f * 40);
                    rgb[3 * p + 1] = (byte)(p % w * 6);
                    rgb[3 * p + 2] = f % 2 == 0 ? (byte)rng.NextInt(256) : (byte)(p / w * 11);
                }
                sources.Add(rgb);
                gif.Add(rgb);
            }
            gif.Finish();
        }
        Assert.Equal((w, h, n), Ffmpeg.Probe(path));
        var decoded = Ffmpeg.DecodeRgb(path);
        Assert.Equal(n * w * h * 3, decoded.Length);
        for (int f = 0; f < n; f++)
        {
            for (int p = 0; p < w * h; p++)
            {
                var s = sources[f];
                var expected = GifWriter.PaletteColor(GifWriter.Quantize(s[3 * p], s[3 * p + 1], s[3 * p + 2]));
                int at = (f * w * h + p) * 3;
                Assert.True((decoded[at], decoded[at + 1], decoded[at + 2]) == expected, $"frame {f} pixel {p}: decoded ({decoded[at]}, {decoded[at + 1]}, {decoded[at + 2]}), palette colour {expected}");
            }
        }
    }

    [Fact]
    public void Png_DecodesWithFfmpeg_ExactlyToTheImage()
    {
        const int w = 19, h = 11;
        string path = Path.Combine(TestPaths.ScratchDirectory(), "synthetic.png");
        var rgb = new byte[w * h * 3];
        new Random(3).NextBytes(rgb);
        PngWriter.Write(path, rgb, w, h);
        Assert.Equal((w, h, 1), Ffmpeg.Probe(path));
        Assert.Equal(rgb, Ffmpeg.DecodeRgb(path));
    }

    [Theory]
    [InlineData(".gif", 160, 120, 21)]
    [InlineData(".png", 4 * 160 + 3 * 4, 3 * 120 + 2 * 4, 1)]
    [InlineData(".mp4", 160, 120, 21)]
    public void RenderedEpisode_HasTheRequestedSizeAndFrameCount(string extension, int width, int height, int frames)
    {
        string path = Path.Combine(TestPaths.ScratchDirectory(), "episode" + extension);
        var summary = EpisodeRenderer.Render(TaskRegistry.Get("ant-maze"), new RandomPolicy(1),
            new RenderRequest(1, CameraView.Track, 160, 120, Seed: 2, path, MaxSteps: 20));
        Assert.Equal(21, summary.Frames);
        Assert.Equal((width, height, frames), Ffmpeg.Probe(path));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, ".*.tmp"));
    }

    [Fact]
    public void Multigoal_IsRefusedWithAPointerToItsFigure()
    {
        var e = Assert.Throws<ArgumentException>(() => EpisodeRenderer.Render(TaskRegistry.Get("multigoal"), new ZeroPolicy(),
            new RenderRequest(1, CameraView.Top, 64, 48, 0, Path.Combine(TestPaths.ScratchDirectory(), "m.gif"))));
        Assert.Contains("softq figure multigoal", e.Message);
    }

    private static MujocoEnv MazeEnv(out ArenaTable arena)
    {
        var env = (MujocoEnv)TaskRegistry.Get("ant-maze").CreateEnv();
        env.Reset(0, new float[125]);
        arena = ((SoftQRobotics.Envs.Tasks.AntTask)env.Task).Arena!;
        return env;
    }

    /// <summary>Pinhole projection of a world point by a top-down camera (+x right, +y up): (column, row).</summary>
    private static (double Col, double Row) Project(MujocoEnv env, MjCamera camera, double x, double y, double z)
    {
        double f = PixelsPerMetre(env, camera, z);
        return (Width / 2.0 + f * (x - camera.LookAtX), Height / 2.0 - f * (y - camera.LookAtY));
    }

    /// <summary>Pixels per metre at height <paramref name="z"/> under a top-down camera.</summary>
    private static double PixelsPerMetre(MujocoEnv env, MjCamera camera, double z) =>
        Height / 2.0 / Math.Tan(env.Data.Model.FreeCameraFovy * Math.PI / 360) / (camera.LookAtZ + camera.Distance - z);

    private static double Brightness(byte[] frame, (double Col, double Row) at)
    {
        int c = (int)Math.Round(at.Col), r = (int)Math.Round(at.Row);
        Assert.InRange(c, 0, Width - 1);
        Assert.InRange(r, 0, Height - 1);
        int i = (r * Width + c) * 3;
        return (frame[i] + frame[i + 1] + frame[i + 2]) / 3.0;
    }

    private static int Differing(byte[] a, byte[] b) => Enumerable.Range(0, a.Length).Count(i => a[i] != b[i]);

    /// <summary>Centroid of the ant's orange pixels (red well above blue).</summary>
    private static (double X, double Y) AntCentroid(byte[] frame)
    {
        double sx = 0, sy = 0;
        int n = 0;
        for (int p = 0; p < Width * Height; p++)
        {
            int r = frame[3 * p], g = frame[3 * p + 1], b = frame[3 * p + 2];
            if (r > 110 && r - b > 60 && g > b) (sx, sy, n) = (sx + p % Width, sy + p / Width, n + 1);
        }
        Assert.True(n > 5, "no ant pixels found");
        return (sx / n, sy / n);
    }
}
