/** Ids and constructors of the MuJoCo envs: `<Name>-v5` and `<Name>-pref-v5` for each task. */
import { type MujocoEnv, type MujocoEnvOptions, mujocoEnvId } from "./mujoco_env.ts";
import { MUJOCO_ENV_CLASSES, type MujocoEnvClass } from "./tasks.ts";

type Entry = { cls: MujocoEnvClass; preferenceReady: boolean };

const ENTRIES = new Map<string, Entry>();
for (const cls of MUJOCO_ENV_CLASSES) {
  for (const preferenceReady of [false, true]) {
    ENTRIES.set(mujocoEnvId(cls.task.name, preferenceReady), { cls, preferenceReady });
  }
}

/** All 16 ids, standard then preference-ready for each task. */
export const MUJOCO_ENV_IDS: readonly string[] = [...ENTRIES.keys()];

export function isMujocoEnvId(id: string): boolean {
  return ENTRIES.has(id);
}

function entry(id: string): Entry {
  const e = ENTRIES.get(id);
  if (e === undefined)
    throw new Error(`unknown MuJoCo env '${id}' (known: ${MUJOCO_ENV_IDS.join(", ")})`);
  return e;
}

/** A new env for `id`; `maxEpisodeSteps` may override the time limit. */
export function makeMujocoEnv(
  id: string,
  options: Omit<MujocoEnvOptions, "preferenceReady"> = {},
): MujocoEnv {
  const { cls, preferenceReady } = entry(id);
  return new cls({ ...options, preferenceReady });
}

/** The task class behind an id (for its static facts: model, frame skip, sizes). */
export function mujocoEnvClass(id: string): MujocoEnvClass {
  return entry(id).cls;
}
