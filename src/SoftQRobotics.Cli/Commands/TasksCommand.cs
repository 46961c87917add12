using System.CommandLine;
using SoftQRobotics.Envs;

namespace SoftQRobotics.Cli.Commands;

/// <summary><c>softq tasks</c>: lists the task catalogue, or exports a task's generated model.</summary>
internal static class TasksCommand
{
    internal sealed record TaskRow(string Name, int ObservationSize, int ActionSize, int Horizon, double StepSeconds, string Description);

    internal static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "print a JSON array instead of a table" };
        var export = new Option<string[]>("--export")
        {
            Description = "write task NAME's MuJoCo model (with its arena) to PATH: --export NAME PATH",
            Arity = new ArgumentArity(2, 2),
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("tasks", "List the tasks (observation and action sizes, horizon), or export a task's model.") { json, export };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            if (parse.GetValue(export) is [var name, var path])
            {
                string xml = TaskRegistry.Get(name).ModelXml
                             ?? throw new ArgumentException($"task '{name}' has no MuJoCo model (it is pure C#)");
                File.WriteAllText(path, xml);
                Console.Error.WriteLine($"wrote {name}'s model to {path}");
                return 0;
            }
            var rows = TaskRegistry.Names.Select(n => TaskRegistry.Get(n).Spec)
                .Select(s => new TaskRow(s.Name, s.ObservationSize, s.ActionSize, s.Horizon, s.StepSeconds, s.Description)).ToArray();
            if (parse.GetValue(json))
            {
                CommandRunner.WriteJson(rows);
                return 0;
            }
            Console.WriteLine($"{"task",-20} {"obs",4} {"act",4} {"T",5}  description");
            foreach (var r in rows) Console.WriteLine($"{r.Name,-20} {r.ObservationSize,4} {r.ActionSize,4} {r.Horizon,5}  {r.Description}");
            return 0;
        }));
        return command;
    }
}
