/**
 * The table of env ids. Any module may add to it (`src/envs/index.ts` registers the classic
 * tasks on import); `makeEnv` builds a fresh env from an id.
 */
import type { Env, EnvOptions, VecEnv } from "./env.ts";

type Factory = (options: EnvOptions) => Env;
type VecFactory = (numEnvs: number, options: EnvOptions) => VecEnv;

const factories = new Map<string, Factory>();
const vecFactories = new Map<string, VecFactory>();

/**
 * Adds an env id. Registering an id twice is an error, so two modules cannot clash silently.
 * `vecFactory` is for env kinds with a faster batched implementation than one env per copy
 * (MuJoCo steps many MjData in one wasm instance).
 */
export function registerEnv(id: string, factory: Factory, vecFactory?: VecFactory): void {
  if (factories.has(id)) throw new Error(`env '${id}' is already registered`);
  factories.set(id, factory);
  if (vecFactory) vecFactories.set(id, vecFactory);
}

/** The batched factory registered for `id`, if any (see `makeVecEnv`). */
export function vecFactoryFor(id: string): VecFactory | undefined {
  return vecFactories.get(id);
}

export function hasEnv(id: string): boolean {
  return factories.has(id);
}

/** Registered ids, sorted. */
export function listEnvIds(): string[] {
  return [...factories.keys()].sort();
}

/** A new env for `id`; an unknown id throws an Error that suggests the closest registered id. */
export function makeEnv(id: string, options: EnvOptions = {}): Env {
  const factory = factories.get(id);
  if (factory === undefined) throw new Error(unknownEnvMessage(id));
  return factory(options);
}

function unknownEnvMessage(id: string): string {
  const suggestion = closestId(id);
  const hint = suggestion === null ? "" : ` did you mean '${suggestion}'?`;
  return `unknown env '${id}';${hint} Run 'backflip envs' for the list.`;
}

/** The registered id nearest to `id` by case-insensitive edit distance, if any is close enough. */
function closestId(id: string): string | null {
  const target = id.toLowerCase();
  // Far-off ids (e.g. a MuJoCo task when none is registered) get no suggestion.
  const limit = Math.max(3, Math.ceil(target.length * 0.4));
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of listEnvIds()) {
    const d = editDistance(target, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= limit ? best : null;
}

/** Levenshtein distance (insertions, deletions and substitutions each cost 1). */
export function editDistance(a: string, b: string): number {
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const sub = prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur[j] = Math.min(sub, prev[j] + 1, cur[j - 1] + 1);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}
