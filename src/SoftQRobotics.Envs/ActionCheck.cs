namespace SoftQRobotics.Envs;

/// <summary>Validation shared by every env: bad actions are rejected before any state changes.</summary>
public static class ActionCheck
{
    /// <summary>Throws unless <paramref name="action"/> has <paramref name="spec"/>'s size and only finite components.</summary>
    /// <exception cref="ArgumentException">naming the task, the expected length or the offending index and value.</exception>
    public static void Validate(EnvSpec spec, ReadOnlySpan<float> action)
    {
        if (action.Length != spec.ActionSize)
        {
            throw new ArgumentException($"{spec.Name}: action has length {action.Length}, expected {spec.ActionSize}", nameof(action));
        }
        for (int i = 0; i < action.Length; i++)
        {
            if (!float.IsFinite(action[i]))
            {
                throw new ArgumentException($"{spec.Name}: action[{i}] is {action[i]}; actions must be finite numbers in [-1, 1]", nameof(action));
            }
        }
    }

    /// <summary>Throws unless the observation destination has the spec's size.</summary>
    public static void ValidateObservation(EnvSpec spec, Span<float> observation)
    {
        if (observation.Length != spec.ObservationSize)
        {
            throw new ArgumentException($"{spec.Name}: observation buffer has length {observation.Length}, expected {spec.ObservationSize}", nameof(observation));
        }
    }
}
