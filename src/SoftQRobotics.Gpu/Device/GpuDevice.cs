using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using SoftQRobotics.Learning.Blas;

namespace SoftQRobotics.Gpu.Device;

/// <summary>Where the GPU engine runs.</summary>
public enum DeviceKind
{
    /// <summary>An NVIDIA GPU through CUDA; matrix products by cuBLAS.</summary>
    Cuda,

    /// <summary>ILGPU's CPU accelerator (the same kernels, emulated on host threads; matrix products by the CPU engine's GEMM). For tests on machines without a GPU.</summary>
    CpuAccelerator,
}

/// <summary>One product of <see cref="GpuDevice.Gemm"/>: the shape, done for <paramref name="Seeds"/> seeds at once.</summary>
public readonly record struct BatchedGemmShape(GemmShape Shape, int Seeds)
{
    /// <summary>2·m·n·k·seeds.</summary>
    public double Flops => Shape.Flops * Seeds;
}

/// <summary>The device is missing or unusable: no NVIDIA driver, no GPU, no cuBLAS. The message is one line naming what is missing.</summary>
public sealed class GpuUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>An allocation on the device failed. The message names the size asked for.</summary>
public sealed class GpuOutOfMemoryException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// One accelerator with the engine's kernels and matrix products on its stream, and a count of launches.
/// Not thread-safe: one thread drives a device (cuBLAS is bound to the thread's CUDA context).
/// </summary>
public sealed class GpuDevice : IDisposable
{
    private readonly Context _context;
    private readonly CuBlas? _blas;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, FirstLayerShape> _firstLayer;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, int, int, int, ArrayView<float>, int, int, int> _biasActivation;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, int, ArrayView<float>, int, ArrayView<float>, int, int, int> _activationBackward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, int, ArrayView<float>, int, int, int, int> _sumOverGroups;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, int, ArrayView<float>, int, int> _tanh;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, float, ArrayView<float>> _adam;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, int, int, ArrayView<float>, int, int, int, ArrayView<float>, int, int, double, double, int> _softTarget;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, int, ArrayView<float>, int, int, int, ArrayView<float>, int, int, double> _bootstrapTarget;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, int, ArrayView<float>, int, ArrayView<float>, ArrayView<float>, int> _tdGradient;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, SteinShape> _steinDirection;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<double>, StatisticsShape> _stepStatistics;

    private readonly int _steinGroupSize, _reductionGroupSize;

    private GpuDevice(DeviceKind kind, Context context, Accelerator accelerator, AcceleratorStream stream, CuBlas? blas, string description)
    {
        (Kind, _context, Accelerator, _blas, Description) = (kind, context, accelerator, blas, description);
        Stream = stream;
        _firstLayer = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, FirstLayerShape>(Kernels.FirstLayer);
        _biasActivation = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, int, int, int, ArrayView<float>, int, int, int>(Kernels.BiasActivation);
        _activationBackward = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, int, ArrayView<float>, int, ArrayView<float>, int, int, int>(Kernels.ActivationBackward);
        _sumOverGroups = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, int, ArrayView<float>, int, int, int, int>(Kernels.SumOverGroups);
        _tanh = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, int, ArrayView<float>, int, int>(Kernels.Tanh);
        _adam = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, float, ArrayView<float>>(Kernels.Adam);
        _softTarget = accelerator.LoadKernel<ArrayView<float>, int, int, ArrayView<float>, int, int, int, ArrayView<float>, int, int, double, double, int>(Kernels.SoftTarget);
        _bootstrapTarget = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, int, ArrayView<float>, int, int, int, ArrayView<float>, int, int, double>(Kernels.BootstrapTarget);
        _tdGradient = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, int, ArrayView<float>, int, ArrayView<float>, ArrayView<float>, int>(Kernels.TdGradient);
        _steinDirection = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, SteinShape>(Kernels.SteinDirection);
        _steinGroupSize = Math.Min(128, accelerator.MaxNumThreadsPerGroup);
        _stepStatistics = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<double>, StatisticsShape>(Kernels.StepStatistics);
        _reductionGroupSize = 1 << (int)Math.Log2(Math.Min(Kernels.MaxReductionGroup, accelerator.MaxNumThreadsPerGroup));
    }

    /// <summary>
    /// The GPU that ILGPU's CPU accelerator simulates: groups of 4 threads in 2 warps of 2, one multiprocessor.
    /// Every simulated thread is a host thread woken at each launch, so ILGPU's default (16 threads per group)
    /// made a launch wait for 16 wake-ups: on a 2-core machine whose cores were busy, a 60-step test run took
    /// 524 s against 177 s with 4 threads (12 s against 3.8 s idle). Two warps per group keep the group
    /// barriers between warps exercised (docs/gpu.md, "Tests without a GPU").
    /// </summary>
    private static readonly CPUDevice SimulatedCpuDevice = new(numThreadsPerWarp: 2, numWarpsPerMultiprocessor: 2, numMultiprocessors: 1);

