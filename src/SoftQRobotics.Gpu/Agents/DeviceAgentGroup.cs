using ILGPU.Runtime;
using SoftQRobotics.Core;
using SoftQRobotics.Gpu.Device;
using SoftQRobotics.Learning.Agents;
using SoftQRobotics.Learning.Nn;
using SoftQRobotics.Learning.Replay;

namespace SoftQRobotics.Gpu.Agents;

/// <summary>
/// S agents that learn together on a device: <see cref="Agents"/>[s] is an <see cref="IAgent"/> that a
/// trainer drives on its own thread as it drives a CPU agent, while their gradient steps are one batched
/// update of an <see cref="ISeedBatchedLearner"/> (docs/gpu.md, "Many seeds in one process").
/// </summary>
/// <remarks>
/// Every trainer calls <see cref="IAgent.Update"/> once per env step in lockstep (same epoch length,
/// pool threshold and updates per step, so they update at the same steps). The calls meet at a barrier:
/// when all S minibatches are in, one thread queues the batched update; then every trainer runs its own
/// <c>beside</c> work (env step, store, next minibatch) while the device computes; a second barrier
/// reads the statistics. Acting runs on the host, on a CPU-engine copy of each seed's policy network
/// refreshed from the device after every update, drawing from the same generator as the seed's updates,
/// so the draws come in the CPU engine's order.
/// </remarks>
public sealed class DeviceAgentGroup : IDisposable
{
    private readonly GpuDevice _device;
    private readonly ISeedBatchedLearner _learner;
    private readonly IAgent[] _copies;              // CPU-engine agents that act for the seeds
    private readonly TransitionBatch[] _batches;
    private readonly UpdateStats[] _stats;
    private readonly Barrier _gather, _finish;
    private readonly CancellationTokenSource _failed = new(), _stopping = new();
    private CancellationToken _stopRequested;
    private readonly PageLockedArray1D<float> _policies;   // (S × policy parameters), host copy
    private readonly object _deviceLock = new();
    private long _policyVersion = -1;               // updates the host copy reflects

    /// <summary>The learner for <paramref name="settings"/>'s algorithm with one seed per entry of <paramref name="seeds"/>, each initialised as the CPU engine's agent with that seed.</summary>
    /// <param name="maxActBatch">largest batch one <c>Act</c> call may hold (the evaluation envs)</param>
    public DeviceAgentGroup(GpuDevice device, int observationSize, int actionSize, LearnerSettings settings, IReadOnlyList<ulong> seeds, int maxActBatch)
    {
        _device = device;
        _learner = settings switch
        {
            SqlSettings sql => new SeedBatchedSoftQLearning(device, observationSize, actionSize, sql, seeds),
            DdpgSettings ddpg => new SeedBatchedDdpg(device, observationSize, actionSize, ddpg, seeds),
            _ => throw new ArgumentException($"no device learner for {settings.GetType().Name}", nameof(settings)),
        };
        int s = seeds.Count;
        _copies = new IAgent[s];
        for (int i = 0; i < s; i++)
        {
            _copies[i] = settings switch
            {
                SqlSettings sql => new SoftQLearning(observationSize, actionSize, sql, seeds[i], maxActBatch),
                _ => new Ddpg(observationSize, actionSize, (DdpgSettings)settings, seeds[i], maxActBatch),
            };
        }
        _batches = new TransitionBatch[s];
        _stats = new UpdateStats[s];
        _policies = device.Accelerator.AllocatePageLocked1D<float>((long)s * _learner.PolicyParameterCount);
        _gather = new Barrier(s, _ =>
        {
            // a stop is taken here, where every trainer waits at the same step: they all see it after this update
            if (_stopRequested.IsCancellationRequested) _stopping.Cancel();
            Bind();
            _learner.Update(_batches);
        });
        _finish = new Barrier(s, _ => { Bind(); _learner.ReadStatistics(_stats); });
        Agents = [.. Enumerable.Range(0, s).Select(i => (IAgent)new SeedAgent(this, i, settings))];
    }

    /// <summary>One agent per seed, in the order of the seeds.</summary>
    public IReadOnlyList<IAgent> Agents { get; }

    /// <summary>The batched learner.</summary>
    public ISeedBatchedLearner Learner => _learner;

