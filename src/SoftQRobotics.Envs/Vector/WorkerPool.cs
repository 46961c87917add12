using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace SoftQRobotics.Envs.Vector;

/// <summary>
/// Persistent worker threads that run one fixed work item function over indices 0..count−1.
/// The calling thread works too. Items are claimed one at a time (work stealing), so uneven items
/// balance; a run allocates nothing. The first exception of a run is rethrown on the caller.
/// </summary>
/// <remarks>
/// Waits spin for a short, bounded time before blocking: a sleeping thread's wake-up costs tens of
/// microseconds on a virtual machine, a sizeable share of a vector step. Between runs that are far
/// apart (a learner's gradient step in between) the workers fall asleep and cost nothing.
/// </remarks>
internal sealed class WorkerPool : IDisposable
{
    private static readonly long SpinTicks = Stopwatch.Frequency / 20_000;  // 50 µs

    private readonly Action<int> _work;
    private readonly Thread[] _threads;
    private readonly object _gate = new();
    private int _generation, _pending, _next, _count;
    private volatile bool _stopping;
    private ExceptionDispatchInfo? _failure;

    /// <param name="threads">total threads including the caller (≥ 1)</param>
    /// <param name="work">the item function; must be safe to run concurrently for different indices</param>
    internal WorkerPool(int threads, Action<int> work)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        _work = work;
        _threads = new Thread[threads - 1];
        for (int t = 0; t < _threads.Length; t++)
        {
            _threads[t] = new Thread(WorkerLoop) { IsBackground = true, Name = $"softq-env-worker-{t + 1}" };
            _threads[t].Start();
        }
    }

    /// <summary>Total threads, caller included.</summary>
    internal int Threads => _threads.Length + 1;

    /// <summary>Runs the work function for every index in [0, count) and returns when all are done.</summary>
    internal void Run(int count)
    {
        _count = count;
        Volatile.Write(ref _next, 0);
        Volatile.Write(ref _pending, _threads.Length);
        if (_threads.Length > 0)
        {
            lock (_gate)
            {
                _generation++;
                Monitor.PulseAll(_gate);
            }
        }
        RunItems();

        // at most one item per worker is still running: spin, then yield
        var spinner = new SpinWait();
        while (Volatile.Read(ref _pending) > 0) spinner.SpinOnce(sleep1Threshold: -1);

        var failure = _failure;
        if (failure is not null)
        {
            _failure = null;
            failure.Throw();
        }
    }

    private void RunItems()
    {
        int i;
        while ((i = Interlocked.Increment(ref _next) - 1) < _count)
        {
            try
            {
                _work(i);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
            }
        }
    }

    private void WorkerLoop()
    {
        int seen = 0;
        while (true)
        {
            // wait for the next run: spin for a moment, then sleep on the gate
            long start = Stopwatch.GetTimestamp();
            while (Volatile.Read(ref _generation) == seen && !_stopping && Stopwatch.GetTimestamp() - start < SpinTicks)
            {
                Thread.SpinWait(20);
            }
            lock (_gate)
            {
                while (_generation == seen && !_stopping) Monitor.Wait(_gate);
                seen = _generation;
            }
            if (_stopping) return;
            RunItems();
            Interlocked.Decrement(ref _pending);
        }
    }

    public void Dispose()
    {
        if (_stopping) return;
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
        }
        foreach (var t in _threads) t.Join();
    }
}
