/**
 * Four-legged ant after Gymnasium's Ant-v5: a sphere torso (radius 0.25) on a free joint, four
 * legs of three capsules (radius 0.08) reaching out along the diagonals, hips turning ±30° about
 * z and ankles bending 30–70°, gear 150, RK4 at 10 ms, geom density 5. The body order (and so
 * the layout of `cfrc_ext` in the observation) follows Gymnasium's file.
 */

type LegSpec = {
  name: string;
  hipBody: string;
  /** Unit diagonal (±1, ±1) in the x–y plane. */
  dx: number;
  dy: number;
  index: number;
  ankleAxis: string;
  ankleRange: string;
  geoms: [string, string, string];
};

const LEGS: LegSpec[] = [
  {
    name: "front_left_leg",
    hipBody: "aux_1",
    dx: 1,
    dy: 1,
    index: 1,
    ankleAxis: "-1 1 0",
    ankleRange: "30 70",
    geoms: ["aux_1_geom", "left_leg_geom", "left_ankle_geom"],
  },
  {
    name: "front_right_leg",
    hipBody: "aux_2",
    dx: -1,
    dy: 1,
    index: 2,
    ankleAxis: "1 1 0",
    ankleRange: "-70 -30",
    geoms: ["aux_2_geom", "right_leg_geom", "right_ankle_geom"],
  },
  {
    name: "back_leg",
    hipBody: "aux_3",
    dx: -1,
    dy: -1,
    index: 3,
    ankleAxis: "-1 1 0",
    ankleRange: "-70 -30",
    geoms: ["aux_3_geom", "back_leg_geom", "third_ankle_geom"],
  },
  {
    name: "right_back_leg",
    hipBody: "aux_4",
    dx: 1,
    dy: -1,
    index: 4,
    ankleAxis: "1 1 0",
    ankleRange: "30 70",
    geoms: ["aux_4_geom", "rightback_leg_geom", "fourth_ankle_geom"],
  },
];

function legXml(l: LegSpec): string {
  const p = (k: number) => `${(k * 0.2 * l.dx).toFixed(1)} ${(k * 0.2 * l.dy).toFixed(1)} 0`;
  return `
      <body name="${l.name}">
        <geom name="${l.geoms[0]}" type="capsule" fromto="0 0 0 ${p(1)}" size="0.08"/>
        <body name="${l.hipBody}" pos="${p(1)}">
          <joint name="hip_${l.index}" type="hinge" axis="0 0 1" range="-30 30"/>
          <geom name="${l.geoms[1]}" type="capsule" fromto="0 0 0 ${p(1)}" size="0.08"/>
          <body name="${l.name}_foot" pos="${p(1)}">
            <joint name="ankle_${l.index}" type="hinge" axis="${l.ankleAxis}" range="${l.ankleRange}"/>
            <geom name="${l.geoms[2]}" type="capsule" fromto="0 0 0 ${p(2)}" size="0.08"/>
          </body>
        </body>
      </body>`;
}

export const ANT_XML = `
<mujoco model="ant">
  <compiler angle="degree" inertiafromgeom="true"/>
  <option timestep="0.01" integrator="RK4"/>
  <size memory="256K"/>
  <default>
    <joint limited="true" armature="1" damping="1"/>
    <geom contype="1" conaffinity="0" condim="3" density="5" friction="1 0.5 0.5" margin="0.01" rgba="0.8 0.6 0.4 1"/>
    <motor ctrllimited="true" ctrlrange="-1 1" gear="150"/>
  </default>
  <worldbody>
    <geom name="floor" type="plane" size="40 40 40" conaffinity="1" condim="3" rgba="0.8 0.9 0.8 1"/>
    <body name="torso" pos="0 0 0.75">
      <joint name="root" type="free" limited="false" armature="0" damping="0" margin="0.01"/>
      <geom name="torso_geom" type="sphere" size="0.25"/>${LEGS.map(legXml).join("")}
    </body>
  </worldbody>
  <actuator>
    <motor name="hip_4" joint="hip_4"/>
    <motor name="ankle_4" joint="ankle_4"/>
    <motor name="hip_1" joint="hip_1"/>
    <motor name="ankle_1" joint="ankle_1"/>
    <motor name="hip_2" joint="hip_2"/>
    <motor name="ankle_2" joint="ankle_2"/>
    <motor name="hip_3" joint="hip_3"/>
    <motor name="ankle_3" joint="ankle_3"/>
  </actuator>
</mujoco>
`;
