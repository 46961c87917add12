using SoftQRobotics.Core;
using SoftQRobotics.Learning.Nn;

namespace SoftQRobotics.Learning.Agents;

/// <summary>The energy the sampler learns to sample from: ∂Q(s, a)/∂a at a batch of actions, a group per state.</summary>
public interface IActionGradient
{
    /// <summary>Writes Q(s_i, a_ij) and ∂Q(s_i, a_ij)/∂a for every action row.</summary>
    /// <param name="states">(stateCount × obsDim)</param>
    /// <param name="actions">(stateCount·perState × actDim), state by state</param>
    /// <param name="dQda">destination, (stateCount·perState × actDim)</param>
    /// <param name="q">destination, (stateCount·perState)</param>
    void ActionGradient(ReadOnlySpan<float> states, ReadOnlySpan<float> actions, int stateCount, int perState, Span<float> dQda, Span<float> q);
}

/// <summary>∂Q/∂a of a Q-network on s ⧺ a, by one grouped forward and one input-only backward pass (its parameter gradients are untouched).</summary>
public sealed class QActionGradient : IActionGradient
{
    private readonly Mlp _q;
    private readonly float[] _ones;

    /// <param name="q">the Q-network, input width obsDim + actDim, group width obsDim</param>
    /// <param name="maxRows">largest batch of action rows</param>
    public QActionGradient(Mlp q, int maxRows)
    {
        _q = q;
        _ones = Enumerable.Repeat(1f, maxRows).ToArray();
    }

    /// <inheritdoc/>
    public void ActionGradient(ReadOnlySpan<float> states, ReadOnlySpan<float> actions, int stateCount, int perState, Span<float> dQda, Span<float> q)
    {
        int rows = stateCount * perState;
        _q.ForwardGrouped(states, actions, stateCount, perState)[..rows].CopyTo(q);
        _q.Backward(_ones.AsSpan(0, rows), accumulateParameterGradients: false).CopyTo(dQda);
    }
}

/// <summary>
/// The amortized SVGD sampling network: u = f^φ(s, ξ), a = tanh(u), trained so that its actions
/// follow p(a | s) ∝ exp(Q(s, a)/α). SVGD runs on the pre-tanh particles u with all K particles
/// acting as both the kernel's inner and outer set. Workspaces are allocated once.
/// </summary>
public sealed class SteinSampler
{
    private readonly int _obsDim, _actDim, _maxStates, _maxParticles;
    private readonly Mlp _f;
    private readonly Adam _optimizer;
    private readonly float[] _states;       // (maxStates × obs): the states of the drawn step
    private readonly float[] _noise;        // (rows × act): ξ, a row per particle (or per action)
    private readonly Part[] _parts;         // the two halves of the states of a step
    private readonly Action<int> _runPart;  // cached: no allocation per step
    private float[] _frozenNoise = [];      // (K_ξ × act)
    private int _frozenCount;

    // what the running step's parts read, set by SteinStep
    private (int N, int K, float Alpha, IActionGradient[] Critics, Action<int>? Alongside) _step;
    private (int N, int K)? _drawn;         // the step DrawNoise prepared, consumed by SteinStep

    /// <param name="maxStates">largest N of a training batch</param>
    /// <param name="maxParticles">largest K</param>
    /// <param name="maxActBatch">largest batch of <see cref="Act"/></param>
    public SteinSampler(int observationSize, int actionSize, int[] hiddenSizes, int maxStates, int maxParticles, int maxActBatch,
        float learningRate, KernelBandwidth kernel, Initializer initializer, Rng rng)
    {
        (_obsDim, _actDim, _maxStates, _maxParticles) = (observationSize, actionSize, maxStates, maxParticles);
        int rows = Math.Max(maxStates * maxParticles, maxActBatch);
        _f = new Mlp([observationSize + actionSize, .. hiddenSizes, actionSize], Activation.Relu, Activation.Identity, rows, groupWidth: observationSize);
        _f.Initialize(initializer, rng);
        _optimizer = new Adam(_f.Parameters.Length, learningRate);
        _states = new float[maxStates * observationSize];
        _noise = new float[rows * actionSize];
        int halfStates = TwoLanes.Half(maxStates, 0).Count;
        _parts = [new Part(this, halfStates, kernel), new Part(this, halfStates, kernel)];
        _runPart = RunPart;
    }

