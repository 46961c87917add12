using System.CommandLine;
using SoftQRobotics.Pipelines;

namespace SoftQRobotics.Cli.Commands;

/// <summary><c>softq plot RUN_DIR... -o FILE.svg</c>: learning curves, mean ± std over the runs of each config.</summary>
internal static class PlotCommand
{
    internal static Command Create()
    {
        var runs = new Argument<string[]>("run-dirs") { Description = "run directories (runs of the same config are averaged)", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output", "-o") { Description = "SVG file to write", Required = true };
        var metric = new Option<string>("--metric") { Description = "metrics.csv column on the y axis", DefaultValueFactory = _ => "average_return" };
        var command = new Command("plot", "Plot learning curves from runs' metrics.csv as SVG.") { runs, output, metric };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            string svg = LearningCurves.Plot(parse.GetRequiredValue(runs), parse.GetRequiredValue(metric));
            string path = parse.GetRequiredValue(output);
            File.WriteAllText(path, svg);
            Console.Error.WriteLine($"wrote {path}");
            return 0;
        }));
        return command;
    }
}
