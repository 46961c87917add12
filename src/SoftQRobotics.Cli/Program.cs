using System.CommandLine;
using SoftQRobotics.Cli.Commands;

var root = new RootCommand("SoftQRobotics: maximum-entropy reinforcement learning (soft Q-learning) on MuJoCo robots.");
root.Subcommands.Add(SimulateCommand.Create());
root.Subcommands.Add(TasksCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
return root.Parse(args).Invoke();
