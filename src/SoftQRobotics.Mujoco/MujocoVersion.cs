namespace SoftQRobotics.Mujoco;

/// <summary>
/// Start-up compatibility check between these bindings, the native shim and the MuJoCo library
/// actually loaded. Runs once, before the first model is loaded.
/// </summary>
public static class MujocoVersion
{
    /// <summary>The MuJoCo version these bindings are written for (mj_version() = 222 ⇔ 2.2.2).</summary>
    public const int Required = 222;

    /// <summary>The native shim's ABI these bindings are written for (SQ_ABI_VERSION).</summary>
    public const int ShimAbi = NativeMethods.ExpectedAbiVersion;

    private static readonly Lazy<(int Abi, int Header, int Library)> Versions = new(ReadAndCheck);

    /// <summary>mj_version() of the loaded libmujoco.</summary>
    public static int Library => Versions.Value.Library;

    /// <summary>mjVERSION_HEADER the shim was compiled against.</summary>
    public static int Header => Versions.Value.Header;

    /// <summary>Human-readable version, e.g. "2.2.2".</summary>
    public static string Text => Format(Library);

    /// <summary>Throws <see cref="MujocoVersionException"/> unless the loaded versions are compatible.</summary>
    public static void EnsureCompatible() => _ = Versions.Value;

    /// <summary>
    /// The compatibility rule, as a pure function: shim ABI equals the one these bindings expect,
    /// the header the shim was compiled with equals the library loaded, and both are 2.2.2.
    /// </summary>
    /// <exception cref="MujocoVersionException">with a message naming both versions and the fix.</exception>
    public static void Check(int shimAbi, int headerVersion, int libraryVersion)
    {
        if (shimAbi != NativeMethods.ExpectedAbiVersion)
        {
            throw new MujocoVersionException(
                $"native shim libsoftq_mujoco.so has ABI version {shimAbi}, these bindings need " +
                $"{NativeMethods.ExpectedAbiVersion}: rebuild the solution (./softq rebuilds it).");
        }
        if (headerVersion != libraryVersion)
        {
            throw new MujocoVersionException(
                $"MuJoCo version mismatch: the native shim was compiled against MuJoCo {Format(headerVersion)} " +
                $"headers but libmujoco {Format(libraryVersion)} is loaded; rebuild the shim against the " +
                "installed library (delete native/build and rebuild).");
        }
        if (libraryVersion != Required)
        {
            throw new MujocoVersionException(
                $"MuJoCo {Format(libraryVersion)} is loaded but SoftQRobotics needs MuJoCo {Format(Required)} " +
                "(Debian package libmujoco-dev 2.2.2).");
        }
    }

    private static (int, int, int) ReadAndCheck()
    {
        int abi, header, library;
        try
        {
            abi = NativeMethods.sq_abi_version();
            header = NativeMethods.sq_header_version();
            library = NativeMethods.sq_library_version();
        }
        catch (DllNotFoundException e)
        {
            throw new MujocoVersionException(
                "could not load the native shim libsoftq_mujoco.so or libmujoco.so.2.2.2 " +
                $"(install libmujoco-dev and rebuild with ./softq): {e.Message}");
        }
        Check(abi, header, library);
        NativeMethods.sq_install_handlers();
        return (abi, header, library);
    }

    private static string Format(int version) => $"{version / 100}.{version / 10 % 10}.{version % 10}";
}
