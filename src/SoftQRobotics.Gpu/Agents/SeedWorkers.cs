namespace SoftQRobotics.Gpu.Agents;

/// <summary>
/// Host threads that run one piece of work per seed (a step's minibatch copy and draws), the caller
/// taking part: W workers take seeds w, w + W, …. Started once; a run allocates nothing.
/// </summary>
internal sealed class SeedWorkers : IDisposable
{
    private readonly Barrier _start, _done;
    private readonly int _workers;
    private Action<int>? _work;
    private int _seeds;
    private volatile bool _stopping;
    private Exception? _failure;

    /// <param name="workers">threads including the caller's (1: the caller alone)</param>
    public SeedWorkers(int workers)
    {
        _workers = Math.Max(1, workers);
        _start = new Barrier(_workers);
        _done = new Barrier(_workers);
        for (int w = 1; w < _workers; w++)
        {
            int index = w;
            new Thread(() => Loop(index)) { IsBackground = true, Name = $"softq seed worker {index}" }.Start();
        }
    }

    /// <summary>Runs <paramref name="work"/>(s) for s = 0 … seeds − 1 and returns when all are done.</summary>
    /// <exception cref="Exception">the first exception a piece of work threw.</exception>
    public void Run(int seeds, Action<int> work)
    {
        if (_workers == 1)
        {
            for (int s = 0; s < seeds; s++) work(s);
            return;
        }
        (_work, _seeds, _failure) = (work, seeds, null);
        _start.SignalAndWait();
        RunShare(0);
        _done.SignalAndWait();
        if (_failure is { } failure) throw failure;
    }

    private void Loop(int index)
    {
        while (true)
        {
            _start.SignalAndWait();
            if (_stopping) return;
            RunShare(index);
            _done.SignalAndWait();
        }
    }

    private void RunShare(int index)
    {
        try
        {
            for (int s = index; s < _seeds; s += _workers) _work!(s);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, e, null);
        }
    }

    public void Dispose()
    {
        if (_workers == 1 || _stopping) return;
        _stopping = true;
        _start.SignalAndWait();
        _start.Dispose();
        _done.Dispose();
    }
}
