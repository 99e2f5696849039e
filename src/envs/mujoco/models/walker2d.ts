/**
 * Two-legged walker in the x–z plane, after Gymnasium's Walker2d-v5 (its `walker2d_v5.xml`):
 * the Hopper's torso with two identical legs, gear 100 on every joint, and friction 1.9 on both
 * feet (v5 fixed the old file, where only the right foot had it). Local coordinates throughout.
 */

function leg(suffix: string, rgba: string): string {
  return `
      <body name="thigh${suffix}" pos="0 0 -0.2">
        <joint name="thigh${suffix}_joint" type="hinge" axis="0 -1 0" range="-150 0"/>
        <geom name="thigh${suffix}_geom" type="capsule" pos="0 0 -0.225" size="0.05 0.225" friction="0.9"${rgba}/>
        <body name="leg${suffix}" pos="0 0 -0.45">
          <joint name="leg${suffix}_joint" type="hinge" axis="0 -1 0" range="-150 0"/>
          <geom name="leg${suffix}_geom" type="capsule" pos="0 0 -0.25" size="0.04 0.25" friction="0.9"${rgba}/>
          <body name="foot${suffix}" pos="0 0 -0.5">
            <joint name="foot${suffix}_joint" type="hinge" axis="0 -1 0" range="-45 45"/>
            <geom name="foot${suffix}_geom" type="capsule" fromto="0 0 0 0.2 0 0" size="0.06" friction="1.9"${rgba}/>
          </body>
        </body>
      </body>`;
}

const LEFT_RGBA = ' rgba="0.7 0.3 0.6 1"';

export const WALKER2D_XML = `
<mujoco model="walker2d">
  <compiler angle="degree" inertiafromgeom="true"/>
  <option timestep="0.002" integrator="RK4"/>
  <size memory="128K"/>
  <default>
    <joint limited="true" armature="0.01" damping="0.1"/>
    <geom contype="1" conaffinity="0" condim="3" density="1000" friction="0.7 0.1 0.1" rgba="0.8 0.6 0.4 1"/>
    <motor ctrllimited="true" ctrlrange="-1 1" gear="100"/>
  </default>
  <worldbody>
    <geom name="floor" type="plane" size="40 40 40" conaffinity="1" condim="3" rgba="0.8 0.9 0.8 1"/>
    <body name="torso" pos="0 0 1.25">
      <joint name="rootx" type="slide" axis="1 0 0" pos="0 0 -1.25" limited="false" armature="0" damping="0"/>
      <joint name="rootz" type="slide" axis="0 0 1" pos="0 0 -1.25" ref="1.25" limited="false" armature="0" damping="0"/>
      <joint name="rooty" type="hinge" axis="0 1 0" limited="false" armature="0" damping="0"/>
      <geom name="torso_geom" type="capsule" size="0.05 0.2" friction="0.9"/>${leg("", "")}${leg("_left", LEFT_RGBA)}
    </body>
  </worldbody>
  <actuator>
    <motor name="thigh" joint="thigh_joint"/>
    <motor name="leg" joint="leg_joint"/>
    <motor name="foot" joint="foot_joint"/>
    <motor name="thigh_left" joint="thigh_left_joint"/>
    <motor name="leg_left" joint="leg_left_joint"/>
    <motor name="foot_left" joint="foot_left_joint"/>
  </actuator>
</mujoco>
`;