    /// <summary>
    /// The token the seeds' trainers must watch instead of <paramref name="stop"/>: it fires at an update
    /// that all of them have reached after <paramref name="stop"/> fired, so that every trainer stops at the
    /// same step (a trainer that stopped alone would leave the others waiting for its minibatch). Before
    /// learning starts (the pool below its threshold) a stop waits for the first update.
    /// </summary>
    public CancellationToken StopWhen(CancellationToken stop)
    {
        _stopRequested = stop;
        return _stopping.Token;
    }

    /// <summary>Makes every waiting and later <see cref="IAgent.Update"/> of the group throw (a seed's trainer failed: the others must not wait for it).</summary>
    public void Abandon() => _failed.Cancel();

    private void Bind() => _device.Accelerator.Bind();   // CUDA calls need the context current on the calling thread

    /// <summary>Seed <paramref name="seed"/>'s CPU copy with the device's current policy parameters.</summary>
    private IAgent PolicyCopy(int seed)
    {
        lock (_deviceLock)
        {
            if (_policyVersion != _learner.Updates)
            {
                Bind();
                _learner.DownloadPolicies(_policies);
                _policyVersion = _learner.Updates;
            }
            int count = _learner.PolicyParameterCount;
            var network = _copies[seed] is SoftQLearning sql ? sql.Sampler.Network : ((Ddpg)_copies[seed]).Actor;
            _policies.Span.Slice(seed * count, count).CopyTo(network.Parameters);
        }
        return _copies[seed];
    }

    private UpdateStats Update(int seed, TransitionBatch batch, Action? beside)
    {
        _batches[seed] = batch;
        try
        {
            _gather.SignalAndWait(_failed.Token);   // the last to arrive queues the batched update
            beside?.Invoke();                       // each trainer's env step beside the device's work
            _finish.SignalAndWait(_failed.Token);   // the last to arrive reads the statistics
        }
        catch (BarrierPostPhaseException e)
        {
            Abandon();
            throw e.InnerException ?? e;
        }
        return _stats[seed];
    }

    public void Dispose()
    {
        _learner.Dispose();
        _policies.Dispose();
        _gather.Dispose();
        _finish.Dispose();
        _failed.Dispose();
        _stopping.Dispose();
    }

    /// <summary>Seed s as an <see cref="IAgent"/>.</summary>
    private sealed class SeedAgent(DeviceAgentGroup group, int seed, LearnerSettings settings) : IAgent
    {
        public string Algorithm => settings is SqlSettings ? "sql" : "ddpg";

        public LearnerSettings Settings => settings;

        public long Updates => group._learner.Updates;

        public Mlp Critic
        {
            get
            {
                var critic = group._copies[seed].Critic;
                lock (group._deviceLock)
                {
                    group.Bind();
                    group._learner.DownloadCritic(seed).CopyTo(critic.Parameters, 0);
                }
                return critic;
            }
        }

        public EntropySettings? Entropy => group._learner is SeedBatchedSoftQLearning sql ? new(sql.Alpha, sql.Settings.Particles, 0, ValueTarget.Soft) : null;

        public void SetEntropy(EntropySettings entropy) =>
            throw new NotSupportedException("the GPU engine trains from scratch only: fine-tuning's annealing runs on the CPU engine (--device cpu)");

        public void Act(ReadOnlySpan<float> observations, Span<float> actions, int count)
        {
            var copy = group.PolicyCopy(seed);
            if (copy is SoftQLearning sql) sql.Sampler.Act(observations, actions, count, group._learner.Generator(seed));
            else copy.Act(observations, actions, count);
        }

        public void ActDeterministic(ReadOnlySpan<float> observations, Span<float> actions, int count) =>
            group.PolicyCopy(seed).ActDeterministic(observations, actions, count);

        public UpdateStats Update(TransitionBatch batch, Action? beside = null) => group.Update(seed, batch, beside);

        public IEnumerable<(string Name, float[] Values)> SaveState()
        {
            lock (group._deviceLock)
            {
                group.Bind();
                return group._learner.SaveState(seed).ToArray();
            }
        }

        public void LoadNetworks(Dictionary<string, float[]> tensors, string source) =>
            throw new NotSupportedException("the GPU engine trains from scratch only: fine-tune on the CPU engine (--device cpu)");

        public void LoadState(Dictionary<string, float[]> tensors, string source)
        {
            lock (group._deviceLock)
            {
                group.Bind();
                group._learner.LoadState(seed, tensors, source);
                group._policyVersion = -1;
            }
        }
    }
}
