/**
 * Two-link planar arm after Gymnasium's Reacher-v5: links of 0.1 m (radius 0.01), gear 200, the
 * elbow limited to ±3 rad, a target moved by two slide joints (ranges ±0.27 m, refs 0.1 / −0.1),
 * RK4 at 10 ms. Nothing collides; the arena walls are only drawn.
 */
export const REACHER_XML = `
<mujoco model="reacher">
  <compiler angle="radian" inertiafromgeom="true"/>
  <option timestep="0.01" integrator="RK4" gravity="0 0 -9.81"/>
  <size memory="32K"/>
  <default>
    <joint limited="true" armature="1" damping="1"/>
    <geom contype="0" conaffinity="0" friction="1 0.1 0.1" rgba="0.7 0.7 0 1"/>
    <motor ctrllimited="true" ctrlrange="-1 1" gear="200"/>
  </default>
  <worldbody>
    <geom name="ground" type="plane" size="1 1 10" rgba="0.9 0.9 0.9 1"/>
    <geom name="sideS" type="capsule" fromto="-0.3 -0.3 0.01 0.3 -0.3 0.01" size="0.02" rgba="0.9 0.4 0.6 1"/>
    <geom name="sideE" type="capsule" fromto="0.3 -0.3 0.01 0.3 0.3 0.01" size="0.02" rgba="0.9 0.4 0.6 1"/>
    <geom name="sideN" type="capsule" fromto="-0.3 0.3 0.01 0.3 0.3 0.01" size="0.02" rgba="0.9 0.4 0.6 1"/>
    <geom name="sideW" type="capsule" fromto="-0.3 -0.3 0.01 -0.3 0.3 0.01" size="0.02" rgba="0.9 0.4 0.6 1"/>
    <geom name="root" type="cylinder" fromto="0 0 0 0 0 0.02" size="0.011" rgba="0.9 0.4 0.6 1"/>
    <body name="body0" pos="0 0 0.01">
      <joint name="joint0" type="hinge" axis="0 0 1" limited="false"/>
      <geom name="link0" type="capsule" fromto="0 0 0 0.1 0 0" size="0.01" rgba="0 0.4 0.6 1"/>
      <body name="body1" pos="0.1 0 0">
        <joint name="joint1" type="hinge" axis="0 0 1" range="-3 3"/>
        <geom name="link1" type="capsule" fromto="0 0 0 0.1 0 0" size="0.01" rgba="0 0.4 0.6 1"/>
        <body name="fingertip" pos="0.11 0 0">
          <geom name="fingertip" type="sphere" size="0.01" rgba="0 0.8 0.6 1"/>
        </body>
      </body>
    </body>
    <body name="target" pos="0.1 -0.1 0.01">
      <joint name="target_x" type="slide" axis="1 0 0" range="-0.27 0.27" ref="0.1" armature="0" damping="0"/>
      <joint name="target_y" type="slide" axis="0 1 0" range="-0.27 0.27" ref="-0.1" armature="0" damping="0"/>
      <geom name="target" type="sphere" size="0.009" rgba="0.9 0.2 0.2 1"/>
    </body>
  </worldbody>
  <actuator>
    <motor name="joint0" joint="joint0"/>
    <motor name="joint1" joint="joint1"/>
  </actuator>
</mujoco>
`;