    /// <summary>The network f^φ.</summary>
    public Mlp Network => _f;
    /// <summary>Its optimiser.</summary>
    public Adam Optimizer => _optimizer;
    /// <summary>The frozen noise set, empty when ξ is drawn fresh, (K_ξ × act).</summary>
    public float[] FrozenNoise => _frozenNoise;
    /// <summary>How many members of the frozen set are in use (0: fresh noise).</summary>
    public int FrozenCount => _frozenCount;

    /// <summary>Draws every ξ from the first <paramref name="count"/> members of a fixed set (made on the first call; later calls only truncate).</summary>
    public void FreezeNoise(int count, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (_frozenNoise.Length == 0)
        {
            _frozenNoise = new float[count * _actDim];
            rng.FillGaussian(_frozenNoise);
        }
        _frozenCount = Math.Min(count, _frozenNoise.Length / _actDim);
    }

    /// <summary>Restores a frozen set saved with a checkpoint.</summary>
    public void RestoreFrozenNoise(float[] set, int count) => (_frozenNoise, _frozenCount) = (set, count);

    /// <summary>a = tanh(f^φ(s, ξ)) for each row of <paramref name="observations"/> (obs), with its own ξ.</summary>
    public void Act(ReadOnlySpan<float> observations, Span<float> actions, int count, Rng rng)
    {
        _drawn = null;
        FillNoise(count, perState: 1, rng);
        var u = _f.ForwardGrouped(observations, _noise, count, 1);
        for (int i = 0; i < count * _actDim; i++) actions[i] = MathF.Tanh(u[i]);
    }

    /// <summary>Actions tanh f^φ(s, 0), one per observation row (the noise-free action), (count × actDim).</summary>
    public void ActAtZeroNoise(ReadOnlySpan<float> observations, Span<float> actions, int count)
    {
        _drawn = null;
        _noise.AsSpan(0, count * _actDim).Clear();
        var u = _f.ForwardGrouped(observations, _noise, count, 1);
        for (int i = 0; i < count * _actDim; i++) actions[i] = MathF.Tanh(u[i]);
    }

    /// <summary>
    /// Keeps the next step's states <paramref name="states"/> (N × obs) and draws its particles' noise
    /// ξ_ij, K per state, in row order; <see cref="SteinStep"/> consumes them. A separate call so that the
    /// draws can run beside other work (docs/performance.md, "Two threads for one run").
    /// </summary>
    /// <exception cref="ArgumentException">n or k exceeds the sizes the sampler was built for.</exception>
    public void DrawNoise(ReadOnlySpan<float> states, int n, int k, Rng rng)
    {
        if (n > _maxStates || k > _maxParticles) throw new ArgumentException($"sampler was sized for {_maxStates} states × {_maxParticles} particles");
        states[..(n * _obsDim)].CopyTo(_states);
        FillNoise(n, k, rng);
        _drawn = (n, k);
    }

    /// <summary>
    /// One amortized SVGD step on φ for the N states whose particles' noise <see cref="DrawNoise"/> drew:
    /// K particles per state u_ij = f^φ(s_i, ξ_ij), a_ij = tanh u_ij; the score at each particle
    /// g = ∂Q/∂a·(1 − a²) − 2α·a (= ∂Q(s, tanh u)/∂u + α ∂/∂u log(1 − tanh² u));
    /// φ(u_k) = (1/K) Σ_j [κ(u_j, u_k) g_j + α ∇_{u_j} κ(u_j, u_k)]; then an Adam step on φ along
    /// ∂u/∂φ·φ (docs/implementation-details.md, "SVGD"). The two halves of the states run as the
    /// lanes of <paramref name="lanes"/> and their gradients are summed in lane order, so one thread
    /// or two give the same φ.
    /// </summary>
    /// <param name="critics">∂Q/∂a for lane 0 and lane 1, evaluated at the particles before any parameter changes</param>
    /// <param name="alongside">run first in each lane with the lane's index (the caller's own half-batch work); null: none</param>
    /// <returns>the root-mean-square norm of φ over the N·K particles; <see cref="LastQSpreadOverAlpha"/> is set too</returns>
    /// <exception cref="ArgumentException">not two critics.</exception>
    /// <exception cref="InvalidOperationException">no <see cref="DrawNoise"/> for (n, k) since the last step or action.</exception>
    public double SteinStep(int n, int k, IActionGradient[] critics, float alpha, TwoLanes lanes, Action<int>? alongside = null)
    {
        if (critics.Length != 2) throw new ArgumentException("one critic per lane: two", nameof(critics));
        if (_drawn != (n, k)) throw new InvalidOperationException($"SteinStep({n}, {k}) needs DrawNoise for {n} states × {k} particles first");
        _drawn = null;
        _step = (n, k, alpha, critics, alongside);
        lanes.Run(_runPart);
        _step = default;

        // ∂/∂φ summed over the halves, in lane order; ascend
        var gradients = _f.Gradients.AsSpan();
        _parts[0].Network.Gradients.CopyTo(gradients);
        if (TwoLanes.Half(n, 1).Count > 0) System.Numerics.Tensors.TensorPrimitives.Add(gradients, _parts[1].Network.Gradients, gradients);
        _optimizer.Update(_f.Parameters, _f.Gradients);
        LastQSpreadOverAlpha = (_parts[0].SpreadSum + _parts[1].SpreadSum) / (alpha * n);
        LastParticleMinorityFraction = (_parts[0].MinoritySum + _parts[1].MinoritySum) / (n * _actDim);
        LastParticleActionStd = (_parts[0].ActionStdSum + _parts[1].ActionStdSum) / (n * _actDim);
        return Math.Sqrt((_parts[0].SquaredNorm + _parts[1].SquaredNorm) / (n * k));
    }

