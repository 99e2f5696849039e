/** MuJoCo tasks (Gymnasium v5 and preference-ready variants), their VecEnv and scene export. */
import { isMujocoEnvId as isBuiltinMujocoEnvId } from "./envs.ts";
import { isMjcfEnvId } from "./mjcf_file.ts";

export { MUJOCO_ENV_IDS, makeMujocoEnv, mujocoEnvClass } from "./envs.ts";
export { compiledModel, mujoco, wasmHeapBytes } from "./loader.ts";
export {
  checkWellFormed,
  isMjcfEnvId,
  MjcfEnv,
  type MjcfEnvOptions,
  mjcfModelInfo,
  registerMjcfEnv,
} from "./mjcf_file.ts";
export {
  MujocoEnv,
  type MujocoEnvOptions,
  type MujocoTaskInfo,
  mujocoEnvId,
  PREF_MAX_EPISODE_STEPS,
} from "./mujoco_env.ts";
export {
  type GeomPoses,
  geomPoses,
  type SceneBody,
  type SceneDescription,
  type SceneGeom,
  type SceneJoint,
  sceneDescription,
} from "./scene.ts";
export { Sim } from "./sim.ts";
export {
  AntEnv,
  HalfCheetahEnv,
  HopperEnv,
  InvertedDoublePendulumEnv,
  InvertedPendulumEnv,
  MUJOCO_ENV_CLASSES,
  type MujocoEnvClass,
  ReacherEnv,
  SwimmerEnv,
  Walker2dEnv,
} from "./tasks.ts";
export { MujocoVecEnv } from "./vec_env.ts";

/** True for the built-in MuJoCo ids and for ids registered from MJCF files (their page draws
 * them with the three.js renderer from `sceneDescription`). */
export function isMujocoEnvId(id: string): boolean {
  return isBuiltinMujocoEnvId(id) || isMjcfEnvId(id);
}
