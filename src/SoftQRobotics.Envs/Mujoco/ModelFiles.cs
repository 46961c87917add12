namespace SoftQRobotics.Envs.Mujoco;

/// <summary>Locates the MJCF models and arena tables shipped next to the assemblies (copied from models/).</summary>
public static class ModelFiles
{
    /// <summary>The folder holding swimmer.xml, ant.xml and arenas/.</summary>
    public static string Directory { get; } = Path.Combine(AppContext.BaseDirectory, "models");

    /// <summary>Full path of a file under the models folder.</summary>
    /// <exception cref="FileNotFoundException">the file is not there.</exception>
    public static string PathOf(string relativePath)
    {
        string path = Path.Combine(Directory, relativePath);
        return File.Exists(path) ? path : throw new FileNotFoundException($"model file not found: {path}", path);
    }

    /// <summary>Text of a file under the models folder.</summary>
    public static string Read(string relativePath) => File.ReadAllText(PathOf(relativePath));
}