    /// <summary>The last <see cref="SteinStep"/>'s mean over its states of the standard deviation (1/K form) over the K particles of Q(s, a_k)/α.</summary>
    public double LastQSpreadOverAlpha { get; private set; } = double.NaN;

    /// <summary>
    /// The last <see cref="SteinStep"/>'s mean over its states and action dimensions of the fraction of the K particles'
    /// actions on the less populated side of 0: 0.5 when the particles split evenly, 0 when all of them act on one
    /// side (a sampler that has dropped a mode; docs/implementation-details.md, "Temperature").
    /// </summary>
    public double LastParticleMinorityFraction { get; private set; } = double.NaN;

    /// <summary>The last <see cref="SteinStep"/>'s mean over its states and action dimensions of the standard deviation (1/K form) of the K particles' actions a = tanh u.</summary>
    public double LastParticleActionStd { get; private set; } = double.NaN;

    private void RunPart(int lane)
    {
        _step.Alongside?.Invoke(lane);
        var (first, count) = TwoLanes.Half(_step.N, lane);
        _parts[lane].Run(first, count, _step.N, _step.K, _step.Critics[lane], _step.Alpha);
    }

    /// <summary>One lane's share of a step: the particles of its states, their scores, the Stein direction and ∂/∂φ on its own view of f^φ.</summary>
    private sealed class Part
    {
        private readonly SteinSampler _owner;
        private readonly SvgdKernel _kernel;
        private readonly float[] _particles;    // (n·K × act) u
        private readonly float[] _actions;      // (n·K × act) a = tanh u
        private readonly float[] _directions;   // (n·K × act) φ, then −φ/N
        private readonly float[] _dQda;         // (n·K × act) ∂Q/∂a at the particles
        private readonly float[] _q;            // (n·K) Q at the particles
        private readonly float[] _scores;       // (K × act) per state

        public Part(SteinSampler owner, int maxStates, KernelBandwidth kernel)
        {
            _owner = owner;
            int k = owner._maxParticles, d = owner._actDim;
            Network = Mlp.SharingParameters(owner._f, Math.Max(1, maxStates * k));
            _kernel = new SvgdKernel(k, d, kernel);
            _particles = new float[maxStates * k * d];
            _actions = new float[maxStates * k * d];
            _directions = new float[maxStates * k * d];
            _dQda = new float[maxStates * k * d];
            _q = new float[maxStates * k];
            _scores = new float[k * d];
        }

        /// <summary>f^φ's parameters with this part's workspace and gradient.</summary>
        public Mlp Network { get; }

        /// <summary>Σ |φ|² over this part's particles in the last step.</summary>
        public double SquaredNorm { get; private set; }

        /// <summary>Σ over this part's states of the standard deviation of Q over the state's particles, in the last step.</summary>
        public double SpreadSum { get; private set; }

        /// <summary>Σ over this part's states and action dimensions of the fraction of the state's particles on the less populated side of 0, in the last step.</summary>
        public double MinoritySum { get; private set; }

        /// <summary>Σ over this part's states and action dimensions of the standard deviation of the state's particles' actions, in the last step.</summary>
        public double ActionStdSum { get; private set; }

