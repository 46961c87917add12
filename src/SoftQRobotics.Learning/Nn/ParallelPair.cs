using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace SoftQRobotics.Learning.Nn;

/// <summary>
/// Runs two pieces of work at once, one on a dedicated background thread and one on the caller's,
/// without allocating per call (the delegates are the caller's cached ones). For the two independent
/// parts of a gradient step.
/// </summary>
public sealed class ParallelPair
{
    // a hand-off inside a training loop waits microseconds: spin that long before sleeping, so the
    // other thread need not be woken by the kernel (on a VM, an idle vCPU's wake-up costs far more)
    private static readonly long SpinTicks = Stopwatch.Frequency / 10_000;  // 100 µs

    private readonly ManualResetEventSlim _start = new(false), _done = new(false);
    private Action? _work;
    private ExceptionDispatchInfo? _error;

    private bool _started;
    private long _workerAllocated;

    /// <summary>Managed bytes the worker thread has allocated since it started (benchmarks check it stays 0 per step).</summary>
    public long WorkerAllocatedBytes => Interlocked.Read(ref _workerAllocated);

    /// <summary>Runs <paramref name="onWorker"/> on the worker and <paramref name="onCaller"/> here; returns when both are done.</summary>
    /// <remarks>The worker (a background thread: it does not keep the process alive) starts on the first call, so agents that never train (evaluation, figures) start none.</remarks>
    /// <exception cref="Exception">whatever either piece threw (the caller's first).</exception>
    public void Run(Action onWorker, Action onCaller)
    {
        if (!_started)
        {
            new Thread(Loop) { IsBackground = true, Name = "softq-learner-worker" }.Start();
            _started = true;
        }
        _work = onWorker;
        _done.Reset();
        _start.Set();
        try
        {
            onCaller();
        }
        finally
        {
            Await(_done);
        }
        if (_error is { } error)
        {
            _error = null;
            error.Throw();
        }
    }

    private static void Await(ManualResetEventSlim signal)
    {
        long start = Stopwatch.GetTimestamp();
        while (!signal.IsSet && Stopwatch.GetTimestamp() - start < SpinTicks) Thread.SpinWait(20);
        signal.Wait();
    }

    private void Loop()
    {
        while (true)
        {
            Await(_start);
            _start.Reset();
            try
            {
                _work!();
            }
            catch (Exception e)
            {
                _error = ExceptionDispatchInfo.Capture(e);
            }
            Interlocked.Exchange(ref _workerAllocated, GC.GetAllocatedBytesForCurrentThread());
            _done.Set();
        }
    }
}
