using System.Diagnostics;
using Spectre.Console;
using SoftQRobotics.Envs.Vector;
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

    public void EpochDone(int epochs, EpochMetrics m, TaskOutcome? outcome)
    {
        _epochsThisSession++;
        (_lastReturn, _stepsPerSecond) = (m.AverageReturn, m.EnvSteps / Math.Max(m.WallSeconds, 1e-9));
        string line = $"epoch {m.Epoch}/{epochs}  return {m.AverageReturn:F2}  discounted {m.AverageDiscountedReturn:F2}  " +
                      $"length {m.AverageEpisodeLength:F0}  q_loss {m.QLoss:G4}  env {m.EnvStepsPerSecond:F0}/s  " +
                      $"updates {m.GradientStepsPerSecond:F0}/s";
        if (outcome is not null) line += $"  {outcome.Short}";
        Console.WriteLine(_live ? "\r" + line.PadRight(Console.WindowWidth > 0 ? Math.Min(Console.WindowWidth - 1, 200) : 0) : line);
    }

    public void Dispose()
    {
        if (_live) Console.WriteLine();
    }
}
