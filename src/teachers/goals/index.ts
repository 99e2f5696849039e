/**
 * Goals a synthetic teacher can judge by, when no reward function says what is wanted (a
 * backflip, hopping on one leg). A goal is a `ClipScorer` registered under a name; `goal:<name>`
 * teachers look it up here. Goal modules register themselves when imported:
 *
 *   registerGoal("backflip", backflipScore);
 */
import type { ClipScorer } from "../scorer.ts";

const goals = new Map<string, ClipScorer>();

export function registerGoal(name: string, scorer: ClipScorer): void {
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(name)) {
    throw new Error(`invalid goal name '${name}'; use letters, digits, '.', '_' or '-'`);
  }
  const existing = goals.get(name);
  if (existing && existing !== scorer) {
    throw new Error(`a different goal is already registered as '${name}'`);
  }
  goals.set(name, scorer);
}

export function getGoal(name: string): ClipScorer {
  const scorer = goals.get(name);
  if (!scorer) {
    const known = listGoals();
    throw new Error(
      `unknown goal '${name}'; registered goals: ${known.length ? known.join(", ") : "(none)"}`,
    );
  }
  return scorer;
}

export function listGoals(): string[] {
  return [...goals.keys()].sort();
}

export {
  type GoalModule,
  GoalModuleError,
  type GoalModuleInfo,
  isGoalModuleSpec,
  loadGoalModule,
} from "./goal_module.ts";
export * from "./measures.ts";
