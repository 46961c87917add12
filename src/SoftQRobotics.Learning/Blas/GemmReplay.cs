using SoftQRobotics.Core;

namespace SoftQRobotics.Learning.Blas;

/// <summary>sgemm alone on a recorded sequence of products (<see cref="Gemm.Recorder"/>): fresh operands, the same shapes and transposes.</summary>
public sealed class GemmReplay
{
    private readonly GemmShape[] _shapes;
    private readonly (float[] A, float[] B, float[] C)[] _operands;

    /// <param name="shapes">the products, in the order they ran</param>
    public GemmReplay(IReadOnlyList<GemmShape> shapes)
    {
        _shapes = shapes.ToArray();
        _operands = _shapes.Select(g =>
        {
            var a = new float[g.M * g.K];
            var b = new float[g.K * g.N];
            new Rng(3).FillUniform(a, -1, 1);
            new Rng(4).FillUniform(b, -1, 1);
            return (a, b, new float[g.M * g.N]);
        }).ToArray();
    }

    /// <summary>2·m·n·k summed over the products.</summary>
    public double Flops => _shapes.Sum(g => g.Flops);

    /// <summary>Computes every product once, on the active backend.</summary>
    public void Run() => Run(Gemm.Active);

    /// <summary>Computes every product once, on <paramref name="backend"/> (the active one stays).</summary>
    /// <exception cref="DllNotFoundException">its library is not installed.</exception>
    public void Run(GemmBackend backend)
    {
        for (int i = 0; i < _shapes.Length; i++)
        {
            var g = _shapes[i];
            var (a, b, c) = _operands[i];
            Gemm.SgemmOn(backend, g.TransA, g.TransB, g.M, g.N, g.K, 1f, a, g.TransA ? g.M : g.K, b, g.TransB ? g.K : g.N, 0f, c, g.N);
        }
    }
}
