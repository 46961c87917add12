namespace SoftQRobotics.Learning.Nn;

/// <summary>
/// A gradient step's work split into two lanes (each half of the minibatch): run one after the other
/// on the caller's thread, or at once on two threads. Both ways compute exactly the same operations,
/// so the result does not depend on the thread count. No allocation per call.
/// </summary>
public sealed class TwoLanes
{
    private readonly ParallelPair? _pair;
    private readonly Action _lane0, _lane1;
    private Action<int>? _body;

    /// <param name="threads">2 or more: lane 1 runs on a worker thread while lane 0 runs on the caller's</param>
    public TwoLanes(int threads)
    {
        _pair = threads >= 2 ? new ParallelPair() : null;
        _lane0 = () => _body!(0);
        _lane1 = () => _body!(1);
    }

    /// <summary>Managed bytes the worker thread has allocated since it started (0 with one thread).</summary>
    public long WorkerAllocatedBytes => _pair?.WorkerAllocatedBytes ?? 0;

    /// <summary>Threads the lanes run on (1 or 2).</summary>
    public int Threads => _pair is null ? 1 : 2;

    /// <summary>Runs <paramref name="lane"/>(0) and <paramref name="lane"/>(1); returns when both are done.</summary>
    /// <remarks>Pass a cached delegate: a lambda made per call allocates.</remarks>
    /// <exception cref="Exception">whatever a lane threw.</exception>
    public void Run(Action<int> lane)
    {
        _body = lane;
        try
        {
            if (_pair is null)
            {
                lane(0);
                lane(1);
            }
            else
            {
                _pair.Run(_lane1, _lane0);
            }
        }
        finally
        {
            _body = null;
        }
    }

    /// <summary>
    /// Runs <paramref name="beside"/>, work independent of the step (the trainer's env step), on the
    /// worker thread while <paramref name="onCaller"/> (the step's serial preparation) runs here; with
    /// one thread, <paramref name="beside"/> first. Returns when both are done.
    /// </summary>
    /// <remarks>Pass cached delegates: a lambda made per call allocates.</remarks>
    /// <exception cref="Exception">whatever either threw.</exception>
    public void RunBeside(Action beside, Action onCaller)
    {
        if (_pair is null)
        {
            beside();
            onCaller();
        }
        else
        {
            _pair.Run(beside, onCaller);
        }
    }

    /// <summary>The states of lane <paramref name="lane"/> of a batch of <paramref name="n"/>: lane 0 takes the first ⌈n/2⌉.</summary>
    public static (int First, int Count) Half(int n, int lane) => lane == 0 ? (0, (n + 1) / 2) : ((n + 1) / 2, n / 2);
}