    /// <summary>Opens the first device of <paramref name="kind"/>.</summary>
    /// <exception cref="GpuUnavailableException">no NVIDIA driver (libcuda), no CUDA GPU, or no cuBLAS; the message names what is missing and the libraries tried.</exception>
    public static GpuDevice Open(DeviceKind kind)
    {
        if (kind == DeviceKind.CpuAccelerator)
        {
            var cpuContext = Context.Create(builder => builder.CPU(SimulatedCpuDevice).EnableAlgorithms());
            var cpu = cpuContext.CreateCPUAccelerator(0);
            return new GpuDevice(kind, cpuContext, cpu, cpu.CreateStream(), null, $"ILGPU CPU accelerator ({cpu.MaxNumThreadsPerGroup} threads per group), GEMM by {Learning.Blas.Gemm.Describe(Learning.Blas.Gemm.Active)}");
        }

        Context context;
        try
        {
            context = Context.Create(builder => builder.Cuda().EnableAlgorithms());   // Algorithms: PTX code for exp, log, tanh
        }
        catch (Exception e)
        {
            throw new GpuUnavailableException($"CUDA could not be initialised ({e.Message.Split('\n')[0]}): is the NVIDIA driver (libcuda.so.1) installed?", e);
        }
        var devices = context.GetCudaDevices();
        if (devices.Count == 0)
        {
            context.Dispose();
            throw new GpuUnavailableException(CudaMissingReason());
        }
        CudaAccelerator accelerator;
        try
        {
            accelerator = context.CreateCudaAccelerator(0);
        }
        catch (Exception e)
        {
            context.Dispose();
            throw new GpuUnavailableException($"the CUDA device could not be opened: {e.Message.Split('\n')[0]}", e);
        }
        CuBlas blas;
        // our own stream: CUDA graphs cannot capture ILGPU's default stream (the legacy NULL stream)
        var stream = (CudaStream)accelerator.CreateStream();
        try
        {
            accelerator.Bind();
            blas = new CuBlas(stream.StreamPtr);
        }
        catch (Exception e) when (e is DllNotFoundException or InvalidOperationException or EntryPointNotFoundException)
        {
            accelerator.Dispose();
            context.Dispose();
            throw new GpuUnavailableException(e.Message, e);
        }
        var device = devices[0];
        string description = $"{accelerator.Name} (SM {accelerator.Architecture}, {accelerator.NumMultiprocessors} multiprocessors, {accelerator.MemorySize / (1L << 30)} GiB), " +
            $"CUDA driver {accelerator.DriverVersion}, cuBLAS {blas.Version} ({blas.LibraryPath})";
        _ = device;
        try
        {
            return new GpuDevice(kind, context, accelerator, stream, blas, description) { UsesGraphs = Environment.GetEnvironmentVariable("SOFTQ_CUDA_GRAPHS") != "0" };
        }
        catch (Exception e) when (e is InternalCompilerException or NotSupportedException or AcceleratorException)
        {
            blas.Dispose();
            accelerator.Dispose();
            context.Dispose();
            throw new GpuUnavailableException($"the GPU engine's kernels could not be compiled for {description}: {e.InnerException?.Message ?? e.Message}", e);
        }
    }

    /// <summary>Why no CUDA device was found, as one line.</summary>
    private static string CudaMissingReason()
    {
        bool driver = System.Runtime.InteropServices.NativeLibrary.TryLoad("libcuda.so.1", out var handle);
        if (driver) System.Runtime.InteropServices.NativeLibrary.Free(handle);
        return driver
            ? "no CUDA GPU was found (the NVIDIA driver libcuda.so.1 loaded, but it reports no device)"
            : "no CUDA GPU was found: the NVIDIA driver library libcuda.so.1 is not installed (tried the loader's path)";
    }

    /// <summary>CUDA or the CPU accelerator.</summary>
    public DeviceKind Kind { get; }

    /// <summary>The accelerator.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>The CUDA stream everything is launched on (0 on the CPU accelerator).</summary>
    public nint StreamHandle => Stream is CudaStream cuda ? cuda.StreamPtr : 0;

    /// <summary>The stream every kernel, product and copy of the engine runs on, in order.</summary>
    public AcceleratorStream Stream { get; }

