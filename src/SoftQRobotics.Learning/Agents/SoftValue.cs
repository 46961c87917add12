namespace SoftQRobotics.Learning.Agents;

/// <summary>
/// The soft value V(s′) = α·log ∫ exp(Q̄(s′, a)/α) da over the action box [−1, 1]^d, estimated by
/// importance sampling with the uniform proposal q(a) = 2^−d:
/// V ≈ α·[logsumexp_k(Q̄_k/α) − ln K_V] + d·α·ln 2, computed with the maximum factored out.
/// </summary>
public static class SoftValue
{
    /// <param name="q">Q̄(s′, a_k) for K_V actions a_k ~ U[−1, 1]^d</param>
    /// <param name="alpha">temperature α &gt; 0</param>
    /// <param name="actionDim">d</param>
    public static double Estimate(ReadOnlySpan<float> q, double alpha, int actionDim)
    {
        if (q.IsEmpty) throw new ArgumentException("the soft value needs at least one sample", nameof(q));
        double max = double.NegativeInfinity;
        foreach (float v in q) max = Math.Max(max, v);
        double sum = 0;
        foreach (float v in q) sum += Math.Exp((v - max) / alpha);
        return max + alpha * (Math.Log(sum) - Math.Log(q.Length)) + actionDim * alpha * Math.Log(2);
    }
}
