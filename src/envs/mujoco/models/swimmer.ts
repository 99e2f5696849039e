/**
 * Three-link swimmer in a viscous fluid (density 4000, viscosity 0.1), after Gymnasium's
 * Swimmer-v5: 1 m capsules of radius 0.1, two hinges limited to ±100°, gear 150, RK4 at 10 ms.
 * Nothing collides (every contype is 0); the floor is only drawn.
 */
export const SWIMMER_XML = `
<mujoco model="swimmer">
  <compiler angle="degree" inertiafromgeom="true"/>
  <option timestep="0.01" integrator="RK4" density="4000" viscosity="0.1"/>
  <size memory="32K"/>
  <default>
    <joint armature="0.1"/>
    <geom contype="0" conaffinity="0" condim="1" rgba="0.8 0.6 0.4 1"/>
    <motor ctrllimited="true" ctrlrange="-1 1" gear="150"/>
  </default>
  <worldbody>
    <geom name="floor" type="plane" pos="0 0 -0.1" size="40 40 0.1" condim="3" rgba="0.8 0.9 0.8 1"/>
    <body name="torso">
      <joint name="slider1" type="slide" axis="1 0 0"/>
      <joint name="slider2" type="slide" axis="0 1 0"/>
      <joint name="free_body_rot" type="hinge" axis="0 0 1"/>
      <geom name="head" type="capsule" fromto="1.5 0 0 0.5 0 0" size="0.1" density="1000"/>
      <body name="mid" pos="0.5 0 0">
        <joint name="motor1_rot" type="hinge" axis="0 0 1" limited="true" range="-100 100"/>
        <geom name="mid" type="capsule" fromto="0 0 0 -1 0 0" size="0.1" density="1000"/>
        <body name="back" pos="-1 0 0">
          <joint name="motor2_rot" type="hinge" axis="0 0 1" limited="true" range="-100 100"/>
          <geom name="back" type="capsule" fromto="0 0 0 -1 0 0" size="0.1" density="1000"/>
        </body>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor name="motor1" joint="motor1_rot"/>
    <motor name="motor2" joint="motor2_rot"/>
  </actuator>
</mujoco>
`;
