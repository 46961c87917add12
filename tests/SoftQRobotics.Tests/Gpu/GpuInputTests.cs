using SoftQRobotics.Gpu.Device;

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
}
