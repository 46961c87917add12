using ILGPU;
using ILGPU.Runtime;
using SoftQRobotics.Gpu.Device;
using SoftQRobotics.Learning.Replay;

namespace SoftQRobotics.Gpu.Agents;

/// <summary>
/// What one gradient step reads from the host, for every seed, in one array uploaded at once:
/// per seed s, o, a, r, s′, terminal (the minibatch, N rows) and then the step's random draws
/// (SQL: a′ for V_soft, then ξ), made on the host by that seed's own generator in the CPU engine's order;
/// after the seeds' rows, the update's scalars (Adam's step sizes), which a replayed CUDA graph reads from here.
/// </summary>
internal sealed class StepInputs : IDisposable
{
    private readonly int _obs, _act, _n;

    public StepInputs(GpuDevice device, int seeds, int observationSize, int actionSize, int batchSize, int drawCount)
    {
        (_obs, _act, _n, Seeds) = (observationSize, actionSize, batchSize, seeds);
        ActionsOffset = batchSize * observationSize;
        RewardsOffset = ActionsOffset + batchSize * actionSize;
        NextObservationsOffset = RewardsOffset + batchSize;
        TerminalsOffset = NextObservationsOffset + batchSize * observationSize;
        DrawsOffset = TerminalsOffset + batchSize;
        Stride = DrawsOffset + drawCount;
        _pinned = device.Accelerator.AllocatePageLocked1D<float>((long)seeds * Stride + ScalarCount);
        _stream = device.Stream;
        Device = device.Allocate((long)seeds * Stride + ScalarCount, "step inputs");
    }

    /// <summary>Room for the update's scalars.</summary>
    public const int ScalarCount = 4;

    public int Seeds { get; }
    /// <summary>Floats per seed.</summary>
    public int Stride { get; }
    public int ActionsOffset { get; }
    public int RewardsOffset { get; }
    public int NextObservationsOffset { get; }
    public int TerminalsOffset { get; }
    public int DrawsOffset { get; }

    private readonly PageLockedArray1D<float> _pinned;
    private readonly AcceleratorStream _stream;

    /// <summary>The host copy, (S × <see cref="Stride"/>), page-locked.</summary>
    public Span<float> Host => _pinned.Span;

    /// <summary>The device copy.</summary>
    public DeviceArray Device { get; }

    /// <summary>Every seed's tensor at <paramref name="offset"/> in its row, as the device sees it.</summary>
    public SeedTensor At(int offset) => new(Device, offset, Stride);

    /// <summary>Scalar <paramref name="index"/> as the device sees it (one value shared by the seeds).</summary>
    public SeedTensor Scalar(int index) => new(Device, (long)Seeds * Stride + index, 0);

    /// <summary>Sets scalar <paramref name="index"/> on the host (sent with the next <see cref="Upload"/>).</summary>
    public void SetScalar(int index, float value) => Host[Seeds * Stride + index] = value;

    /// <summary>Seed <paramref name="seed"/>'s draws on the host, (drawCount).</summary>
    public Span<float> Draws(int seed) => Host.Slice(seed * Stride + DrawsOffset, Stride - DrawsOffset);

    /// <summary>Copies seed <paramref name="seed"/>'s minibatch into the host copy.</summary>
    /// <exception cref="ArgumentException">the batch has another size or shape.</exception>
    public void Write(int seed, TransitionBatch batch)
    {
        if (batch.Size != _n || batch.Observations.Length != _n * _obs || batch.Actions.Length != _n * _act)
        {
            throw new ArgumentException($"seed {seed}'s minibatch is not {_n} × (obs {_obs}, act {_act})", nameof(batch));
        }
        var row = Host.Slice(seed * Stride, Stride);
        batch.Observations.CopyTo(row);
        batch.Actions.CopyTo(row[ActionsOffset..]);
        batch.Rewards.CopyTo(row[RewardsOffset..]);
        batch.NextObservations.CopyTo(row[NextObservationsOffset..]);
        batch.Terminals.CopyTo(row[TerminalsOffset..]);
    }

    /// <summary>
    /// Sends the host copy to the device after the device's earlier work, and waits for the copy, so that
    /// the host copy may be refilled at once (the previous step's kernels run while the host fills it).
    /// </summary>
    public void Upload()
    {
        _stream.Synchronize();
        _pinned.ArrayView.CopyTo(_stream, Device.View);
        _stream.Synchronize();
    }

    public void Dispose()
    {
        Device.Dispose();
        _pinned.Dispose();
    }
}
