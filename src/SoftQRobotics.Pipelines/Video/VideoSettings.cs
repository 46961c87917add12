using System.ComponentModel.DataAnnotations;
using SoftQRobotics.Envs.Rendering;

namespace SoftQRobotics.Pipelines.Video;

/// <summary>Training videos: every setting declared once, with its default and range.</summary>
public sealed record VideoSettings
{
    /// <summary>Every this many epochs, render one evaluation episode to videos/epoch_NNNN.mp4 (.gif without ffmpeg); 0: never.</summary>
    [ConfigKey("video_every"), Range(0, int.MaxValue)]
    public int Every { get; init; }

    /// <summary>Camera: track (follows the torso) or top (the whole arena).</summary>
    [ConfigKey("video_camera")]
    public CameraView Camera { get; init; } = CameraView.Track;

    /// <summary>Width in pixels.</summary>
    [ConfigKey("video_width"), Range(1, 8192)]
    public int Width { get; init; } = 480;

    /// <summary>Height in pixels.</summary>
    [ConfigKey("video_height"), Range(1, 8192)]
    public int Height { get; init; } = 360;
}