        /// <summary>States first … first + count − 1 of a batch of <paramref name="n"/>; leaves ∂/∂φ of −Σ⟨u, φ⟩/n in <see cref="Network"/>'s gradient.</summary>
        public void Run(int first, int count, int n, int k, IActionGradient critic, float alpha)
        {
            (SquaredNorm, SpreadSum, MinoritySum, ActionStdSum) = (0, 0, 0, 0);
            if (count == 0) return;
            int obs = _owner._obsDim, d = _owner._actDim, rows = count * k;

            // particles u_ij = f(s_i, ξ_ij) and actions a_ij = tanh u_ij
            var states = _owner._states.AsSpan(first * obs, count * obs);
            Network.ForwardGrouped(states, _owner._noise.AsSpan(first * k * d, rows * d), count, k).CopyTo(_particles);
            for (int p = 0; p < rows * d; p++) _actions[p] = MathF.Tanh(_particles[p]);   // MathF: TensorPrimitives.Tanh's error shows in the whole-update check
            critic.ActionGradient(states, _actions.AsSpan(0, rows * d), count, k, _dQda, _q);
            double spread = 0;
            for (int i = 0; i < count; i++)
            {
                double mean = 0, squares = 0;
                for (int j = 0; j < k; j++) mean += _q[i * k + j];
                mean /= k;
                for (int j = 0; j < k; j++) squares += (_q[i * k + j] - mean) * (_q[i * k + j] - mean);
                spread += Math.Sqrt(squares / k);
            }
            SpreadSum = spread;
            (MinoritySum, ActionStdSum) = ParticleSpread(_actions, count, k, d);

            // the Stein direction φ per state, from the scores of that state's particles
            double squaredNorm = 0;
            for (int i = 0; i < count; i++)
            {
                for (int j = 0; j < k; j++)
                {
                    int row = i * k + j;
                    for (int c = 0; c < d; c++)
                    {
                        float a = _actions[row * d + c];
                        _scores[j * d + c] = _dQda[row * d + c] * (1 - a * a) - 2 * alpha * a;
                    }
                }
                var block = _directions.AsSpan(i * k * d, k * d);
                _kernel.Direction(_particles.AsSpan(i * k * d, k * d), _scores, k, alpha, block);
                foreach (float v in block) squaredNorm += v * v;
            }
            SquaredNorm = squaredNorm;

            // ascend along φ: ∂(−Σ ⟨u, φ⟩/N)/∂u = −φ/N, backpropagated through this part's view of f^φ
            var gradient = _directions.AsSpan(0, rows * d);
            for (int p = 0; p < gradient.Length; p++) gradient[p] = -gradient[p] / n;
            Network.ZeroGradients();
            Network.Backward(gradient, inputGradient: false);
        }
    }

    /// <summary>
    /// Over <paramref name="count"/> states of K particles each (actions (count·K × d), state by state), the sums over
    /// states and action dimensions of the fraction of particles on the less populated side of 0 (a = 0 counts as
    /// neither side's majority: it is on the positive side) and of the standard deviation (1/K form) of the actions.
    /// </summary>
    public static (double MinoritySum, double StdSum) ParticleSpread(ReadOnlySpan<float> actions, int count, int k, int d)
    {
        double minority = 0, std = 0;
        for (int i = 0; i < count; i++)
        {
            for (int c = 0; c < d; c++)
            {
                int negative = 0;
                double mean = 0, squares = 0;
                for (int j = 0; j < k; j++)
                {
                    float a = actions[(i * k + j) * d + c];
                    if (a < 0) negative++;
                    mean += a;
                }
                mean /= k;
                for (int j = 0; j < k; j++) squares += (actions[(i * k + j) * d + c] - mean) * (actions[(i * k + j) * d + c] - mean);
                minority += Math.Min(negative, k - negative) / (double)k;
                std += Math.Sqrt(squares / k);
            }
        }
        return (minority, std);
    }

    /// <summary>ξ_ij of <see cref="_noise"/>, <paramref name="perState"/> rows per state: fresh ξ are one draw of n·perState × act Gaussians in row order, frozen ones a member index per row.</summary>
    private void FillNoise(int n, int perState, Rng rng)
    {
        int rows = n * perState;
        if (_frozenCount == 0)
        {
            rng.FillGaussian(_noise.AsSpan(0, rows * _actDim));
            return;
        }
        for (int row = 0; row < rows; row++) _frozenNoise.AsSpan(rng.NextInt(_frozenCount) * _actDim, _actDim).CopyTo(_noise.AsSpan(row * _actDim, _actDim));
    }
}
