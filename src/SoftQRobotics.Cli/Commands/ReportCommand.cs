using System.CommandLine;
using SoftQRobotics.Pipelines;
using SoftQRobotics.Pipelines.Sweeps;

namespace SoftQRobotics.Cli.Commands;

/// <summary><c>softq report SWEEP_DIR... [-o curves.svg] [--json]</c>: seeds × status × epochs × returns × the experiment's measure.</summary>
internal static class ReportCommand
{
    internal static Command Create()
    {
        var sweeps = new Argument<string[]>("sweep-dirs") { Description = "sweep folders (local or Slurm)", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output", "-o") { Description = "also write the learning curves (mean and 95 % CI across seeds, one curve per sweep) as SVG" };
        var metric = new Option<string>("--metric") { Description = "metrics.csv column of the learning curves", DefaultValueFactory = _ => "average_return" };
        var json = new Option<bool>("--json") { Description = "print the table as JSON" };
        var command = new Command("report", "Summarise sweeps: one line per seed (status, epochs done, final and best evaluation return, the experiment's own measure) and their learning curves.")
        {
            sweeps, output, metric, json,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var dirs = parse.GetRequiredValue(sweeps);
            var lines = SweepReport.Build(dirs);
            if (parse.GetValue(json)) CommandRunner.WriteJson(new { Seeds = lines, Counts = SweepReport.Counts(lines) });
            else Console.Write(SweepReport.Table(lines));
            if (parse.GetValue(output) is { } path)
            {
                File.WriteAllText(path, SweepReport.Figure(dirs, parse.GetRequiredValue(metric)));
                Console.Error.WriteLine($"wrote {path}");
            }
            return 0;
        }));
        return command;
    }
}
