/**
 * Cart with two stacked poles after Gymnasium's InvertedDoublePendulum-v5: poles of 0.6 m
 * (radius 0.045) on free hinges, a ±1 m rail, gear 500, RK4 at 10 ms, joint damping 0.05, and
 * Gymnasium's tiny sideways gravity (1e−5) that breaks the symmetry. The `tip` site sits at the
 * top of the second pole; its height gives the reward and the termination.
 */
export const INVERTED_DOUBLE_PENDULUM_XML = `
<mujoco model="inverted_double_pendulum">
  <compiler angle="degree" inertiafromgeom="true"/>
  <option timestep="0.01" integrator="RK4" gravity="1e-5 0 -9.81"/>
  <size memory="16K"/>
  <default>
    <joint damping="0.05"/>
    <geom contype="0" conaffinity="0" friction="1 0.1 0.1" rgba="0.7 0.7 0 1"/>
    <motor ctrllimited="true" ctrlrange="-1 1" gear="500"/>
  </default>
  <worldbody>
    <geom name="floor" type="plane" pos="0 0 -3" size="40 40 40" rgba="0.8 0.9 0.8 1"/>
    <geom name="rail" type="capsule" quat="0.707 0 0.707 0" size="0.02 1" rgba="0.3 0.3 0.7 1"/>
    <body name="cart">
      <joint name="slider" type="slide" axis="1 0 0" limited="true" range="-1 1" margin="0.01"/>
      <geom name="cart" type="capsule" quat="0.707 0 0.707 0" size="0.1 0.1"/>
      <body name="pole">
        <joint name="hinge" type="hinge" axis="0 1 0"/>
        <geom name="cpole" type="capsule" fromto="0 0 0 0 0 0.6" size="0.045" rgba="0 0.7 0.7 1"/>
        <body name="pole2" pos="0 0 0.6">
          <joint name="hinge2" type="hinge" axis="0 1 0"/>
          <geom name="cpole2" type="capsule" fromto="0 0 0 0 0 0.6" size="0.045" rgba="0 0.7 0.7 1"/>
          <site name="tip" pos="0 0 0.6" size="0.01 0.01"/>
        </body>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor name="slide" joint="slider"/>
  </actuator>
</mujoco>
`;
