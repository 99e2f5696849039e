/**
 * Adds every MuJoCo id (`Hopper-v5`, `Hopper-pref-v5`, ...) to the env registry. Importing this
 * module loads the MuJoCo wasm module first (a top-level await of about 150 ms).
 */
import { registerEnv } from "../registry.ts";
import { MUJOCO_ENV_IDS, makeMujocoEnv } from "./envs.ts";
import { MujocoVecEnv } from "./vec_env.ts";

for (const id of MUJOCO_ENV_IDS) {
  registerEnv(
    id,
    (options) => makeMujocoEnv(id, options),
    (numEnvs, options) => MujocoVecEnv.ofTask(id, numEnvs, options),
  );
}
