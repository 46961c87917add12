using System.CommandLine;
using SoftQRobotics.Pipelines.Figures;

namespace SoftQRobotics.Cli.Commands;

/// <summary><c>softq figure NAME RUN_DIR... -o FILE.svg</c>: the paper's figures from run directories.</summary>
internal static class FigureCommand
{
    internal static Command Create()
    {
        var name = new Argument<string>("name") { Description = $"figure: {string.Join(", ", PaperFigures.Names)}" };
        name.AcceptOnlyFromAmong(PaperFigures.Names);
        var runs = new Argument<string[]>("run-dirs") { Description = "run directories", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output", "-o") { Description = "SVG file to write", Required = true };
        var command = new Command("figure", "Regenerate one of the paper's figures (Fig. 1, 3a/6, 3b, 5, 7) from run directories as SVG.") { name, runs, output };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            string svg = PaperFigures.Build(parse.GetRequiredValue(name), parse.GetRequiredValue(runs));
            string path = parse.GetRequiredValue(output);
            File.WriteAllText(path, svg);
            Console.Error.WriteLine($"wrote {path}");
            return 0;
        }));
        return command;
    }
}
