using System.Diagnostics;
using Spectre.Console;
using SoftQRobotics.Pipelines;

namespace SoftQRobotics.Cli;

/// <summary>Progress of a training run: a live line on a terminal, one plain line per epoch otherwise.</summary>
internal sealed class TrainingProgress : ITrainingProgress, IDisposable
{
    private readonly bool _live = !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastDraw;
    private double _lastReturn = double.NaN, _stepsPerSecond;
    private int _epochsThisSession;

    public void Step(int epoch, int epochs, int stepInEpoch, int epochLength)
    {
        if (!_live || _clock.ElapsedMilliseconds - _lastDraw < 250) return;
        _lastDraw = _clock.ElapsedMilliseconds;
        double done = epoch - 1 + stepInEpoch / (double)epochLength;
        double secondsPerEpoch = _epochsThisSession > 0 ? _clock.Elapsed.TotalSeconds / (_epochsThisSession + stepInEpoch / (double)epochLength) : double.NaN;
        string eta = double.IsFinite(secondsPerEpoch) ? TimeSpan.FromSeconds(secondsPerEpoch * (epochs - done)).ToString(@"hh\:mm\:ss") : "--:--:--";
        int width = 24, filled = (int)(width * done / epochs);
        Console.Write($"\r[{new string('#', filled)}{new string('.', width - filled)}] epoch {epoch}/{epochs} step {stepInEpoch}/{epochLength}  " +
                      $"{_stepsPerSecond,7:F0} steps/s  return {_lastReturn,9:F2}  ETA {eta} ");
    }

    public void EpochDone(int epochs, IReadOnlyDictionary<string, double> m)
    {
        _epochsThisSession++;
        (_lastReturn, _stepsPerSecond) = (m["average_return"], m["env_steps"] / Math.Max(m["wall_seconds"], 1e-9));
        string line = $"epoch {m["epoch"]}/{epochs}  return {m["average_return"]:F2}  discounted {m["average_discounted_return"]:F2}  " +
                      $"length {m["average_episode_length"]:F0}  q_loss {m["q_loss"]:G4}  env {m["env_steps_per_second"]:F0}/s  " +
                      $"updates {m["gradient_steps_per_second"]:F0}/s";
        if (double.IsFinite(m["min_distance_so_far"])) line += $"  min distance {m["min_distance_so_far"]:F2}";
        Console.WriteLine(_live ? "\r" + line.PadRight(Console.WindowWidth > 0 ? Math.Min(Console.WindowWidth - 1, 200) : 0) : line);
    }

    public void Dispose()
    {
        if (_live) Console.WriteLine();
    }
}
