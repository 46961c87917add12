using SoftQRobotics.Pipelines.Figures;

namespace SoftQRobotics.Pipelines;

/// <summary>Learning curves from runs' metrics.csv: mean ± 1 std across the runs of each group, one line per group.</summary>
public static class LearningCurves
{
    /// <summary>Builds the SVG for <paramref name="runDirectories"/>, grouped by their config name (runs of the same config are seeds).</summary>
    /// <param name="metric">a metrics.csv column</param>
    public static string Plot(IReadOnlyList<string> runDirectories, string metric)
    {
        if (runDirectories.Count == 0) throw new ArgumentException("plot needs at least one run directory");
        if (!RunDirectory.MetricColumns.Contains(metric)) throw new ArgumentException($"unknown metric '{metric}'; metrics.csv has: {string.Join(", ", RunDirectory.MetricColumns)}");
        var groups = runDirectories.Select(RunDirectory.Open)
            .GroupBy(run => GroupName(run))
            .ToList();
        var chart = new SvgChart($"{metric} (mean ± std over seeds)", "epoch", metric);
        int colour = 0;
        foreach (var group in groups)
        {
            var curves = group.Select(run => run.ReadMetrics()).Where(rows => rows.Count > 0).ToList();
            if (curves.Count == 0) throw new InvalidDataException($"{group.First().Path}: metrics.csv has no epochs yet");
            int epochs = curves.Max(c => c.Count);
            var x = Enumerable.Range(1, epochs).Select(e => (double)e).ToArray();
            var mean = new double[epochs];
            var std = new double[epochs];
            for (int e = 0; e < epochs; e++)
            {
                var values = curves.Where(c => c.Count > e).Select(c => c[e][metric]).Where(double.IsFinite).ToArray();
                mean[e] = values.Length > 0 ? values.Average() : double.NaN;
                std[e] = values.Length > 1 ? Math.Sqrt(values.Sum(v => (v - mean[e]) * (v - mean[e])) / (values.Length - 1)) : 0;
            }
            string color = SvgChart.Palette[colour++ % SvgChart.Palette.Length];
            chart.Band(color, x, mean.Zip(std, (m, s) => m - s).ToArray(), mean.Zip(std, (m, s) => m + s).ToArray());
            chart.Line($"{group.Key} (n={curves.Count})", color, x, mean);
        }
        return SvgChart.Document([chart], columns: 1, panelWidth: 720, panelHeight: 420);
    }

    /// <summary>The config a run was made from (run.json "name"); runs of one config are seeds of one curve.</summary>
    private static string GroupName(RunDirectory run)
    {
        var info = run.ReadRunInfo();
        return info["name"]?.GetValue<string>() ?? $"{info["task"]} {info["algorithm"]}";
    }
}
