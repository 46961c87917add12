namespace SoftQRobotics.Core;

/// <summary>A policy acting on a batch of observations at once.</summary>
public interface IBatchPolicy
{
    /// <summary>Writes one action row per observation row.</summary>
    /// <param name="observations">(count × obsDim)</param>
    /// <param name="actions">destination, (count × actDim), each component in [−1, 1]</param>
    /// <param name="count">rows</param>
    void Act(ReadOnlySpan<float> observations, Span<float> actions, int count);
}
