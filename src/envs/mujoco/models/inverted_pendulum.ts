/**
 * Cart and pole after Gymnasium's InvertedPendulum-v5: a cart on a ±1 m rail pushed with gear
 * 100 and controls in [−3, 3], a 0.6 m pole (radius 0.049) hinged at the cart and limited to
 * ±90°, RK4 at 20 ms.
 */
export const INVERTED_PENDULUM_XML = `
<mujoco model="inverted_pendulum">
  <compiler angle="degree" inertiafromgeom="true"/>
  <option timestep="0.02" integrator="RK4" gravity="0 0 -9.81"/>
  <size memory="16K"/>
  <default>
    <joint limited="true" armature="0" damping="1"/>
    <geom contype="0" conaffinity="0" friction="1 0.1 0.1" rgba="0.7 0.7 0 1"/>
    <motor ctrllimited="true" ctrlrange="-3 3" gear="100"/>
  </default>
  <worldbody>
    <geom name="rail" type="capsule" quat="0.707 0 0.707 0" size="0.02 1" rgba="0.3 0.3 0.7 1"/>
    <body name="cart">
      <joint name="slider" type="slide" axis="1 0 0" range="-1 1"/>
      <geom name="cart" type="capsule" quat="0.707 0 0.707 0" size="0.1 0.1"/>
      <body name="pole">
        <joint name="hinge" type="hinge" axis="0 1 0" range="-90 90"/>
        <geom name="cpole" type="capsule" fromto="0 0 0 0.001 0 0.6" size="0.049" rgba="0 0.7 0.7 1"/>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor name="slide" joint="slider"/>
  </actuator>
</mujoco>
`;
