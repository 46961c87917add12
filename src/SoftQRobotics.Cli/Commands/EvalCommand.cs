using System.CommandLine;
using SoftQRobotics.Envs;
using SoftQRobotics.Envs.Vector;
using SoftQRobotics.Pipelines;

namespace SoftQRobotics.Cli.Commands;

/// <summary><c>softq eval RUN_DIR</c>: evaluation episodes of a run's last checkpoint.</summary>
internal static class EvalCommand
{
    internal sealed record EvalResult(
        string Run, string Task, string Algorithm, int Epoch, int Episodes, double AverageReturn, double StdReturn,
        double AverageDiscountedReturn, double AverageEpisodeLength, double FinalComX, double ProgressMin, double ProgressMax,
        double? MinDistanceToGoal, int Seed, Dictionary<string, double> Outcome, string OutcomeSummary);

    internal static Command Create()
    {
        var run = new Argument<string>("run-dir") { Description = "run directory" };
        var episodes = new Option<int>("--episodes") { Description = "evaluation episodes (run in parallel)", DefaultValueFactory = _ => 10 };
        var seed = new Option<int>("--seed") { Description = "seed of the evaluation envs", DefaultValueFactory = _ => 12345 };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var command = new Command("eval", "Evaluate a run's last checkpoint: stochastic policy (SQL) or deterministic actor (DDPG), no exploration noise.")
        {
            run, episodes, seed, json,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var result = Evaluate(parse.GetRequiredValue(run), parse.GetValue(episodes), parse.GetValue(seed));
            if (parse.GetValue(json))
            {
                CommandRunner.WriteJson(result);
                return 0;
            }
            Console.WriteLine($"{result.Run}: {result.Task} {result.Algorithm}, epoch {result.Epoch}, {result.Episodes} episodes");
            Console.WriteLine($"  return {result.AverageReturn:F3} ± {result.StdReturn:F3}, discounted {result.AverageDiscountedReturn:F3}, length {result.AverageEpisodeLength:F1}");
            Console.WriteLine($"  {result.OutcomeSummary}");
            return 0;
        }));
        return command;
    }

    internal static EvalResult Evaluate(string runPath, int episodes, int seed)
    {
        if (episodes < 1) throw new ArgumentException("--episodes must be at least 1");
        var run = RunDirectory.Open(runPath);
        var loaded = run.LoadConfig();
        var config = loaded with { Trainer = loaded.Trainer with { EvaluationEpisodes = Math.Max(loaded.Trainer.EvaluationEpisodes, episodes) } };
        var (agent, tensors) = AgentFactory.FromCheckpoint(run, config);
        int epoch = Pipelines.Training.OffPolicyTrainer.EpochOf(tensors, run.CheckpointFile);
        using var envs = new VectorEnv(TaskRegistry.Get(config.Task), episodes, autoReset: false);
        var stats = Evaluator.Run(envs, agent, seed, config.Learner.Discount);
        double mean = stats.Average(s => s.Return);
        double std = Math.Sqrt(stats.Sum(s => (s.Return - mean) * (s.Return - mean)) / Math.Max(1, stats.Length - 1));
        var progress = stats.Select(s => s.Final.ComX - s.ComTrace[0]).ToArray();
        double minDistance = stats.Min(s => s.MinDistanceToGoal);
        var outcome = TaskRegistry.Get(config.Task).Outcome(stats);
        return new EvalResult(run.Path, config.Task, agent.Algorithm, epoch, episodes, mean, std, stats.Average(s => s.DiscountedReturn),
            stats.Average(s => (double)s.Length), stats.Average(s => s.Final.ComX), progress.Min(), progress.Max(),
            double.IsNaN(minDistance) ? null : minDistance, seed, outcome.Values.ToDictionary(v => v.Name, v => v.Value), outcome.Full);
    }
}
