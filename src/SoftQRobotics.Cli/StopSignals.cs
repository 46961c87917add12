using System.Runtime.InteropServices;

namespace SoftQRobotics.Cli;

/// <summary>
/// Ctrl-C (SIGINT), SIGTERM and, for training, SIGUSR1 (what Slurm sends before a time limit) as one
/// cancellation while a command that can stop cleanly runs. Signals after the first are absorbed: the
/// command is already stopping. A batch job's trainer gets SIGTERM twice (from Slurm and from its
/// script's trap) a few milliseconds apart, so this must not fail on a repeat (docs/sweeps.md).
/// Other commands keep the default: the signal ends the process.
/// </summary>
internal sealed class StopSignals : IDisposable
{
    /// <summary>SIGUSR1 on Linux.</summary>
    private const int SigUsr1 = 10;

    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration[] _registrations;
    private static readonly List<PosixSignalRegistration[]> Kept = [];

    /// <param name="includeUsr1">also stop on SIGUSR1 (Linux)</param>
    public StopSignals(bool includeUsr1)
    {
        var signals = new List<PosixSignal> { PosixSignal.SIGINT, PosixSignal.SIGTERM };
        if (includeUsr1 && OperatingSystem.IsLinux()) signals.Add((PosixSignal)SigUsr1);
        _registrations = signals.Select(s => PosixSignalRegistration.Create(s, OnSignal)).ToArray();
        lock (Kept) Kept.Add(_registrations);   // until the process exits, collected or not (see Dispose)
    }

    /// <summary>Cancelled by the first of the signals.</summary>
    public CancellationToken Token => _stop.Token;

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // not expected: the token source is never disposed (see Dispose)
        }
    }

    /// <summary>
    /// Leaves the handlers in place: the process is about to exit, and a repeat of the signal that stopped the
    /// command can still arrive (a burst a few milliseconds apart). Removed here, it would meet the default
    /// action and kill the exiting process with 128 + signal instead of the command's own exit code (seen: 143 in
    /// place of 130 under load).
    /// </summary>
    public void Dispose()
    {
    }
}
