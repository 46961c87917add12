namespace SoftQRobotics.Envs;

/// <summary>Shapes, bounds and horizon of a task, as data (Gymnasium's spaces and TimeLimit).</summary>
/// <param name="Name">task name as used on the command line, e.g. "ant-maze"</param>
/// <param name="ObservationSize">obsDim</param>
/// <param name="ActionSize">actDim; actions live in [−1, 1]^actDim</param>
/// <param name="Horizon">time limit T in env steps (reaching it truncates)</param>
/// <param name="StepSeconds">simulated seconds per env step</param>
/// <param name="ObservationBound">|observation component| ≤ this (∞ when unbounded)</param>
/// <param name="Description">one line for listings</param>
public sealed record EnvSpec(
    string Name, int ObservationSize, int ActionSize, int Horizon, double StepSeconds,
    double ObservationBound, string Description)
{
    /// <summary>Lower action bound per component.</summary>
    public const float ActionLow = -1f;

    /// <summary>Upper action bound per component.</summary>
    public const float ActionHigh = 1f;
}
