using System.CommandLine;
using SoftQRobotics.Cli;
using SoftQRobotics.Cli.Commands;
using SoftQRobotics.Learning.Blas;

var root = new RootCommand("SoftQRobotics: maximum-entropy reinforcement learning (soft Q-learning) on MuJoCo robots.");
root.Subcommands.Add(TrainCommand.Train());
root.Subcommands.Add(TrainCommand.Finetune());
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(PlotCommand.Create());
root.Subcommands.Add(FigureCommand.Create());
root.Subcommands.Add(RenderCommand.Create());
root.Subcommands.Add(SweepCommand.Create());
root.Subcommands.Add(ReportCommand.Create());
root.Subcommands.Add(SimulateCommand.Create());
root.Subcommands.Add(TasksCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(SelfTestCommand.Create());

var parse = root.Parse(args.Length == 0 ? ["--help"] : args);
if (parse.Errors.Count > 0) return CommandRunner.UsageError(parse);

// a misspelt SOFTQ_GEMM fails here, before a command creates anything
if (CommandRunner.Run(() => { Gemm.CheckEnvironment(); return 0; }) is not 0 and var failure) return failure;

// termination signals are the commands' own business (StopSignals: training checkpoints, a sweep stops its
// seeds); System.CommandLine's handler is off, it fails on a repeated SIGTERM
return parse.Invoke(new InvocationConfiguration { ProcessTerminationTimeout = null });
