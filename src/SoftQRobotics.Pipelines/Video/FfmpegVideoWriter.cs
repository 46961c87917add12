using System.Diagnostics;
using System.Globalization;

namespace SoftQRobotics.Pipelines.Video;

/// <summary>
/// H.264 MP4 through the <c>ffmpeg</c> program: raw RGB frames are piped to its standard input
/// (yuv420p, so odd sizes are padded by one pixel). The file appears under its name only when
/// ffmpeg has finished successfully.
/// </summary>
public sealed class FfmpegVideoWriter : IFrameSink
{
    /// <summary>What to tell a user without ffmpeg.</summary>
    public const string InstallHint = "writing .mp4 needs ffmpeg: install it (Debian: sudo apt-get install ffmpeg) or write a .gif or .png instead";

    private readonly string _path, _temporary;
    private readonly int _width, _height;
    private readonly Process _ffmpeg;
    private readonly Task<string> _stderr;
    private bool _finished;

    /// <exception cref="InvalidOperationException">ffmpeg is not installed.</exception>
    public FfmpegVideoWriter(string path, int width, int height, double fps)
    {
        (_path, _width, _height) = (path, width, height);
        if (!IsAvailable()) throw new InvalidOperationException(InstallHint);
        _temporary = VideoFile.TemporaryFor(path) + ".mp4";
        var start = new ProcessStartInfo("ffmpeg")
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
                     "-s", $"{width}x{height}", "-r", fps.ToString("R", CultureInfo.InvariantCulture), "-i", "-",
                     "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
                     "-pix_fmt", "yuv420p", "-movflags", "+faststart", _temporary,
                 })
        {
            start.ArgumentList.Add(argument);
        }
        _ffmpeg = Process.Start(start) ?? throw new InvalidOperationException(InstallHint);
        _stderr = _ffmpeg.StandardError.ReadToEndAsync();
    }

    /// <summary>Whether an <c>ffmpeg</c> executable is on the PATH.</summary>
    public static bool IsAvailable() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, "ffmpeg")));

    /// <inheritdoc/>
    public void Add(ReadOnlySpan<byte> rgb)
    {
        VideoFile.CheckFrame(rgb, _width, _height);
        try
        {
            _ffmpeg.StandardInput.BaseStream.Write(rgb);
        }
        catch (IOException)
        {
            throw new IOException($"ffmpeg stopped while writing {_path}: {Failure()}");
        }
    }

    /// <inheritdoc/>
    public void Finish()
    {
        _ffmpeg.StandardInput.Close();
        _ffmpeg.WaitForExit();
        if (_ffmpeg.ExitCode != 0 || !File.Exists(_temporary)) throw new IOException($"ffmpeg could not write {_path}: {Failure()}");
        _finished = true;
        VideoFile.Publish(_temporary, _path);
    }

    /// <summary>Stops ffmpeg if it still runs; an unfinished video is deleted.</summary>
    public void Dispose()
    {
        if (!_ffmpeg.HasExited)
        {
            try { _ffmpeg.Kill(); } catch (InvalidOperationException) { }
            _ffmpeg.WaitForExit();
        }
        _ffmpeg.Dispose();
        if (!_finished && File.Exists(_temporary)) File.Delete(_temporary);
    }

    private string Failure()
    {
        if (!_ffmpeg.HasExited) _ffmpeg.WaitForExit(5000);
        string text = _stderr.IsCompleted ? _stderr.Result.Trim() : "";
        return text.Length > 0 ? text.Split('\n')[0] : $"exit code {(_ffmpeg.HasExited ? _ffmpeg.ExitCode : -1)}";
    }
}
