namespace SoftQRobotics.Envs.Arenas;

/// <summary>
/// The Fig. 3b threshold: the smallest distance to the goal that a robot can reach while it stays in
/// the maze's upper passage. The upper passage is the free space above the divider (y ≥ the divider's
/// top edge); the robot's centre of mass keeps at least <c>clearance</c> (its torso radius) from every
/// wall face. The distance is minimised over a fine grid of such points.
/// </summary>
public static class MazeThreshold
{
    /// <summary>Computes the threshold for <paramref name="arena"/> (needs a goal and a wall named "divider").</summary>
    /// <param name="clearance">smallest distance from the centre of mass to a wall (the torso sphere's radius)</param>
    /// <param name="step">grid spacing in metres</param>
    public static (double Distance, double X, double Y) Compute(ArenaTable arena, double clearance, double step = 0.005)
    {
        // a body of zero size could slide along wall faces into the goal pocket: the threshold needs a body
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(clearance);
        var (gx, gy) = arena.Goal ?? throw new InvalidDataException($"arena '{arena.Name}' has no goal");
        var divider = arena.Walls.FirstOrDefault(w => w.Name == "divider");
        if (divider.Name is null) throw new InvalidDataException($"arena '{arena.Name}' has no wall named 'divider'");
        double xMin = arena.Walls.Min(w => w.X0), xMax = arena.Walls.Max(w => w.X1), yMax = arena.Walls.Max(w => w.Y1);

        var best = (Distance: double.PositiveInfinity, X: double.NaN, Y: double.NaN);
        for (double x = xMin; x <= xMax; x += step)
        {
            for (double y = divider.Y1; y <= yMax; y += step)
            {
                if (arena.Walls.Any(w => DistanceToRectangle(w, x, y) < clearance)) continue;
                double d = Math.Sqrt((x - gx) * (x - gx) + (y - gy) * (y - gy));
                if (d < best.Distance) best = (d, x, y);
            }
        }
        return best;
    }

    private static double DistanceToRectangle(Wall w, double x, double y)
    {
        double dx = Math.Max(Math.Max(w.X0 - x, 0), x - w.X1);
        double dy = Math.Max(Math.Max(w.Y0 - y, 0), y - w.Y1);
        return Math.Sqrt(dx * dx + dy * dy);
    }
}
