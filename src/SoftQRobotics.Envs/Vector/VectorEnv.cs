namespace SoftQRobotics.Envs.Vector;

/// <summary>
/// N copies of one task stepped in parallel into batched buffers (one shared model, N datas).
/// Sub-env i is seeded with seed + i. Results are bit-identical for any thread count.
/// </summary>
/// <remarks>
/// <para><b>Autoreset (same step, Gymnasium's SAME_STEP / pre-1.0 mode).</b> When sub-env i's
/// episode ends during <see cref="Step"/>, it is reset inside that same call:</para>
/// <list type="bullet">
/// <item><see cref="Observations"/> row i holds the <i>new</i> episode's first observation;</item>
/// <item><see cref="FinalObservations"/> row i and <see cref="FinalInfos"/>[i] hold the finished
/// episode's last observation and info: <b>a learner must store FinalObservations row i as the
/// transition's next observation</b> (bootstrapping from it when truncated);</item>
/// <item><see cref="Rewards"/>, <see cref="Terminated"/>, <see cref="Truncated"/> describe the
/// finished episode's last transition; <see cref="EpisodeReturns"/>[i] and
/// <see cref="EpisodeLengths"/>[i] its totals.</item>
/// </list>
/// <para>With <c>autoReset: false</c> a finished sub-env is left alone (not stepped, reward 0,
/// <see cref="Active"/>[i] false) until the next <see cref="Reset"/>: batched evaluation uses this.</para>
/// </remarks>
public sealed class VectorEnv : IDisposable
{
    private readonly IEnv[] _envs;
    private readonly WorkerPool _pool;
    private readonly bool _autoReset;
    private readonly int _obsDim, _actDim;
    private readonly double[] _runningReturns;
    private readonly int[] _runningLengths;

    /// <param name="task">the task; MuJoCo tasks share one compiled model across the sub-envs</param>
    /// <param name="numEnvs">N ≥ 1</param>
    /// <param name="numThreads">threads stepping them (the caller included); 0 = one per core, capped at N</param>
    /// <param name="autoReset">reset finished sub-envs in the same step (see remarks)</param>
    public VectorEnv(TaskDefinition task, int numEnvs, int numThreads = 0, bool autoReset = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numEnvs, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(numThreads);
        Spec = task.Spec;
        NumEnvs = numEnvs;
        _autoReset = autoReset;
        _obsDim = Spec.ObservationSize;
        _actDim = Spec.ActionSize;
        _envs = new IEnv[numEnvs];
        for (int i = 0; i < numEnvs; i++) _envs[i] = task.CreateEnv();

        Observations = new float[numEnvs * _obsDim];
        FinalObservations = new float[numEnvs * _obsDim];
        Actions = new float[numEnvs * _actDim];
        Rewards = new double[numEnvs];
        Terminated = new bool[numEnvs];
        Truncated = new bool[numEnvs];
        Active = new bool[numEnvs];
        Infos = new EnvInfo[numEnvs];
        FinalInfos = new EnvInfo[numEnvs];
        EpisodeReturns = new double[numEnvs];
        EpisodeLengths = new int[numEnvs];
        _runningReturns = new double[numEnvs];
        _runningLengths = new int[numEnvs];

        int threads = numThreads == 0 ? Environment.ProcessorCount : numThreads;
        _pool = new WorkerPool(Math.Min(threads, numEnvs), StepOne);
    }

    /// <summary>The single env's spec (sizes are per sub-env).</summary>
    public EnvSpec Spec { get; }
    /// <summary>N.</summary>
    public int NumEnvs { get; }
    /// <summary>Threads stepping the sub-envs, the caller included.</summary>
    public int NumThreads => _pool.Threads;

