namespace SoftQRobotics.Tests.Mujoco;

/// <summary>Tiny inline MJCF models for binding tests.</summary>
internal static class MjcfSamples
{
    /// <summary>A free sphere starting at z = 10 with contacts off: pure ballistic motion.</summary>
    internal const string FallingBall = """
        <mujoco model="falling">
          <option timestep="0.001" gravity="0 0 -9.81"><flag contact="disable"/></option>
          <worldbody>
            <body name="ball" pos="0 0 10">
              <joint name="free" type="free"/>
              <geom type="sphere" size="0.1" mass="1"/>
            </body>
          </worldbody>
        </mujoco>
        """;

    /// <summary>A two-link actuated pendulum with a contact floor.</summary>
    internal const string Pendulum = """
        <mujoco model="pendulum">
          <option timestep="0.002"/>
          <worldbody>
            <geom name="floor" type="plane" size="5 5 0.1" pos="0 0 -2"/>
            <body name="upper" pos="0 0 1">
              <joint name="shoulder" type="hinge" axis="0 1 0" damping="0.1"/>
              <geom type="capsule" fromto="0 0 0 0 0 -0.5" size="0.05"/>
              <body name="lower" pos="0 0 -0.5">
                <joint name="elbow" type="hinge" axis="0 1 0" damping="0.1"/>
                <geom type="capsule" fromto="0 0 0 0 0 -0.5" size="0.05"/>
              </body>
            </body>
          </worldbody>
          <actuator>
            <motor name="shoulder_motor" joint="shoulder" ctrlrange="-5 5" ctrllimited="true"/>
            <motor name="elbow_motor" joint="elbow" ctrlrange="-5 5" ctrllimited="true"/>
          </actuator>
        </mujoco>
        """;
}
