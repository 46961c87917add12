using System.CommandLine;
using SoftQRobotics.Cli.Commands;

var root = new RootCommand("SoftQRobotics: maximum-entropy reinforcement learning (soft Q-learning) on MuJoCo robots.");
root.Subcommands.Add(TrainCommand.Train());
root.Subcommands.Add(TrainCommand.Finetune());
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(PlotCommand.Create());
root.Subcommands.Add(FigureCommand.Create());
root.Subcommands.Add(RenderCommand.Create());
root.Subcommands.Add(SweepCommand.Create());
root.Subcommands.Add(SimulateCommand.Create());
root.Subcommands.Add(TasksCommand.Create());
root.Subcommands.Add(BenchCommand.Create());

// Ctrl-C / SIGTERM cancel the running command, which then checkpoints; give it time to finish writing
return root.Parse(args).Invoke(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromMinutes(5) });
