namespace SoftQRobotics.Pipelines.Video;

/// <summary>Receives the frames of a video, (height × width × 3) RGB bytes each, top row first, and writes a file.</summary>
public interface IFrameSink : IDisposable
{
    /// <summary>Appends one frame.</summary>
    /// <exception cref="ArgumentException">the frame has the wrong length.</exception>
    void Add(ReadOnlySpan<byte> rgb);

    /// <summary>Completes the file (it appears under its final name only now).</summary>
    /// <exception cref="IOException">the file could not be written (or the encoder failed).</exception>
    void Finish();
}

/// <summary>Picks the writer from a file name's extension: .mp4 (ffmpeg), .gif, .png (a contact sheet).</summary>
public static class VideoFile
{
    /// <summary>Extensions <see cref="Create"/> understands.</summary>
    public static readonly string[] Extensions = [".mp4", ".gif", ".png"];

    /// <summary>A sink writing <paramref name="path"/> at <paramref name="fps"/> frames per second.</summary>
    /// <param name="expectedFrames">frames that will probably be added (the contact sheet picks its tiles from it)</param>
    /// <exception cref="ArgumentException">an unknown extension.</exception>
    /// <exception cref="InvalidOperationException">.mp4 without ffmpeg installed (the message says how to install it).</exception>
    public static IFrameSink Create(string path, int width, int height, double fps, int expectedFrames) =>
        Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".mp4" => new FfmpegVideoWriter(path, width, height, fps),
            ".gif" => new GifWriter(path, width, height, fps),
            ".png" => new ContactSheetWriter(path, width, height, expectedFrames),
            var other => throw new ArgumentException($"cannot write '{other}' files: use {string.Join(", ", Extensions)}"),
        };

    /// <summary>Checks a frame's length against the image size.</summary>
    internal static void CheckFrame(ReadOnlySpan<byte> rgb, int width, int height)
    {
        if (rgb.Length != width * height * 3) throw new ArgumentException($"a frame has {rgb.Length} bytes, expected {height} × {width} × 3");
    }

    /// <summary>Moves a finished temporary file to its final name (no half-written file ever has that name).</summary>
    internal static void Publish(string temporary, string path) => File.Move(temporary, path, overwrite: true);

    /// <summary>A temporary file beside <paramref name="path"/>.</summary>
    internal static string TemporaryFor(string path)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"output directory not found: {directory}");
        return Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
    }
}
