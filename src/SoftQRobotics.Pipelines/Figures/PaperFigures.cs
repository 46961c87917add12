using System.Globalization;
using SoftQRobotics.Envs;
using SoftQRobotics.Envs.Arenas;
using SoftQRobotics.Envs.Tasks;
using SoftQRobotics.Learning.Agents;
using SoftQRobotics.Learning.Nn;
using SoftQRobotics.Mujoco;

namespace SoftQRobotics.Pipelines.Figures;

/// <summary>The paper's figures (REPRODUCTION.md), regenerated from run directories as SVG.</summary>
public static class PaperFigures
{
    /// <summary>Figure names for <c>softq figure NAME</c>.</summary>
    public static readonly string[] Names = ["multigoal", "swimmer", "maze", "finetune", "pretrain"];

    /// <summary>Builds figure <paramref name="name"/> from <paramref name="runDirectories"/>.</summary>
    /// <exception cref="InvalidDataException">a run is of the wrong task, or has no metrics or checkpoint yet.</exception>
    public static string Build(string name, IReadOnlyList<string> runDirectories)
    {
        if (runDirectories.Count == 0) throw new ArgumentException("a figure needs at least one run directory");
        var runs = runDirectories.Select(Run.Open).ToList();
        // runs of several configs (e.g. two temperature forms, same seeds): name and colour each by what its config name
        // does not share with the others, or the panels look alike; runs that differ only in algorithm keep "SQL seed 0"
        var configs = runs.Select(r => r.ConfigName).Distinct().ToList();
        var shortNames = RunNames.Distinguishing(configs);
        if (configs.Count > 1 && !runs.All(r => string.Equals(shortNames[configs.IndexOf(r.ConfigName)], r.Config.Algorithm.ToString(), StringComparison.OrdinalIgnoreCase)))
        {
            foreach (var run in runs)
            {
                int config = configs.IndexOf(run.ConfigName);
                (run.Group, run.Color) = (shortNames[config], SvgChart.Palette[config % SvgChart.Palette.Length]);
            }
        }
        return name switch
        {
            "multigoal" => Multigoal(Require(runs, name, "multigoal")),
            "swimmer" => Swimmer(Require(runs, name, "swimmer-finish-line")),
            "maze" => Maze(Require(runs, name, "ant-maze")),
            "finetune" => Finetune(Require(runs, name, "ant-hallway-wide", "ant-hallway-narrow", "ant-u-maze")),
            "pretrain" => Pretrain(Require(runs, name, "ant-open")),
            _ => throw new ArgumentException($"unknown figure '{name}'; figures: {string.Join(", ", Names)}"),
        };
    }

    /// <summary>Fig. 1: trajectories over the reward's level curves; Q(s, ·) contours with sampler actions at three states.</summary>
    private static string Multigoal(List<Run> runs)
    {
        var panels = new List<SvgChart>();
        foreach (var run in runs)
        {
            // trajectories of the last evaluation over the reward landscape
            var trajectories = new SvgChart($"{run.Label}: evaluation trajectories", "x", "y") { XRange = (-7, 7), YRange = (-7, 7) };
            trajectories.Segments("#bbbbbb", Contours.Of(MultiGoal.RewardAt, -7, 7, 141, [0.3, 0.6, 1.0, 1.5, 2.0, 2.4]));
            foreach (var path in run.LastTraces()) trajectories.Line("", "#1f77b4", path.Select(p => p.X).ToArray(), path.Select(p => p.Y).ToArray(), 1.2);
            foreach (var (gx, gy) in MultiGoal.Goals) trajectories.Point(gx, gy, "#d62728", 6);
            panels.Add(trajectories);

            // Q(s, a) over the action square with the policy's actions, at the states the authors plotted
            var agent = run.LoadAgent();
            foreach (var state in new (float X, float Y)[] { (-2.5f, 0), (0, 0), (2.5f, 2.5f) })
            {
                var panel = new SvgChart($"{run.Label}: Q(({state.X}, {state.Y}), a)", "a₁", "a₂") { XRange = (-1, 1), YRange = (-1, 1) };
                var (grid, values) = QOnActionSquare(agent, state, 41);
                double low = values.Cast<double>().Min(), high = values.Cast<double>().Max();
                panel.Segments("#555555", Contours.Of(grid, values, Enumerable.Range(1, 9).Select(k => low + (high - low) * k / 10)));
                // act in batches no larger than the run's evaluation batch (the agents' workspaces are sized for it)
                var observations = Enumerable.Range(0, 100).SelectMany(_ => new[] { state.X, state.Y }).ToArray();
                var actions = new float[200];
                int chunk = run.Config.Trainer.EvaluationEpisodes;
                for (int start = 0; start < 100; start += chunk)
                {
                    int count = Math.Min(chunk, 100 - start);
                    agent.Act(observations.AsSpan(2 * start, 2 * count), actions.AsSpan(2 * start, 2 * count), count);
                }
                for (int i = 0; i < 100; i++) panel.Point(actions[2 * i], actions[2 * i + 1], "#d62728", 2.5);
                panels.Add(panel);
            }
        }
        return SvgChart.Document(panels, columns: 4, panelWidth: 360, panelHeight: 340, heading: "Multi-goal environment (Fig. 1)");
    }

