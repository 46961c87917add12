namespace SoftQRobotics.Pipelines.Figures;

/// <summary>Contour lines of a function sampled on a regular grid (marching squares).</summary>
public static class Contours
{
    /// <summary>Samples <paramref name="f"/> on an n × n grid over [min, max]² and returns the segments of each level.</summary>
    public static List<(double X1, double Y1, double X2, double Y2)> Of(Func<double, double, double> f, double min, double max, int n, IEnumerable<double> levels)
    {
        var xs = Enumerable.Range(0, n).Select(i => min + (max - min) * i / (n - 1)).ToArray();
        var values = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++) values[i, j] = f(xs[i], xs[j]);
        }
        return Of(xs, values, levels);
    }

    /// <summary>Segments where the grid function (values[i, j] at (xs[i], xs[j])) crosses each level.</summary>
    public static List<(double X1, double Y1, double X2, double Y2)> Of(double[] xs, double[,] values, IEnumerable<double> levels)
    {
        var segments = new List<(double, double, double, double)>();
        int n = xs.Length;
        foreach (double level in levels)
        {
            for (int i = 0; i < n - 1; i++)
            {
                for (int j = 0; j < n - 1; j++)
                {
                    // the cell's corners counter-clockwise from (i, j); collect the edge crossings
                    (double X, double Y, double V)[] c =
                    [
                        (xs[i], xs[j], values[i, j]), (xs[i + 1], xs[j], values[i + 1, j]),
                        (xs[i + 1], xs[j + 1], values[i + 1, j + 1]), (xs[i], xs[j + 1], values[i, j + 1]),
                    ];
                    var crossings = new List<(double X, double Y)>(4);
                    for (int e = 0; e < 4; e++)
                    {
                        var (a, b) = (c[e], c[(e + 1) % 4]);
                        if ((a.V < level) == (b.V < level)) continue;
                        double t = (level - a.V) / (b.V - a.V);
                        crossings.Add((a.X + t * (b.X - a.X), a.Y + t * (b.Y - a.Y)));
                    }
                    for (int k = 0; k + 1 < crossings.Count; k += 2) segments.Add((crossings[k].X, crossings[k].Y, crossings[k + 1].X, crossings[k + 1].Y));
                }
            }
        }
        return segments;
    }
}
