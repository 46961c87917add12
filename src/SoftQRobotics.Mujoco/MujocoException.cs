namespace SoftQRobotics.Mujoco;

/// <summary>
/// An error reported by MuJoCo (model compilation, a failed allocation, an engine error inside a
/// step). <see cref="Exception.Message"/> carries MuJoCo's own text.
/// </summary>
public class MujocoException : Exception
{
    public MujocoException(string message) : base(message) { }
}

/// <summary>The loaded MuJoCo library or native shim is not the version these bindings require.</summary>
public sealed class MujocoVersionException : MujocoException
{
    public MujocoVersionException(string message) : base(message) { }
}
