using ILGPU;
using ILGPU.Runtime;

namespace SoftQRobotics.Gpu.Device;

/// <summary>A float32 array in the device's memory (GPU memory on CUDA, host memory on ILGPU's CPU accelerator).</summary>
public sealed class DeviceArray : IDisposable
{
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _buffer;
    private readonly AcceleratorStream _stream;

    internal DeviceArray(MemoryBuffer1D<float, Stride1D.Dense> buffer, AcceleratorStream stream) => (_buffer, _stream) = (buffer, stream);

    /// <summary>Number of floats.</summary>
    public long Length => _buffer.Length;

    /// <summary>The whole array as a kernel argument.</summary>
    public ArrayView<float> View => _buffer.View;

    /// <summary>The address of element <paramref name="offset"/> (a device pointer on CUDA), for cuBLAS.</summary>
    public nint Pointer(long offset = 0) => _buffer.NativePtr + (nint)(offset * sizeof(float));

    /// <summary>Copies <paramref name="source"/> to elements offset … offset + length − 1, after the stream's earlier work.</summary>
    /// <exception cref="ArgumentOutOfRangeException">the range leaves the array.</exception>
    public void Upload(ReadOnlySpan<float> source, long offset = 0)
    {
        if (source.IsEmpty) return;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset + source.Length, Length);
        _buffer.View.SubView(offset, source.Length).CopyFromCPU(_stream, ref System.Runtime.InteropServices.MemoryMarshal.GetReference(source), source.Length);
    }

    /// <summary>Copies elements offset … offset + destination.Length − 1 to <paramref name="destination"/>, waiting for the stream's earlier work.</summary>
    /// <exception cref="ArgumentOutOfRangeException">the range leaves the array.</exception>
    public void Download(Span<float> destination, long offset = 0)
    {
        if (destination.IsEmpty) return;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset + destination.Length, Length);
        _buffer.View.SubView(offset, destination.Length).CopyToCPU(_stream, ref System.Runtime.InteropServices.MemoryMarshal.GetReference(destination), destination.Length);
    }

    /// <summary>Copies the whole array into page-locked host memory of at least its length and waits for it (allocates nothing).</summary>
    public void DownloadTo(PageLockedArray1D<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Length);
        _buffer.View.CopyTo(_stream, destination.ArrayView.SubView(0, Length));
        _stream.Synchronize();
    }

    /// <summary>Copies <paramref name="length"/> elements from <paramref name="source"/> (device to device, on the stream).</summary>
    public void CopyFrom(DeviceArray source, long sourceOffset, long offset, long length) =>
        source._buffer.View.SubView(sourceOffset, length).CopyTo(_stream, _buffer.View.SubView(offset, length));

    /// <inheritdoc/>
    public void Dispose() => _buffer.Dispose();
}

/// <summary>
/// One tensor per seed inside a <see cref="DeviceArray"/>: seed s's tensor starts at
/// <see cref="Offset"/> + s·<see cref="SeedStride"/> (stride 0: every seed reads the same tensor).
/// </summary>
public readonly record struct SeedTensor(DeviceArray Array, long Offset, long SeedStride)
{
    /// <summary>The array from the first seed's tensor on, as a kernel argument.</summary>
    public ArrayView<float> View => Array.View.SubView(Offset, Array.Length - Offset);

    /// <summary>The first seed's tensor's address.</summary>
    public nint Pointer => Array.Pointer(Offset);

    /// <summary>The stride as a kernel argument.</summary>
    public int Stride => checked((int)SeedStride);

    /// <summary>The same tensors shifted by <paramref name="elements"/>.</summary>
    public SeedTensor At(long elements) => this with { Offset = Offset + elements };
}
