using SoftQRobotics.Envs.Arenas;
using SoftQRobotics.Envs.Mujoco;
using SoftQRobotics.Envs.Tasks;
using SoftQRobotics.Mujoco;

namespace SoftQRobotics.Envs.Rendering;

/// <summary>Which view of a task to render.</summary>
public enum CameraView
{
    /// <summary>Follows the robot's torso from behind and above.</summary>
    Track,

    /// <summary>
    /// Straight down, framing the whole arena (walls, goal, the maze's threshold disc) or the robot's working area (the swimmer:
    /// its start and the finish line); without walls it follows the robot once it nears the frame's edge.
    /// </summary>
    Top,
}

/// <summary>The cameras of the MuJoCo tasks, as data: framing follows from the arena table and the image's aspect.</summary>
public static class TaskCameras
{
    private const double Margin = 1.08;

    /// <summary>Parses "track" or "top".</summary>
    /// <exception cref="ArgumentException">any other name (the message lists the valid ones).</exception>
    public static CameraView Parse(string name) => name switch
    {
        "track" => CameraView.Track,
        "top" => CameraView.Top,
        _ => throw new ArgumentException($"unknown camera '{name}': use track or top"),
    };

    /// <summary>The camera <paramref name="view"/> of <paramref name="env"/> for an image of <paramref name="width"/> × <paramref name="height"/>.</summary>
    public static MjCamera For(MujocoEnv env, CameraView view, int width, int height)
    {
        var model = env.Data.Model;
        int torso = model.Id(MjObjectType.Body, "torso");
        bool swimmer = env.Task is SwimmerFinishLine;
        if (view == CameraView.Track)
        {
            return swimmer ? MjCamera.Tracking(torso, distance: 3.0, azimuth: 90, elevation: -60)
                           : MjCamera.Tracking(torso, distance: 6.0, azimuth: 90, elevation: -35);
        }
        var (x0, x1, y0, y1, top) = env.Task switch
        {
            AntTask { Arena: { } arena } => Extent(arena),
            SwimmerFinishLine => (-2.0, 3.5, -1.5, 1.5, 0.0),   // the body spans x in [−1.5, 1.5] at the start; the line is at 1.5
            _ => (-8.0, 8.0, -6.0, 6.0, 0.0),
        };
        return Framing(model, x0, x1, y0, y1, top, width, height);
    }

    /// <summary>
    /// The top camera for the current frame: <paramref name="camera"/> moved just enough that the robot's centre of mass stays
    /// a body length inside the frame (tasks without walls; an arena is framed whole and the camera stays).
    /// </summary>
    public static MjCamera Follow(MjCamera camera, MujocoEnv env, int width, int height)
    {
        if (env.Task is AntTask { Arena: not null }) return camera;
        var model = env.Data.Model;
        var com = env.Data.BodySubtreeCom(model.Id(MjObjectType.Body, "torso"));
        double halfY = camera.Distance * Math.Tan(model.FreeCameraFovy * Math.PI / 360), halfX = halfY * width / height;
        double body = env.Task is SwimmerFinishLine ? 1.6 : 1.0;   // the swimmer's three links span ±1.5 around its centre of mass; the ant's legs about 1
        double x = Keep(camera.LookAtX, com[0], halfX - body), y = Keep(camera.LookAtY, com[1], halfY - body);
        return camera with { LookAtX = x, LookAtY = y };
    }

    /// <summary>The centre closest to <paramref name="centre"/> that keeps <paramref name="point"/> within <paramref name="reach"/> of it.</summary>
    private static double Keep(double centre, double point, double reach) =>
        reach <= 0 ? point : Math.Clamp(centre, point - reach, point + reach);

    /// <summary>A top-down camera at whose distance the rectangle [x0, x1] × [y0, y1] at height <paramref name="top"/> fits the image.</summary>
    public static MjCamera Framing(MjModel model, double x0, double x1, double y0, double y1, double top, int width, int height)
    {
        double tanHalf = Math.Tan(model.FreeCameraFovy * Math.PI / 360);
        double aspect = (double)width / height;
        double halfY = Math.Max((y1 - y0) / 2, (x1 - x0) / 2 / aspect) * Margin;
        return MjCamera.TopDown((x0 + x1) / 2, (y0 + y1) / 2, 0, top + halfY / tanHalf);
    }

    private static (double X0, double X1, double Y0, double Y1, double Top) Extent(ArenaTable arena) =>
        (arena.Walls.Min(w => w.X0), arena.Walls.Max(w => w.X1), arena.Walls.Min(w => w.Y0), arena.Walls.Max(w => w.Y1), arena.WallHeight);
}