    /// <summary>Whether updates are captured into CUDA graphs and replayed (CUDA, unless <c>SOFTQ_CUDA_GRAPHS=0</c>).</summary>
    public bool UsesGraphs { get; set; } = true;

    /// <summary>The device, its driver and the matrix-product library, in words.</summary>
    public string Description { get; }

    /// <summary>Kernel launches and matrix-product calls issued so far (each cuBLAS call counts as one).</summary>
    public long Launches { get; private set; }

    /// <summary>The matrix-product calls among <see cref="Launches"/>.</summary>
    public long GemmCalls { get; private set; }

    /// <summary>When not null, every <see cref="Gemm"/> call appends its shape here (the bench replays a step's products alone). Off by default.</summary>
    public List<BatchedGemmShape>? GemmRecorder { get; set; }

    /// <summary>Allocates <paramref name="length"/> floats, zeroed.</summary>
    /// <exception cref="GpuOutOfMemoryException">the device has no room; the message names the size and <paramref name="what"/>.</exception>
    public DeviceArray Allocate(long length, string what)
    {
        try
        {
            var buffer = Accelerator.Allocate1D<float>(Math.Max(1, length));
            buffer.MemSetToZero(Stream);
            return new DeviceArray(buffer, Stream);
        }
        catch (Exception e) when (e is OutOfMemoryException || e.GetType().Name.Contains("Cuda", StringComparison.Ordinal) || e is AcceleratorException)
        {
            throw new GpuOutOfMemoryException($"out of GPU memory: {what} needs {length * sizeof(float) / 1048576.0:F1} MiB ({length} floats) on {Accelerator.Name}", e);
        }
    }

    /// <summary>Allocates <paramref name="length"/> doubles, zeroed (statistics).</summary>
    internal MemoryBuffer1D<double, Stride1D.Dense> AllocateDoubles(long length)
    {
        var buffer = Accelerator.Allocate1D<double>(length);
        buffer.MemSetToZero(Stream);
        return buffer;
    }

    /// <summary>Waits for every launched kernel and product.</summary>
    public void Synchronize() => Stream.Synchronize();

    /// <summary>
    /// Row-major C_s = α·op(A_s)·op(B_s) + β·C_s for every seed s, op(A) (m × k), op(B) (k × n), C (m × n),
    /// each operand at its seed stride (0: shared by all seeds). cuBLAS's strided-batched sgemm on CUDA
    /// (the row-major product is the column-major Cᵀ = op(B)ᵀ·op(A)ᵀ); the CPU engine's GEMM, seed by
    /// seed, on the CPU accelerator.
    /// </summary>
    public unsafe void Gemm(bool transA, bool transB, int m, int n, int k, float alpha, SeedTensor a, int lda, SeedTensor b, int ldb,
        float beta, SeedTensor c, int ldc, int seeds)
    {
        Launches++;
        GemmCalls++;
        GemmRecorder?.Add(new BatchedGemmShape(new GemmShape(transA, transB, m, n, k), seeds));
        if (_blas is not null)
        {
            _blas.SgemmStridedBatched(transB, transA, n, m, k, alpha, b.Pointer, ldb, b.SeedStride, a.Pointer, lda, a.SeedStride, beta, c.Pointer, ldc, c.SeedStride, seeds);
            return;
        }
        Stream.Synchronize();
        long lengthA = ((transA ? k : m) - 1L) * lda + (transA ? m : k), lengthB = ((transB ? n : k) - 1L) * ldb + (transB ? k : n), lengthC = (m - 1L) * ldc + n;
        for (int s = 0; s < seeds; s++)
        {
            var spanA = new ReadOnlySpan<float>((void*)(a.Pointer + (nint)(s * a.SeedStride * sizeof(float))), checked((int)lengthA));
            var spanB = new ReadOnlySpan<float>((void*)(b.Pointer + (nint)(s * b.SeedStride * sizeof(float))), checked((int)lengthB));
            var spanC = new Span<float>((void*)(c.Pointer + (nint)(s * c.SeedStride * sizeof(float))), checked((int)lengthC));
            Learning.Blas.Gemm.Sgemm(transA, transB, m, n, k, alpha, spanA, lda, spanB, ldb, beta, spanC, ldc);
        }
    }

    internal void FirstLayer(int extent, ArrayView<float> parameters, ArrayView<float> groups, ArrayView<float> rows, ArrayView<float> groupTerms, ArrayView<float> output, FirstLayerShape shape)
    {
        Launches++;
        _firstLayer(Stream, extent, parameters, groups, rows, groupTerms, output, shape);
    }

