using System.Globalization;
using System.Text;
using SoftQRobotics.Envs;
using SoftQRobotics.Envs.Tasks;

namespace SoftQRobotics.Pipelines.Sweeps;

/// <summary>One seed's line of a sweep report.</summary>
/// <param name="Sweep">the sweep folder</param>
/// <param name="Seed">the seed</param>
/// <param name="Status">not_started, running, interrupted or completed</param>
/// <param name="EpochsDone">metric rows written</param>
/// <param name="Epochs">epochs configured</param>
/// <param name="FinalReturn">average evaluation return of the last epoch (NaN before the first)</param>
/// <param name="BestReturn">best average evaluation return over the epochs</param>
/// <param name="MetricName">the experiment's own measure (see <see cref="SweepReport.ExperimentMetric"/>)</param>
/// <param name="MetricValue">its value at the last epoch</param>
/// <param name="Outcome">the task's outcome at the last epoch (metrics.csv's outcome_ columns; empty before the first epoch or for runs of older builds)</param>
/// <param name="Succeeded">whether the run succeeded as the paper counts runs (outcome_success), null where it does not count them</param>
public sealed record SeedReport(string Sweep, int Seed, string Status, int EpochsDone, int Epochs,
    double FinalReturn, double BestReturn, string MetricName, double MetricValue,
    IReadOnlyDictionary<string, double> Outcome, bool? Succeeded);

/// <summary>A sweep's count of seeds that succeeded, e.g. "4/5 seeds: most episodes end forward past the finish line".</summary>
/// <param name="Sweep">the sweep folder</param>
/// <param name="Name">its config name</param>
/// <param name="Succeeded">seeds whose last epoch succeeded</param>
/// <param name="Judged">seeds with an outcome</param>
/// <param name="Success">what success means for the task</param>
public sealed record SweepCount(string Sweep, string Name, int Succeeded, int Judged, string Success);

/// <summary>
/// The state of one or more sweeps (local or Slurm alike): a table of seeds × status × epochs ×
/// final and best evaluation return × the experiment's own measure, and the learning curves
/// (mean and 95 % confidence band across seeds, one curve per sweep).
/// </summary>
public static class SweepReport
{
    /// <summary>One line per seed of every sweep, sweeps in the given order, seeds ascending.</summary>
    /// <exception cref="InvalidDataException">a folder is not a sweep, or a run's files are malformed.</exception>
    public static List<SeedReport> Build(IReadOnlyList<string> sweepDirectories)
    {
        var lines = new List<SeedReport>();
        foreach (var sweep in sweepDirectories.Select(SweepDirectory.Open))
        {
            var config = RunConfig.Load(sweep.ConfigFile);
            int epochs = sweep.Manifest.Epochs ?? config.Epochs;
            foreach (int seed in sweep.Manifest.Seeds.Order())
            {
                var status = sweep.StatusOf(seed);
                var rows = status == SeedStatus.NotStarted ? [] : new RunDirectory(sweep.SeedDirectory(seed)).ReadMetrics();
                var (metricName, metricValue) = ExperimentMetric(config.Task, sweep.SeedDirectory(seed), rows);
                var outcome = rows.Count > 0 ? rows[^1].OutcomeValues().ToDictionary(v => v.Name, v => v.Value) : [];
                lines.Add(new SeedReport(sweep.Path, seed, SweepDirectory.Describe(status), rows.Count, epochs,
                    rows.Count > 0 ? rows[^1].AverageReturn : double.NaN,
                    rows.Count > 0 ? rows.Max(r => r.AverageReturn) : double.NaN,
                    metricName, metricValue, outcome, outcome.TryGetValue("success", out double s) ? s == 1 : null));
            }
        }
        return lines;
    }

    /// <summary>
    /// The measure the paper reports for <paramref name="task"/>, at the last epoch: multigoal — how many
    /// of the four goals the evaluation episodes came within 1 of; swimmer — the mean final
    /// centre-of-mass x (progress towards the finish line); ant goal tasks — the best final distance to
    /// the goal so far (Fig. 3b's statistic); otherwise the mean final centre-of-mass x.
    /// </summary>
    public static (string Name, double Value) ExperimentMetric(string task, string runDirectory, List<EpochMetrics> rows)
    {
        if (task == "multigoal")
        {
            if (rows.Count == 0) return ("goals_reached", double.NaN);
            string traces = Path.Combine(runDirectory, "evaluation", $"epoch_{rows[^1].Epoch:D4}.csv");
            return ("goals_reached", File.Exists(traces) ? GoalsReached(RunDirectory.ReadTraces(traces)) : double.NaN);
        }
        bool hasGoal = task is "ant-maze" or "ant-u-maze" or "ant-hallway-wide" or "ant-hallway-narrow";
        if (rows.Count == 0) return (hasGoal ? "distance_to_goal" : "progress", double.NaN);
        return hasGoal ? ("distance_to_goal", rows[^1].FinalDistanceSoFar) : ("progress", rows[^1].FinalComX);
    }

