namespace SoftQRobotics.Mujoco;

/// <summary>
/// MuJoCo's verbs, as functions of (model, data) like the C API. None of them allocates, and
/// none lets MuJoCo terminate the process: engine errors surface as <see cref="MujocoException"/>.
/// </summary>
public static unsafe class Mj
{
    /// <summary>Advances the simulation by <paramref name="nstep"/> mj_step calls, then computes <paramref name="after"/>.</summary>
    /// <returns>
    /// The warnings MuJoCo raised during these steps. If any of <see cref="MjWarnings.Unstable"/>
    /// is set, MuJoCo has silently reset the data mid-trajectory: end the episode.
    /// </returns>
    /// <exception cref="MujocoException">MuJoCo raised an error; the data has been reset.</exception>
    public static MjWarnings Step(MjModel m, MjData d, int nstep = 1, MjAfterStep after = MjAfterStep.None)
    {
        CheckPair(m, d);
        ArgumentOutOfRangeException.ThrowIfNegative(nstep);
        int result;
        fixed (byte* e = d.ErrorBuffer)
        {
            result = NativeMethods.sq_step(m.Handle, d.Handle, nstep, after, e, d.ErrorBuffer.Length);
        }
        return Checked(result, d);
    }

    /// <summary>Computes positions, velocities and accelerations for the current state (mj_forward), then <paramref name="after"/>.</summary>
    /// <returns>The warnings MuJoCo raised.</returns>
    /// <exception cref="MujocoException">MuJoCo raised an error; the data has been reset.</exception>
    public static MjWarnings Forward(MjModel m, MjData d, MjAfterStep after = MjAfterStep.None)
    {
        CheckPair(m, d);
        int result;
        fixed (byte* e = d.ErrorBuffer)
        {
            result = NativeMethods.sq_forward(m.Handle, d.Handle, after, e, d.ErrorBuffer.Length);
        }
        return Checked(result, d);
    }

    /// <summary>Resets the data to the model's default state (mj_resetData): qpos0, zero velocity, time 0.</summary>
    public static void ResetData(MjModel m, MjData d)
    {
        CheckPair(m, d);
        NativeMethods.sq_reset(m.Handle, d.Handle);
    }

    /// <summary>The text of the last MuJoCo warning on this thread (empty if none).</summary>
    public static string LastWarning()
    {
        byte* text = NativeMethods.sq_last_warning();
        return text == null ? "" : new string((sbyte*)text);
    }

    /// <summary>Raises <paramref name="message"/> through mju_error, exercising the error handler (diagnostics and tests).</summary>
    /// <exception cref="MujocoException">always, carrying <paramref name="message"/>.</exception>
    public static void RaiseErrorForDiagnostics(string message)
    {
        MujocoVersion.EnsureCompatible();
        Span<byte> error = stackalloc byte[NativeMethods.ErrorBufferSize];
        error.Clear();
        fixed (byte* e = error)
        {
            NativeMethods.sq_debug_raise_error(message, e, error.Length);
        }
        throw new MujocoException(NativeMethods.Message(error));
    }

    private static void CheckPair(MjModel m, MjData d)
    {
        if (!ReferenceEquals(d.Model, m))
        {
            throw new ArgumentException("the MjData was made for a different MjModel", nameof(d));
        }
    }

    private static MjWarnings Checked(int result, MjData d) =>
        result >= 0 ? (MjWarnings)result : throw new MujocoException(NativeMethods.Message(d.ErrorBuffer));
}