    internal void BiasActivation(int seeds, SeedTensor y, int rows, int width, SeedTensor parameters, int biasOffset, int activation)
    {
        Launches++;
        _biasActivation(Stream, seeds * rows * width, y.View, rows * width, width, y.Stride, parameters.View, biasOffset, parameters.Stride, activation);
    }

    internal void ActivationBackward(int seeds, SeedTensor gradient, SeedTensor y, SeedTensor delta, int count, int activation)
    {
        Launches++;
        _activationBackward(Stream, seeds * count, gradient.View, gradient.Stride, y.View, y.Stride, delta.View, delta.Stride, count, activation);
    }

    internal void SumOverGroups(int seeds, SeedTensor delta, SeedTensor sums, int groups, int perGroup, int width)
    {
        Launches++;
        _sumOverGroups(Stream, seeds * groups * width, delta.View, delta.Stride, sums.View, sums.Stride, groups, perGroup, width);
    }

    internal void Tanh(int seeds, SeedTensor u, SeedTensor a, int count)
    {
        Launches++;
        _tanh(Stream, seeds * count, u.View, u.Stride, a.View, a.Stride, count);
    }

    internal void Adam(DeviceArray parameters, DeviceArray gradients, DeviceArray m, DeviceArray v, float beta1, float beta2, float epsilon, SeedTensor stepSize)
    {
        Launches++;
        _adam(Stream, (int)parameters.Length, parameters.View, gradients.View, m.View, v.View, beta1, beta2, epsilon, stepSize.View);
    }

    internal void SoftTarget(int seeds, int n, SeedTensor qBar, int valueParticles, SeedTensor batch, int rewardOffset, int terminalOffset, SeedTensor y, double alpha, double discount, int actionDim)
    {
        Launches++;
        _softTarget(Stream, new KernelConfig(seeds * n, Math.Min(_reductionGroupSize, 1 << (int)Math.Ceiling(Math.Log2(valueParticles)))), qBar.View, qBar.Stride, valueParticles, batch.View, batch.Stride, rewardOffset, terminalOffset, y.View, y.Stride, n, alpha, discount, actionDim);
    }

    internal void BootstrapTarget(int seeds, int n, SeedTensor qNext, SeedTensor batch, int rewardOffset, int terminalOffset, SeedTensor y, double discount)
    {
        Launches++;
        _bootstrapTarget(Stream, seeds * n, qNext.View, qNext.Stride, batch.View, batch.Stride, rewardOffset, terminalOffset, y.View, y.Stride, n, discount);
    }

    internal void TdGradient(int seeds, int n, SeedTensor q, SeedTensor y, SeedTensor gradient, SeedTensor qCopy)
    {
        Launches++;
        _tdGradient(Stream, seeds * n, q.View, q.Stride, y.View, y.Stride, gradient.View, qCopy.View, n);
    }

    internal void SteinDirection(int seeds, ArrayView<float> particles, ArrayView<float> actions, ArrayView<float> dQda, ArrayView<float> distances,
        ArrayView<float> gradient, ArrayView<float> squaredNorms, SteinShape shape)
    {
        Launches++;
        _steinDirection(Stream, new KernelConfig(seeds * shape.States, _steinGroupSize), particles, actions, dQda, distances, gradient, squaredNorms, shape);
    }

    /// <param name="particleQ">SQL: Q at the particles, (S × N·K) at its stride; default with <paramref name="particles"/> 0 (DDPG)</param>
    /// <param name="particleActions">SQL: the particles' actions, (S × N·K × <paramref name="actionDim"/>) at its stride; default with <paramref name="particles"/> 0</param>
    internal void StepStatistics(int seeds, SeedTensor q, SeedTensor y, int n, SeedTensor second, int secondCount, bool stein,
        SeedTensor particleQ, SeedTensor particleActions, int particles, int actionDim, double alpha, ArrayView<double> stats)
    {
        Launches++;
        var shape = new StatisticsShape
        {
            QStride = q.Stride, YStride = y.Stride, N = n, SecondStride = second.Stride, SecondCount = secondCount, SecondIsStein = stein ? 1 : 0,
            ParticleQStride = particles > 0 ? particleQ.Stride : 0, Particles = particles, Alpha = alpha,
            ParticleActionStride = particles > 0 ? particleActions.Stride : 0, ActionDim = particles > 0 ? actionDim : 0,
        };
        _stepStatistics(Stream, new KernelConfig(seeds, _reductionGroupSize), q.View, y.View, second.View, particles > 0 ? particleQ.View : q.View,
            particles > 0 ? particleActions.View : q.View, stats, shape);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _blas?.Dispose();
        Stream.Dispose();
        Accelerator.Dispose();
        _context.Dispose();
    }
}
