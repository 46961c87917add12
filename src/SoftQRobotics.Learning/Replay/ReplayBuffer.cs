using SoftQRobotics.Core;
namespace SoftQRobotics.Learning.Replay;

/// <summary>A minibatch of transitions, arrays allocated once and refilled by <see cref="ReplayBuffer.Sample"/>.</summary>
public sealed class TransitionBatch(int size, int observationSize, int actionSize)
{
    /// <summary>N.</summary>
    public int Size { get; } = size;
    /// <summary>s, (N × obsDim).</summary>
    public float[] Observations { get; } = new float[size * observationSize];
    /// <summary>a, (N × actDim).</summary>
    public float[] Actions { get; } = new float[size * actionSize];
    /// <summary>r, (N).</summary>
    public float[] Rewards { get; } = new float[size];
    /// <summary>s′, (N × obsDim).</summary>
    public float[] NextObservations { get; } = new float[size * observationSize];
    /// <summary>1 where s′ is terminal (no bootstrapping), else 0, (N).</summary>
    public float[] Terminals { get; } = new float[size];
}

/// <summary>
/// A ring of up to <see cref="Capacity"/> transitions (s, a, r, s′, terminal) in preallocated flat
/// arrays; the oldest are overwritten. Sampling is uniform and allocates nothing.
/// </summary>
public sealed class ReplayBuffer
{
    private readonly int _obsDim, _actDim;

    public ReplayBuffer(int capacity, int observationSize, int actionSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        (_obsDim, _actDim) = (observationSize, actionSize);
        Observations = new float[(long)capacity * observationSize];
        Actions = new float[(long)capacity * actionSize];
        Rewards = new float[capacity];
        NextObservations = new float[(long)capacity * observationSize];
        Terminals = new bool[capacity];
    }

    /// <summary>Most transitions held.</summary>
    public int Capacity { get; }
    /// <summary>Transitions held now.</summary>
    public int Count { get; private set; }
    /// <summary>Index the next transition is written to.</summary>
    public int Next { get; private set; }
    /// <summary>Storage of s, (capacity × obsDim).</summary>
    public float[] Observations { get; }
    /// <summary>Storage of a, (capacity × actDim).</summary>
    public float[] Actions { get; }
    /// <summary>Storage of r, (capacity).</summary>
    public float[] Rewards { get; }
    /// <summary>Storage of s′, (capacity × obsDim).</summary>
    public float[] NextObservations { get; }
    /// <summary>Storage of the terminal flags, (capacity).</summary>
    public bool[] Terminals { get; }

    /// <summary>Stores one transition.</summary>
    /// <param name="nextObservation">s′: for an episode that just ended, its final observation (not the reset one)</param>
    /// <param name="terminal">true only for MDP terminal states (not time-limit truncation)</param>
    public void Add(ReadOnlySpan<float> observation, ReadOnlySpan<float> action, float reward, ReadOnlySpan<float> nextObservation, bool terminal)
    {
        if (observation.Length != _obsDim || nextObservation.Length != _obsDim || action.Length != _actDim)
        {
            throw new ArgumentException($"transition has sizes ({observation.Length}, {action.Length}, {nextObservation.Length}); the buffer holds ({_obsDim}, {_actDim}, {_obsDim})");
        }
        long i = Next;
        observation.CopyTo(Observations.AsSpan((int)(i * _obsDim), _obsDim));
        action.CopyTo(Actions.AsSpan((int)(i * _actDim), _actDim));
        nextObservation.CopyTo(NextObservations.AsSpan((int)(i * _obsDim), _obsDim));
        Rewards[i] = reward;
        Terminals[i] = terminal;
        Next = (Next + 1) % Capacity;
        Count = Math.Min(Count + 1, Capacity);
    }

    /// <summary>Fills <paramref name="batch"/> with transitions drawn uniformly with replacement.</summary>
    public void Sample(Rng rng, TransitionBatch batch)
    {
        if (Count == 0) throw new InvalidOperationException("cannot sample from an empty replay buffer");
        for (int b = 0; b < batch.Size; b++)
        {
            int i = rng.NextInt(Count);
            Observations.AsSpan(i * _obsDim, _obsDim).CopyTo(batch.Observations.AsSpan(b * _obsDim, _obsDim));
            Actions.AsSpan(i * _actDim, _actDim).CopyTo(batch.Actions.AsSpan(b * _actDim, _actDim));
            NextObservations.AsSpan(i * _obsDim, _obsDim).CopyTo(batch.NextObservations.AsSpan(b * _obsDim, _obsDim));
            batch.Rewards[b] = Rewards[i];
            batch.Terminals[b] = Terminals[i] ? 1f : 0f;
        }
    }

    /// <summary>Restores the ring's position after its arrays were loaded from a checkpoint.</summary>
    public void RestorePosition(int count, int next)
    {
        if (count < 0 || count > Capacity || next < 0 || next >= Capacity) throw new InvalidDataException($"replay position ({count}, {next}) does not fit capacity {Capacity}");
        (Count, Next) = (count, next);
    }
}