    /// <summary>Current observations, (numEnvs × obsDim).</summary>
    public float[] Observations { get; }
    /// <summary>Actions for the next <see cref="Step"/>, written by the caller, (numEnvs × actDim), each in [−1, 1].</summary>
    public float[] Actions { get; }
    /// <summary>Rewards of the last step, (numEnvs).</summary>
    public double[] Rewards { get; }
    /// <summary>Episode ended in a terminal state in the last step, (numEnvs).</summary>
    public bool[] Terminated { get; }
    /// <summary>Episode was cut by the time limit in the last step, (numEnvs).</summary>
    public bool[] Truncated { get; }
    /// <summary>Sub-env has a running episode (always true with autoreset), (numEnvs).</summary>
    public bool[] Active { get; }
    /// <summary>Task metrics of the current states, (numEnvs).</summary>
    public EnvInfo[] Infos { get; }
    /// <summary>Last observation of an episode that ended in the last step, (numEnvs × obsDim); valid where Terminated or Truncated.</summary>
    public float[] FinalObservations { get; }
    /// <summary>Last info of an episode that ended in the last step, (numEnvs); valid where Terminated or Truncated.</summary>
    public EnvInfo[] FinalInfos { get; }
    /// <summary>Undiscounted return of an episode that ended in the last step, (numEnvs); valid where Terminated or Truncated.</summary>
    public double[] EpisodeReturns { get; }
    /// <summary>Length of an episode that ended in the last step, (numEnvs); valid where Terminated or Truncated.</summary>
    public int[] EpisodeLengths { get; }

    /// <summary>Resets every sub-env, sub-env i with seed <paramref name="seed"/> + i, and writes <see cref="Observations"/>.</summary>
    public void Reset(int seed)
    {
        for (int i = 0; i < NumEnvs; i++)
        {
            Infos[i] = _envs[i].Reset(seed + i, Observations.AsSpan(i * _obsDim, _obsDim));
            (Active[i], Terminated[i], Truncated[i], Rewards[i]) = (true, false, false, 0);
            (_runningReturns[i], _runningLengths[i]) = (0, 0);
        }
    }

    /// <summary>Steps every active sub-env with its row of <see cref="Actions"/>, in parallel.</summary>
    /// <exception cref="ArgumentException">some row of Actions has a NaN or ∞ component (checked before any sub-env moves).</exception>
    public void Step()
    {
        for (int i = 0; i < NumEnvs; i++)
        {
            if (Active[i]) ValidateRow(i);
        }
        _pool.Run(NumEnvs);
    }

    private void ValidateRow(int i)
    {
        try
        {
            ActionCheck.Validate(Spec, Actions.AsSpan(i * _actDim, _actDim));
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"sub-env {i}: {e.Message}", nameof(Actions), e);
        }
    }

    private void StepOne(int i)
    {
        if (!Active[i])
        {
            (Rewards[i], Terminated[i], Truncated[i]) = (0, false, false);
            return;
        }
        var observation = Observations.AsSpan(i * _obsDim, _obsDim);
        var result = _envs[i].Step(Actions.AsSpan(i * _actDim, _actDim), observation);
        (Rewards[i], Terminated[i], Truncated[i], Infos[i]) = (result.Reward, result.Terminated, result.Truncated, result.Info);
        _runningReturns[i] += result.Reward;
        _runningLengths[i]++;
        if (!result.Done) return;

        // keep the finished episode's last observation and info before the reset overwrites them
        observation.CopyTo(FinalObservations.AsSpan(i * _obsDim, _obsDim));
        FinalInfos[i] = result.Info;
        (EpisodeReturns[i], EpisodeLengths[i]) = (_runningReturns[i], _runningLengths[i]);
        (_runningReturns[i], _runningLengths[i]) = (0, 0);
        if (_autoReset)
        {
            Infos[i] = _envs[i].Reset(null, observation);
        }
        else
        {
            Active[i] = false;
        }
    }

    /// <summary>Stops the workers and frees the sub-envs.</summary>
    public void Dispose()
    {
        _pool.Dispose();
        foreach (var env in _envs) env.Dispose();
    }
}
