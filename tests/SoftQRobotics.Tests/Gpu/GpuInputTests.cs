using SoftQRobotics.Gpu.Agents;
using SoftQRobotics.Gpu.Device;
using SoftQRobotics.Learning.Agents;

namespace SoftQRobotics.Tests.Gpu;

/// <summary>A device that cannot give what is asked says so in one line.</summary>
public class GpuInputTests(DeviceFixture fixture) : IClassFixture<DeviceFixture>
{
    [Fact]
    public void AnAllocationTooLargeForTheDevice_NamesTheSizeAskedFor()
    {
        var error = Assert.Throws<GpuOutOfMemoryException>(() => fixture.Device.Allocate(1L << 42, "network parameters"));
        Assert.Contains("network parameters needs 16777216.0 MiB", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void AnOutputLayerLearningRateScale_IsRefused_InOneLine()
    {
        var settings = new SqlSettings { HiddenSizes = [8], Particles = 4, ValueParticles = 4, BatchSize = 4, QOutputLearningRateScale = 10 };
        var error = Assert.Throws<NotSupportedException>(() => new SeedBatchedSoftQLearning(fixture.Device, 3, 2, settings, [0UL]));
        Assert.Contains("q_output_learning_rate_scale 10 runs on the CPU engine only", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
