using SoftQRobotics.Pipelines.Figures;

namespace SoftQRobotics.Pipelines;

/// <summary>What the shaded band around a mean learning curve shows.</summary>
public enum CurveBand
{
    /// <summary>mean ± one sample standard deviation across seeds</summary>
    StandardDeviation,

    /// <summary>the 95 % confidence interval of the mean across seeds (Student's t, n − 1 degrees of freedom)</summary>
    ConfidenceInterval95,
}

/// <summary>Learning curves from runs' metrics.csv: the mean across the runs of each group with a band, one line per group.</summary>
public static class LearningCurves
{
    /// <summary>Builds the SVG for <paramref name="runDirectories"/>, grouped by their config name (runs of the same config are seeds); band: ± 1 std.</summary>
    /// <param name="metric">a metrics.csv column</param>
    /// <exception cref="ArgumentException">no runs, or an unknown metric.</exception>
    /// <exception cref="InvalidDataException">a run is not a run directory, or a group has no epochs yet.</exception>
    public static string Plot(IReadOnlyList<string> runDirectories, string metric)
    {
        if (runDirectories.Count == 0) throw new ArgumentException("plot needs at least one run directory");
        var groups = runDirectories.Select(RunDirectory.Open)
            .GroupBy(GroupName)
            .Select(g => (g.Key, (IReadOnlyList<RunDirectory>)g.ToList()))
            .ToList();
        // the legend names each group by what its config name does not share with the others
        var shortNames = RunNames.Distinguishing(groups.Select(g => g.Key).ToList());
        return Plot(groups.Select((g, i) => (shortNames[i], g.Item2)).ToList(), metric, CurveBand.StandardDeviation);
    }

    /// <summary>One mean curve per group with the chosen band.</summary>
    /// <exception cref="ArgumentException">an unknown metric.</exception>
    /// <exception cref="InvalidDataException">a group has no epochs yet.</exception>
    public static string Plot(IReadOnlyList<(string Name, IReadOnlyList<RunDirectory> Runs)> groups, string metric, CurveBand band)
    {
        if (!RunDirectory.MetricColumns.Contains(metric)) throw new ArgumentException($"unknown metric '{metric}'; metrics.csv has: {string.Join(", ", RunDirectory.MetricColumns)}");
        string bandName = band == CurveBand.StandardDeviation ? "mean ± std over seeds" : "mean and 95 % CI over seeds";
        var chart = new SvgChart($"{metric} ({bandName})", "epoch", metric);
        int colour = 0;
        foreach (var (name, runs) in groups)
        {
            var curves = runs.Select(run => run.ReadMetrics()).Where(rows => rows.Count > 0).ToList();
            if (curves.Count == 0) throw new InvalidDataException($"{runs[0].Path}: metrics.csv has no epochs yet");
            int epochs = curves.Max(c => c.Count);
            var x = Enumerable.Range(1, epochs).Select(e => (double)e).ToArray();
            var (mean, low, high) = (new double[epochs], new double[epochs], new double[epochs]);
            for (int e = 0; e < epochs; e++)
            {
                var values = curves.Where(c => c.Count > e).Select(c => c[e][metric]).Where(double.IsFinite).ToArray();
                mean[e] = values.Length > 0 ? values.Average() : double.NaN;
                double halfWidth = HalfWidth(values, mean[e], band);
                (low[e], high[e]) = (mean[e] - halfWidth, mean[e] + halfWidth);
            }
            string color = SvgChart.Palette[colour++ % SvgChart.Palette.Length];
            chart.Band(color, x, low, high);
            chart.Line($"{name} (n={curves.Count})", color, x, mean);
        }
        return SvgChart.Document([chart], columns: 1, panelWidth: 720, panelHeight: 420);
    }

    /// <summary>Half the band's width around <paramref name="mean"/> (0 with fewer than two values).</summary>
    public static double HalfWidth(IReadOnlyList<double> values, double mean, CurveBand band)
    {
        int n = values.Count;
        if (n < 2) return 0;
        double std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (n - 1));
        return band == CurveBand.StandardDeviation ? std : StudentT975(n - 1) * std / Math.Sqrt(n);
    }

    /// <summary>The 0.975 quantile of Student's t with <paramref name="degrees"/> degrees of freedom (table to 30, then the normal's 1.96).</summary>
    public static double StudentT975(int degrees) => degrees switch
    {
        < 1 => throw new ArgumentOutOfRangeException(nameof(degrees)),
        <= 30 => TQuantiles[degrees - 1],
        _ => 1.959964,
    };

    private static readonly double[] TQuantiles =
    [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];

    /// <summary>The config a run was made from (run.json "name"); runs of one config are seeds of one curve.</summary>
    private static string GroupName(RunDirectory run)
    {
        var info = run.ReadRunInfo();
        return info["name"]?.GetValue<string>() ?? $"{info["task"]} {info["algorithm"]}";
    }
}
