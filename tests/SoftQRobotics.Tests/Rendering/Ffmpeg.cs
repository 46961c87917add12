using System.Diagnostics;
using System.Globalization;

namespace SoftQRobotics.Tests.Rendering;

/// <summary>ffmpeg/ffprobe as an independent decoder of the images and videos we write.</summary>
internal static class Ffmpeg
{
    /// <summary>Width, height and decoded frame count of the first video stream (ffprobe -count_frames).</summary>
    internal static (int Width, int Height, int Frames) Probe(string file)
    {
        var (code, stdout, stderr) = Run("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0",
            "-show_entries", "stream=width,height,nb_read_frames", "-of", "csv=p=0", file]);
        Assert.True(code == 0, $"ffprobe failed on {file}: {System.Text.Encoding.UTF8.GetString(stderr)}");
        var cells = System.Text.Encoding.UTF8.GetString(stdout).Trim().Split(',');
        return (int.Parse(cells[0], CultureInfo.InvariantCulture), int.Parse(cells[1], CultureInfo.InvariantCulture), int.Parse(cells[2], CultureInfo.InvariantCulture));
    }

    /// <summary>Every frame decoded to RGB24, concatenated: (frames × height × width × 3).</summary>
    internal static byte[] DecodeRgb(string file)
    {
        var (code, stdout, stderr) = Run("ffmpeg", ["-v", "error", "-i", file, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]);
        Assert.True(code == 0, $"ffmpeg could not decode {file}: {System.Text.Encoding.UTF8.GetString(stderr)}");
        return stdout;
    }

    private static (int Code, byte[] Stdout, byte[] Stderr) Run(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        using var output = new MemoryStream();
        var errors = new MemoryStream();
        var stderrTask = process.StandardError.BaseStream.CopyToAsync(errors);
        process.StandardOutput.BaseStream.CopyTo(output);
        process.WaitForExit();
        stderrTask.Wait();
        return (process.ExitCode, output.ToArray(), errors.ToArray());
    }
}