    /// <summary>How many multi-goal goals some episode's trace passes within 1 of.</summary>
    public static int GoalsReached(List<List<(double X, double Y)>> episodes) =>
        MultiGoal.Goals.Count(g => episodes.Any(trace => trace.Any(p => Math.Sqrt((p.X - g.X) * (p.X - g.X) + (p.Y - g.Y) * (p.Y - g.Y)) < 1.0)));

    /// <summary>Per sweep whose task counts successful runs: how many of its judged seeds succeeded at their last epoch.</summary>
    /// <exception cref="InvalidDataException">a folder is not a sweep.</exception>
    public static List<SweepCount> Counts(IReadOnlyList<SeedReport> lines)
    {
        var counts = new List<SweepCount>();
        foreach (var group in lines.GroupBy(l => l.Sweep))
        {
            var sweep = SweepDirectory.Open(group.Key);
            if (TaskRegistry.Get(RunConfig.Load(sweep.ConfigFile).Task).Success is not { } success) continue;
            var judged = group.Where(l => l.Succeeded is not null).ToList();
            counts.Add(new SweepCount(group.Key, sweep.Manifest.Name, judged.Count(l => l.Succeeded == true), judged.Count, success));
        }
        return counts;
    }

    /// <summary>The table as fixed-width text, one header line and one line per seed, then each sweep's count of seeds that succeeded.</summary>
    public static string Table(IReadOnlyList<SeedReport> lines)
    {
        var s = new StringBuilder();
        s.Append(CultureInfo.InvariantCulture, $"{"sweep",-40} {"seed",4} {"status",-12} {"epochs",9} {"final_return",12} {"best_return",12}  metric  outcome\n");
        foreach (var l in lines)
        {
            string sweep = Path.GetFileName(l.Sweep);
            if (sweep.Length > 40) sweep = "…" + sweep[^39..];
            string outcome = string.Join(' ', l.Outcome.Where(o => o.Key is not ("episodes" or "success")).Select(o => FormattableString.Invariant($"{o.Key} {o.Value:G4}")));
            if (l.Outcome.TryGetValue("episodes", out double episodes)) outcome += FormattableString.Invariant($" (of {episodes:G4} episodes)");
            s.Append(CultureInfo.InvariantCulture,
                $"{sweep,-40} {l.Seed,4} {l.Status,-12} {$"{l.EpochsDone}/{l.Epochs}",9} {l.FinalReturn,12:F3} {l.BestReturn,12:F3}  {l.MetricName} {l.MetricValue:G4}  {outcome}\n");
        }
        foreach (var c in Counts(lines))
        {
            s.Append(CultureInfo.InvariantCulture, $"{c.Name}: {c.Succeeded}/{c.Judged} seeds {c.Success} ({Path.GetFileName(c.Sweep)})\n");
        }
        return s.ToString();
    }

    /// <summary>Learning curves of <paramref name="metric"/>: one mean curve per sweep with its 95 % confidence band across seeds.</summary>
    /// <exception cref="InvalidDataException">a sweep has no finished epoch yet.</exception>
    public static string Figure(IReadOnlyList<string> sweepDirectories, string metric)
    {
        var groups = new List<(string, IReadOnlyList<RunDirectory>)>();
        foreach (var sweep in sweepDirectories.Select(SweepDirectory.Open))
        {
            var runs = sweep.Manifest.Seeds.Where(s => sweep.StatusOf(s) != SeedStatus.NotStarted)
                .Select(s => new RunDirectory(sweep.SeedDirectory(s))).ToList();
            if (runs.Count == 0) throw new InvalidDataException($"{sweep.Path}: no seed has started yet");
            groups.Add((sweep.Manifest.Name, runs));
        }
        return LearningCurves.Plot(groups, metric, CurveBand.ConfidenceInterval95);
    }
}
