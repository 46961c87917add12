using System.Xml.Linq;
using SoftQRobotics.Envs.Arenas;
using SoftQRobotics.Pipelines.Figures;

namespace SoftQRobotics.Tests.Pipelines;

/// <summary>Each figure command on tiny real run directories: well-formed SVG with its expected elements.</summary>
public class FigureTests : IClassFixture<FigureTests.TinyRuns>
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private readonly TinyRuns _runs;

    public FigureTests(TinyRuns runs) => _runs = runs;

    [Fact]
    public void Multigoal_HasTrajectoriesGoalsAndQContours()
    {
        var doc = Figure("multigoal", _runs.Multigoal);
        Assert.Equal(4, doc.Descendants(Svg + "g").Count(g => (string?)g.Attribute("class") == "panel"));     // trajectories + 3 Q panels
        Assert.True(doc.Descendants(Svg + "path").Count(p => (string?)p.Attribute("class") == "contour") >= 4);
        Assert.True(doc.Descendants(Svg + "circle").Count() >= 4 + 3 * 100);                                  // goals + sampled actions
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value.Contains("Q((2.5, 2.5), a)"));
    }

    [Fact]
    public void Swimmer_HasOneCurvePerSeed_AndTheFinishLine()
    {
        var doc = Figure("swimmer", _runs.SwimmerSql, _runs.SwimmerDdpg);
        // per-seed panels (one series each) and the summary panel (one per seed)
        Assert.Equal(4, Series(doc));
        Assert.True(References(doc) >= 3);
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value == "epoch");
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value.Contains("finish line x = 1.5"));
        // runs whose configs differ only in the algorithm, and runs of one config: named by algorithm and seed
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value.StartsWith("SQL seed 0"));
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value.StartsWith("DDPG seed 0"));
        Assert.Contains(Figure("swimmer", _runs.SwimmerSql).Descendants(Svg + "text"), t => t.Value.StartsWith("SQL seed 0"));
    }

    [Fact]
    public void FinishLine_HasAColourNoRunHas()
    {
        // three configs (palette colours 0-2) and the two algorithms' own colours: the dashed finish line must not read as a run
        foreach (var doc in new[] { Figure("swimmer", _runs.SwimmerSql, _runs.SwimmerDdpg), Figure("swimmer", _runs.SwimmerSql, _runs.SwimmerSqlVariant, _runs.SwimmerDdpg) })
        {
            var runColours = doc.Descendants(Svg + "path").Where(p => (string?)p.Attribute("class") == "series").Select(p => (string?)p.Attribute("stroke")).ToHashSet();
            var lineColours = doc.Descendants(Svg + "line").Where(l => (string?)l.Attribute("class") == "reference").Select(l => (string?)l.Attribute("stroke")).ToHashSet();
            Assert.NotEmpty(lineColours);
            Assert.Empty(lineColours.Intersect(runColours));
        }
    }

    [Fact]
    public void Fig3aLegend_NamesEachColourOnce_WithItsSeeds()
    {
        var doc = Figure("swimmer", _runs.SwimmerSql, _runs.SwimmerSqlSeed2, _runs.SwimmerDdpg);
        Assert.Equal(6, Series(doc));     // three per-seed panels, three lines in the summary
        var legend = doc.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "legend").Select(g => g.Value).ToList();
        // the summary's lines: one entry per algorithm, SQL's naming both seeds; the per-seed panels keep their own entries
        Assert.Contains("SQL seeds 0, 2", legend);
        Assert.Contains("DDPG seed 0", legend);
        Assert.DoesNotContain(legend, name => name.StartsWith("SQL seed "));
    }

    [Fact]
    public void RunsOfTwoVariants_AreNamedAndColouredByWhatTheirConfigsDoNotShare()
    {
        var doc = Figure("swimmer", _runs.SwimmerSql, _runs.SwimmerSqlVariant);
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value.StartsWith("sql seed 0"));
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value.StartsWith("sql.alpha-0.5 seed 0"));
        var colours = doc.Descendants(Svg + "path").Where(p => (string?)p.Attribute("class") == "series").Select(p => (string?)p.Attribute("stroke")).Distinct().Count();
        Assert.True(colours >= 2, "one colour per config");
    }

    [Theory]
    [InlineData("swimmer-finish-line.sql.temp-alpha|swimmer-finish-line.sql.temp-reward-scale|swimmer-finish-line.sql.temp-reward-scale-output-lr", "alpha|reward-scale|reward-scale-output-lr")]
    [InlineData("swimmer-finish-line.sql.quick|swimmer-finish-line.ddpg.quick", "sql|ddpg")]
    [InlineData("ant-maze.sql|ant-maze.sql", "ant-maze.sql|ant-maze.sql")]
    [InlineData("a.sql|a.sql.long", "sql|sql.long")]
    public void DistinguishingNames_DropWhatEveryNameShares(string names, string expected)
    {
        Assert.Equal(expected.Split('|'), SoftQRobotics.Pipelines.RunNames.Distinguishing(names.Split('|')));
    }

    [Fact]
    public void Maze_HasOneCurvePerSeed_AndTheThreshold()
    {
        var doc = Figure("maze", _runs.MazeSql, _runs.MazeDdpg);
        Assert.Equal(2, Series(doc));
        Assert.Equal(1, References(doc));
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value.Contains("upper-passage threshold 1.75 m"));
    }

    [Fact]
    public void Finetune_HasOnePanelPerTask_AndOneCurvePerInitialisation()
    {
        var doc = Figure("finetune", _runs.FinetunedSql, _runs.HallwayDdpgScratch);
        Assert.Equal(2, Series(doc));
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value.Contains("MaxEnt (SQL) pretrained (n=1)"));
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value.Contains("DDPG from scratch (n=1)"));
    }

    [Fact]
    public void Pretrain_HasOnePanelPerRun_WithTraces()
    {
        var doc = Figure("pretrain", _runs.Pretrain);
        Assert.Equal(2, Series(doc));     // one trace per evaluation episode
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value.Contains("α = 0.1"));
    }

    [Fact]
    public void FigureOfTheWrongTask_IsAClearError()
    {
        var (code, _, stderr) = TestPaths.RunCli("figure", "swimmer", _runs.MazeSql, "-o", Path.Combine(_runs.Root, "x.svg"));
        Assert.NotEqual(0, code);
        Assert.Contains("figure 'swimmer' needs runs of swimmer-finish-line", stderr);
        Assert.Contains("is a run of ant-maze", stderr);
        Assert.False(File.Exists(Path.Combine(_runs.Root, "x.svg")));
    }

    [Fact]
    public void MazeThreshold_IsTheBarrierTopPlusTheTorsoRadius()
    {
        // free space above the divider: the closest point to the goal (8, 0) sits on top of the barrier
        // (y = 1.5) directly above the goal, one torso radius clear of it
        var (distance, x, y) = MazeThreshold.Compute(ArenaTable.Load("ant-maze"), clearance: 0.25, step: 0.01);
        Assert.Equal(1.75, distance, 2);
        Assert.Equal((8.0, 1.75), (Math.Round(x, 2), Math.Round(y, 2)));
        // a wider body: on top of the barrier at y = 2.0 beats the divider's corner, √(2.25² + 1²) ≈ 2.46
        Assert.Equal(2.0, MazeThreshold.Compute(ArenaTable.Load("ant-maze"), clearance: 0.5, step: 0.01).Distance, 2);
    }

    private XDocument Figure(string name, params string[] runs)
    {
        string output = Path.Combine(_runs.Root, $"{name}-{Guid.NewGuid():N}.svg");
        var (code, _, stderr) = TestPaths.RunCli(["figure", name, .. runs, "-o", output]);
        Assert.True(code == 0, stderr);
        return XDocument.Load(output);
    }

    private static int Series(XDocument doc) => doc.Descendants(Svg + "path").Count(p => (string?)p.Attribute("class") == "series");
    private static int References(XDocument doc) => doc.Descendants(Svg + "line").Count(l => (string?)l.Attribute("class") == "reference");

    /// <summary>Tiny trainings of every figure's task, made once for the class.</summary>
    public sealed class TinyRuns : IDisposable
    {
        public string Root { get; } = TestPaths.ScratchDirectory();
        public string Multigoal { get; }
        public string SwimmerSql { get; }
        public string SwimmerDdpg { get; }
        public string SwimmerSqlVariant { get; }
        /// <summary>The <see cref="SwimmerSql"/> config with seed 2.</summary>
        public string SwimmerSqlSeed2 { get; }
        public string MazeSql { get; }
        public string MazeDdpg { get; }
        public string Pretrain { get; }
        public string FinetunedSql { get; }
        public string HallwayDdpgScratch { get; }

        public TinyRuns()
        {
            Multigoal = Train("multigoal", "sql", episodes: 4);
            SwimmerSql = Train("swimmer-finish-line", "sql");
            SwimmerDdpg = Train("swimmer-finish-line", "ddpg");
            SwimmerSqlVariant = Train("swimmer-finish-line", "sql", variant: "alpha-0.5");
            SwimmerSqlSeed2 = Train("swimmer-finish-line", "sql", seed: 2);
            MazeSql = Train("ant-maze", "sql");
            MazeDdpg = Train("ant-maze", "ddpg");
            Pretrain = Train("ant-open", "sql");
            FinetunedSql = Train("ant-hallway-wide", "sql", from: Pretrain);
            HallwayDdpgScratch = Train("ant-hallway-wide", "ddpg");
        }

        private string Train(string task, string algorithm, int episodes = 2, string? from = null, string? variant = null, int seed = 0)
        {
            string name = $"{task}.{algorithm}{(from is null ? "" : ".finetune")}{(variant is null ? "" : $".{variant}")}";
            string config = Path.Combine(Root, name + ".yaml");
            File.WriteAllText(config, $"""
                task: {task}
                algorithm: {algorithm}
                epochs: 2
                epoch_length: 60
                min_pool_size: 64
                finetune_min_pool_size: 64
                replay_capacity: 1000
                evaluation_episodes: {episodes}
                hidden_sizes: [8, 8]
                frozen_noise_start: 4
                anneal_epochs: 2
                {(algorithm == "sql" ? "particles: 4\nvalue_particles: 4" : "")}
                {(variant is null ? "" : "alpha: 0.5")}
                """);
            string run = Path.Combine(Root, seed == 0 ? name : $"{name}.seed{seed}");
            string[] args = from is null
                ? ["train", "--config", config, "--seed", $"{seed}", "--run-dir", run]
                : ["finetune", "--from", from, "--config", config, "--run-dir", run];
            var (code, _, stderr) = TestPaths.RunCli(args);
            if (code != 0) throw new InvalidOperationException($"tiny training {name} failed: {stderr}");
            return run;
        }

        public void Dispose() => Directory.Delete(Root, recursive: true);
    }
}
