/** Builds a synthetic teacher from a spec string such as `oracle`, `noisy` or `goal:backflip`. */
import type { Teacher } from "../core/types.ts";
import { getGoal, listGoals } from "./goals/index.ts";
import { NoisyTeacher, type NoisyTeacherOptions, ORACLE_NOISE } from "./noisy.ts";
import { OracleTeacher } from "./oracle.ts";

export type TeacherOptions = NoisyTeacherOptions;

export const TEACHER_SPECS = ["oracle", "noisy", "goal:<name>"] as const;

/**
 * `oracle`: prefers the higher true return. `noisy`: B-Pref's simulated teacher with the noise
 * options given. `goal:<name>`: a noisy teacher (the oracle without noise options) judging by a
 * registered goal instead of the true reward.
 */
export function makeTeacher(spec: string, options: TeacherOptions = {}): Teacher {
  if (spec === "oracle") {
    const noisy = (Object.keys(ORACLE_NOISE) as (keyof typeof ORACLE_NOISE)[]).filter(
      (k) => options[k] !== undefined && options[k] !== ORACLE_NOISE[k],
    );
    if (noisy.length > 0) {
      throw new Error(
        `teacher 'oracle' takes no noise options (got ${noisy.join(", ")}); use 'noisy' instead`,
      );
    }
    return new OracleTeacher({ scorer: options.scorer, name: options.name, now: options.now });
  }
  if (spec === "noisy") return new NoisyTeacher({ name: "noisy", ...options });
  if (spec.startsWith("goal:")) {
    const goal = spec.slice("goal:".length);
    return new NoisyTeacher({ name: spec, ...options, scorer: getGoal(goal) });
  }
  const goals = listGoals();
  throw new Error(
    `unknown teacher '${spec}'; valid: ${TEACHER_SPECS.join(", ")}` +
      (goals.length ? ` (goals: ${goals.join(", ")})` : " (no goals registered)"),
  );
}
