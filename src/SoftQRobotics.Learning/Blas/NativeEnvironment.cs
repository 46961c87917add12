using System.Runtime.InteropServices;

namespace SoftQRobotics.Learning.Blas;

/// <summary>The C library's environment, which native libraries read while loading (<see cref="Environment.SetEnvironmentVariable(string, string)"/> does not reach it).</summary>
internal static class NativeEnvironment
{
    /// <summary>Sets <paramref name="name"/> for native code loaded after this call.</summary>
    public static void Set(string name, string value)
    {
        Environment.SetEnvironmentVariable(name, value);
        if (setenv(name, value, 1) != 0) throw new InvalidOperationException($"setenv {name} failed");
    }

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int setenv([MarshalAs(UnmanagedType.LPStr)] string name, [MarshalAs(UnmanagedType.LPStr)] string value, int overwrite);
}
