using SoftQRobotics.Core;
using SoftQRobotics.Mujoco;

namespace SoftQRobotics.Envs.Mujoco;

/// <summary>
/// The generic machinery of a MuJoCo env: maps actions from [−1, 1] onto each actuator's ctrlrange,
/// rejects bad actions before touching the state, runs the frame skip, enforces the time limit
/// (truncation) and ends an episode whose physics went unstable (termination, flagged in info).
/// One <see cref="MjData"/> per env; the <see cref="MjModel"/> is shared.
/// </summary>
public sealed class MujocoEnv : IEnv
{
    private readonly MujocoTask _task;
    private readonly MjModel _model;
    private readonly MjData _data;
    private readonly int _frameSkip;
    private readonly double[] _ctrlCentre, _ctrlHalfRange;   // (nu)
    private readonly float[] _clippedAction;                  // (actDim)
    private readonly Rng _rng = new(0);
    private readonly double[] _stagedQpos, _stagedQvel;       // (nq), (nv): the state the data's position and velocity stages describe
    private bool _stagesCurrent;                              // whether they do (set by a forward or a readout, kept while qpos and qvel are unchanged)
    private int _step;
    private bool _running;

    /// <summary>Creates an env of <paramref name="task"/> on <paramref name="model"/>, which must have been compiled from the task's XML and bound.</summary>
    public MujocoEnv(MujocoTask task, MjModel model)
    {
        _task = task;
        _model = model;
        _data = new MjData(model);
        _frameSkip = (int)(model.Numeric("frame_skip")?[0] ?? 1);
        if (model.Nu != task.Spec.ActionSize)
        {
            throw new InvalidOperationException($"{task.Spec.Name}: model has {model.Nu} actuators but the task declares {task.Spec.ActionSize} actions");
        }
        var range = model.ActuatorCtrlRange;
        _ctrlCentre = new double[model.Nu];
        _ctrlHalfRange = new double[model.Nu];
        for (int i = 0; i < model.Nu; i++)
        {
            _ctrlCentre[i] = 0.5 * (range[2 * i] + range[2 * i + 1]);
            _ctrlHalfRange[i] = 0.5 * (range[2 * i + 1] - range[2 * i]);
        }
        _clippedAction = new float[model.Nu];
        _stagedQpos = new double[model.Nq];
        _stagedQvel = new double[model.Nv];
    }

    /// <inheritdoc/>
    public EnvSpec Spec => _task.Spec;

    /// <summary>The task logic this env runs (observation, reward, arena).</summary>
    public MujocoTask Task => _task;

    /// <summary>Physics steps per env step (the model's frame_skip numeric, else 1).</summary>
    public int FrameSkip => _frameSkip;

    /// <summary>The simulation state (read it; changing it mid-episode is the caller's responsibility).</summary>
    public MjData Data => _data;

    /// <inheritdoc/>
    public EnvInfo Reset(int? seed, Span<float> observation)
    {
        ActionCheck.ValidateObservation(Spec, observation);
        if (seed.HasValue) _rng.Reseed((ulong)seed.Value);
        Mj.ResetData(_model, _data);
        _task.ResetState(_model, _data, _rng);
        _stagesCurrent = false;
        Mj.Forward(_model, _data, _task.AfterStep);
        RememberStagedState();
        _task.Observe(_data, observation);
        _step = 0;
        _running = true;
        return _task.Metrics(_data, 0);
    }

    /// <inheritdoc/>
    public StepResult Step(ReadOnlySpan<float> action, Span<float> observation)
    {
        ActionCheck.Validate(Spec, action);
        ActionCheck.ValidateObservation(Spec, observation);
        if (!_running)
        {
            throw new InvalidOperationException($"{Spec.Name}: the episode has ended; call Reset before Step");
        }

        // map [-1, 1] linearly onto each actuator's ctrlrange
        var ctrl = _data.Ctrl;
        for (int i = 0; i < ctrl.Length; i++)
        {
            float a = Math.Clamp(action[i], EnvSpec.ActionLow, EnvSpec.ActionHigh);
            _clippedAction[i] = a;
            ctrl[i] = _ctrlCentre[i] + _ctrlHalfRange[i] * a;
        }

        // read everything at the state after the step; the next step's first forward reuses what depends on the
        // state alone (docs/implementation-details.md, "Post-step readout")
        var flags = _task.AfterStep | MjAfterStep.NewState;
        if (_stagesCurrent && _data.Qpos.SequenceEqual(_stagedQpos) && _data.Qvel.SequenceEqual(_stagedQvel)) flags |= MjAfterStep.ReuseStages;
        _stagesCurrent = false;   // until the step has returned: an engine error resets the data
        var warnings = Mj.Step(_model, _data, _frameSkip, flags);
        RememberStagedState();
        _step++;

        // MuJoCo silently reset a diverging state: the transition is meaningless, end the episode
        bool unstable = (warnings & MjWarnings.Unstable) != 0;
        var terms = _task.Reward(_data, _clippedAction, out bool terminated);
        if (unstable)
        {
            terms = default;
            terminated = true;
        }
        bool truncated = !terminated && _step >= Spec.Horizon;
        _task.Observe(_data, observation);
        _running = !(terminated || truncated);
        var info = _task.Metrics(_data, _step) with { Unstable = unstable, Reward = terms };
        return new StepResult(terms.Total, terminated, truncated, info);
    }

    private void RememberStagedState()
    {
        _data.Qpos.CopyTo(_stagedQpos);
        _data.Qvel.CopyTo(_stagedQvel);
        _stagesCurrent = true;
    }

    /// <summary>Frees the simulation data.</summary>
    public void Dispose() => _data.Dispose();
}
