/**
 * Goals from a file: `--teacher goal:./my_goal.ts` imports a module whose default export is a
 * goal like the built-in ones, a name and a clip scorer:
 *
 *   export default {
 *     name: "run-backwards",
 *     scorer: (clip) => clip.signals.x_velocity.map((v) => -v),
 *     rubric: "Prefer the clip where the cheetah runs backwards faster.", // optional
 *   };
 *
 * The goal is registered under its name, so `goal:<name>` teachers and evaluations find it.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import type { Clip } from "../../core/types.ts";
import type { ClipScorer } from "../scorer.ts";
import { listGoals, registerGoal } from "./index.ts";

/** What a goal module's default export holds. */
export type GoalModule = {
  /** Registered as `goal:<name>`: letters, digits, '.', '_' or '-'. */
  name: string;
  /** A score per step of the clip (summed over the clip by the teacher); higher is better. */
  scorer: (clip: Clip) => Float32Array | ArrayLike<number>;
  /** Instructions a person would be given for this goal (the run's rubric). */
  rubric?: string;
};

/** What `loadGoalModule` returns. */
export type GoalModuleInfo = { name: string; path: string; sha256: string; rubric?: string };

/** A goal module that cannot be used: the message names the file and what is wrong. */
export class GoalModuleError extends Error {}

const GOAL_NAME = /^[a-z0-9][a-z0-9._-]*$/i;
const loaded = new Map<string, GoalModuleInfo>();
/** Goal names that came from files, so that a built-in name is not taken over. */
const fromFiles = new Map<string, string>();

/** A `goal:` spec that names a file rather than a registered goal (`goal:./my_goal.ts`). */
export function isGoalModuleSpec(spec: string): boolean {
  if (!spec.startsWith("goal:")) return false;
  const rest = spec.slice("goal:".length);
  return /[/\\]/.test(rest) || /\.(ts|js|mjs|mts|cjs)$/i.test(rest);
}

/**
 * Imports a goal module, checks its default export and registers the goal under its name.
 * Loading the same file again in one process returns the same info.
 */
export async function loadGoalModule(path: string): Promise<GoalModuleInfo> {
  const absPath = resolve(path);
  const cached = loaded.get(absPath);
  if (cached) return cached;
  await import("./builtin.ts"); // so that a module cannot take a built-in goal's name
  const file = basename(absPath);
  const fail = (message: string): never => {
    throw new GoalModuleError(`${file}: ${message}`);
  };
  if (!existsSync(absPath)) fail(`no such file (${absPath})`);
  const sha256 = createHash("sha256").update(readFileSync(absPath)).digest("hex");
  let exported: unknown;
  try {
    const { importDefault } = await import("../../envs/env_module.ts");
    exported = await importDefault(absPath);
  } catch (error) {
    throw new GoalModuleError(`${file} threw while loading: ${messageOf(error)}`);
  }
  if (typeof exported !== "object" || exported === null)
    fail("the default export must be a goal: { name, scorer(clip) => a score per step }");
  const goal = exported as Partial<GoalModule>;
  if (typeof goal.name !== "string" || !GOAL_NAME.test(goal.name))
    fail(`\`name\` must be a name of letters, digits, '.', '_' or '-' (got ${String(goal.name)})`);
  if (typeof goal.scorer !== "function")
    fail("`scorer` must be a function (clip) => a score per step of the clip");
  if (goal.rubric !== undefined && typeof goal.rubric !== "string")
    fail("`rubric` must be a string");
  const name = goal.name as string;
  const owner = fromFiles.get(name);
  if (owner !== undefined && owner !== absPath)
    fail(`goal '${name}' is already loaded from ${owner}`);
  if (owner === undefined && listGoals().includes(name))
    fail(`goal '${name}' is a built-in goal's name; give the module's goal another name`);
  registerGoal(name, checkedScorer(file, goal.scorer as GoalModule["scorer"]));
  fromFiles.set(name, absPath);
  const info: GoalModuleInfo = { name, path: absPath, sha256, rubric: goal.rubric };
  loaded.set(absPath, info);
  return info;
}

/** The module's scorer, its result turned into a Float32Array and checked (length, NaN). */
function checkedScorer(file: string, scorer: GoalModule["scorer"]): ClipScorer {
  return (clip) => {
    let scores: Float32Array | ArrayLike<number>;
    try {
      scores = scorer(clip);
    } catch (error) {
      throw new GoalModuleError(`${file}: \`scorer\` threw: ${messageOf(error)}`);
    }
    if (scores === null || typeof scores !== "object" || typeof scores.length !== "number") {
      throw new GoalModuleError(
        `${file}: \`scorer\` returned ${String(scores)}; return a Float32Array or an array with a score per step`,
      );
    }
    const steps = clip.rewards.length;
    if (scores.length !== steps) {
      throw new GoalModuleError(
        `${file}: \`scorer\` returned ${scores.length} scores for a clip of ${steps} steps`,
      );
    }
    const out = scores instanceof Float32Array ? scores : Float32Array.from(scores);
    for (let t = 0; t < out.length; t++) {
      if (!Number.isFinite(out[t]))
        throw new GoalModuleError(`${file}: \`scorer\` returned ${out[t]} at step ${t}`);
    }
    return out;
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