    private static (double[] Grid, double[,] Values) QOnActionSquare(IAgent agent, (float X, float Y) state, int n)
    {
        var q = agent.Critic;
        var grid = Enumerable.Range(0, n).Select(i => -1 + 2.0 * i / (n - 1)).ToArray();
        var values = new double[n, n];
        var input = new float[n * 4];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++) (input[4 * j], input[4 * j + 1], input[4 * j + 2], input[4 * j + 3]) = (state.X, state.Y, (float)grid[i], (float)grid[j]);
            var row = q.Forward(input, n);
            for (int j = 0; j < n; j++) values[i, j] = row[j];
        }
        return (grid, values);
    }

    /// <summary>Fig. 6 per seed (forward distance with the min/max band over evaluation episodes) and Fig. 3a (maximum forward distance so far).</summary>
    private static string Swimmer(List<Run> runs)
    {
        var panels = new List<SvgChart>();
        var summary = new SvgChart("maximum forward distance so far (Fig. 3a)", "epoch", "forward distance (COM x)");
        var legend = LegendNames(runs);
        foreach (var run in runs)
        {
            var rows = run.Metrics();
            var epoch = Column(rows, "epoch");
            var panel = new SvgChart($"{run.Label}: forward distance (Fig. 6)", "epoch", "COM x progress");
            panel.Band(run.Color, epoch, Column(rows, "progress_min"), Column(rows, "progress_max"));
            panel.Line("mean over evaluation episodes", run.Color, epoch, Column(rows, "final_com_x"));
            panel.Reference("finish line x = 1.5", SvgChart.ReferenceColor, SwimmerFinishLine.FinishLine);
            panels.Add(panel);
            var best = RunningMax(Column(rows, "progress_max"));
            summary.Line(legend[run], run.Color, epoch, best);
        }
        summary.Reference("finish line x = 1.5", SvgChart.ReferenceColor, SwimmerFinishLine.FinishLine);
        panels.Insert(0, summary);
        return SvgChart.Document(panels, columns: 3, heading: "Swimmer with a finish line (Fig. 3a, Fig. 6)");
    }

    /// <summary>
    /// Fig. 3b: per seed, SQL against DDPG, the running minimum over epochs of the smallest final
    /// distance to the goal among the evaluation episodes (the authors' FinalDistanceFromGoal), with
    /// the upper-passage threshold. Runs written before that column existed fall back to the
    /// running minimum of the within-episode minimum distance.
    /// </summary>
    private static string Maze(List<Run> runs)
    {
        var arena = ArenaTable.Load("ant-maze");
        var model = TaskRegistry.Get("ant-maze").Model!;
        double torsoRadius = model.GeomSize[3 * model.Id(MjObjectType.Geom, "torso_geom")];
        var threshold = MazeThreshold.Compute(arena, torsoRadius);
        var chart = new SvgChart("final distance to the goal, best so far (Fig. 3b)", "epoch", "distance to goal (m)");
        var legend = LegendNames(runs);
        foreach (var run in runs)
        {
            var rows = run.Metrics();
            // runs from before the final distance was logged have only the per-episode minimum
            bool hasFinal = rows.Any(r => double.IsFinite(r.FinalDistanceSoFar));
            chart.Line(legend[run], run.Color, rows.Select(r => (double)r.Epoch).ToArray(),
                rows.Select(r => hasFinal ? r.FinalDistanceSoFar : r.MinDistanceSoFar).ToArray());
        }
        chart.Reference($"upper-passage threshold {threshold.Distance:F2} m", SvgChart.ReferenceColor, threshold.Distance);
        return SvgChart.Document([chart], columns: 1, panelWidth: 720, panelHeight: 440, heading: "Ant maze (Fig. 3b)");
    }

    /// <summary>Fig. 5: average discounted return, mean ± 1 std over seeds, per initialisation, one panel per task.</summary>
    private static string Finetune(List<Run> runs)
    {
        var panels = new List<SvgChart>();
        foreach (var task in runs.GroupBy(r => r.Task).OrderBy(g => g.Key))
        {
            var chart = new SvgChart(task.Key, "epoch", "average discounted return");
            foreach (var variant in task.GroupBy(r => r.Variant).OrderBy(g => g.Key))
            {
                var curves = variant.Select(r => r.Metrics()).ToList();
                int epochs = curves.Min(c => c.Count);
                var x = Enumerable.Range(1, epochs).Select(e => (double)e).ToArray();
                var values = Enumerable.Range(0, epochs).Select(e => curves.Select(c => c[e]["average_discounted_return"]).ToArray()).ToArray();
                var mean = values.Select(v => v.Average()).ToArray();
                var std = values.Select((v, e) => v.Length > 1 ? Math.Sqrt(v.Sum(y => (y - mean[e]) * (y - mean[e])) / (v.Length - 1)) : 0).ToArray();
                string color = variant.First().Color;
                chart.Band(color, x, mean.Zip(std, (m, s) => m - s).ToArray(), mean.Zip(std, (m, s) => m + s).ToArray());
                chart.Line($"{variant.Key} (n={curves.Count})", color, x, mean);
            }
            panels.Add(chart);
        }
        return SvgChart.Document(panels, columns: Math.Min(3, panels.Count), heading: "Fine-tuning (Fig. 5)");
    }

    /// <summary>Fig. 7: centre-of-mass traces of the last evaluation, one panel per run (seed or α).</summary>
    private static string Pretrain(List<Run> runs)
    {
        var panels = new List<SvgChart>();
        foreach (var run in runs)
        {
            var traces = run.LastTraces();
            double extent = Math.Max(2, traces.SelectMany(t => t).Max(p => Math.Max(Math.Abs(p.X), Math.Abs(p.Y))) * 1.05);
            string title = run.Config.Sql is { } sql ? $"{run.Label}, α = {sql.Alpha.ToString(CultureInfo.InvariantCulture)}" : run.Label;
            var chart = new SvgChart(title, "x", "y") { XRange = (-extent, extent), YRange = (-extent, extent) };
            foreach (var path in traces) chart.Line("", run.Color, path.Select(p => p.X).ToArray(), path.Select(p => p.Y).ToArray(), 1.2);
            chart.Point(0, 0, "#000000", 4);
            panels.Add(chart);
        }
        return SvgChart.Document(panels, columns: Math.Min(4, panels.Count), panelWidth: 340, panelHeight: 340, heading: "Ant pretraining: centre-of-mass traces (Fig. 7)");
    }

    private static List<Run> Require(List<Run> runs, string figure, params string[] tasks)
    {
        foreach (var run in runs)
        {
            if (!tasks.Contains(run.Task))
            {
                throw new InvalidDataException($"figure '{figure}' needs runs of {string.Join(" or ", tasks)}, but {run.Directory.Path} is a run of {run.Task}");
            }
            if (run.Metrics().Count == 0) throw new InvalidDataException($"{run.Directory.Path}: metrics.csv has no epochs yet");
        }
        return runs;
    }

    private static double[] Column(List<EpochMetrics> rows, string name) => rows.Select(r => r[name]).ToArray();

    private static double[] RunningMax(double[] values)
    {
        var result = new double[values.Length];
        double best = double.NegativeInfinity;
        for (int i = 0; i < values.Length; i++) result[i] = best = Math.Max(best, values[i]);
        return result;
    }

    /// <summary>
    /// Legend names for charts with one line per run and one colour per group: the group's first run carries the group
    /// and its seeds ("SQL seeds 0–4"), the others stay out of the legend (empty name); a group of one run keeps its label.
    /// </summary>
    private static Dictionary<Run, string> LegendNames(List<Run> runs)
    {
        var names = new Dictionary<Run, string>();
        foreach (var group in runs.GroupBy(r => (r.Group, r.Color)))
        {
            var members = group.ToList();
            var seeds = members.Select(r => r.Config.Seed).Distinct().Order().ToList();
            names[members[0]] = members.Count == 1 ? members[0].Label : $"{group.Key.Group} seeds {SeedRanges(seeds)}";
            foreach (var run in members.Skip(1)) names[run] = "";
        }
        return names;
    }

    /// <summary>Sorted seeds as ranges: [0, 1, 2, 4] → "0–2, 4".</summary>
    private static string SeedRanges(IReadOnlyList<int> sortedSeeds)
    {
        var parts = new List<string>();
        for (int i = 0; i < sortedSeeds.Count;)
        {
            int j = i;
            while (j + 1 < sortedSeeds.Count && sortedSeeds[j + 1] == sortedSeeds[j] + 1) j++;
            parts.Add(j == i ? $"{sortedSeeds[i]}" : $"{sortedSeeds[i]}–{sortedSeeds[j]}");
            i = j + 1;
        }
        return string.Join(", ", parts);
    }

    /// <summary>A run as the figures see it: task, variant (algorithm × initialisation), label and colour.</summary>
    private sealed class Run
    {
        private List<EpochMetrics>? _metrics;

        public required RunDirectory Directory { get; init; }
        public required RunConfig Config { get; init; }
        public required string Task { get; init; }
        public required string Variant { get; init; }
        /// <summary>What the run's colour stands for: the algorithm ("SQL", "DDPG"), or what its config name does not share with the others'.</summary>
        public required string Group { get; set; }
        public string Label => $"{Group} seed {Config.Seed}";
        /// <summary>The config the run was made from (run.json "name").</summary>
        public required string ConfigName { get; init; }
        public required string Color { get; set; }

        public static Run Open(string path)
        {
            var directory = RunDirectory.Open(path);
            var config = directory.LoadConfig();
            var info = directory.ReadRunInfo();
            bool finetuned = info["mode"]?.GetValue<string>() == "finetune";
            bool sql = config.Algorithm == AlgorithmName.Sql;
            string variant = (sql, finetuned) switch
            {
                (true, true) => "MaxEnt (SQL) pretrained",
                (false, true) => "DDPG pretrained",
                (false, false) => "DDPG from scratch",
                _ => "SQL from scratch",
            };
            string algorithm = sql ? "SQL" : "DDPG";
            return new Run
            {
                Directory = directory,
                Config = config,
                Task = config.Task,
                Variant = variant,
                Group = algorithm,
                ConfigName = info["name"]?.GetValue<string>() ?? $"{config.Task}.{algorithm.ToLowerInvariant()}",
                Color = (sql, finetuned) switch { (true, _) => "#1f77b4", (false, true) => "#ff7f0e", _ => "#d62728" },
            };
        }

        public List<EpochMetrics> Metrics() => _metrics ??= Directory.ReadMetrics();

        public List<List<(double X, double Y)>> LastTraces()
        {
            var last = System.IO.Directory.GetFiles(Directory.EvaluationFolder, "epoch_*.csv").Order().LastOrDefault()
                       ?? throw new InvalidDataException($"{Directory.Path}: no evaluation traces yet");
            return RunDirectory.ReadTraces(last);
        }

        public IAgent LoadAgent() => AgentFactory.FromCheckpoint(Directory, Config).Agent;
    }
}
