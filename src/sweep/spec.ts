/**
 * A sweep's spec: a grid of env × teacher × labels × seeds, plus train flags shared by every run.
 *
 *   { "name": "pendulum", "env": ["Pendulum-v1"], "teacher": ["oracle", "noisy"],
 *     "labels": [100, 500], "seeds": [1, 2, 3], "steps": 100000,
 *     "flags": { "selection": "random", "eval-episodes": 20 } }
 *
 * Each cell of the grid is one run with a stable name, so the same spec added twice names the same
 * runs (see cell.ts). A spec is checked in full before anything is queued: its shape here, then every cell's
 * flags by `backflip train`'s own parser and config checks (`checkCells`).
 */
import { z } from "zod";
import { type OptionSpec, parseOptions, UsageError } from "../cli/args.ts";
import { buildConfig, loadTrainSources, TRAIN_COMMAND } from "../cli/train_options.ts";
import { editDistance } from "../envs/index.ts";
import { describeConfigIssues } from "../loop/run_config.ts";
import { runName, STORE_FLAG, type SweepCell, SweepSpecError, trainArgs } from "./cell.ts";

/** Train flags that the grid or the worker sets: a spec's `flags` may not give them. */
const SET_BY_SWEEP: Record<string, string> = {
  env: "give envs in the spec's 'env' list",
  teacher: "give teachers in the spec's 'teacher' list",
  labels: "give label counts in the spec's 'labels' list",
  seed: "give seeds in the spec's 'seeds' list",
  steps: "give the spec's 'steps'",
  run: "the worker puts each run in its --runs folder, named after the cell",
  json: "the worker always asks for the JSON result",
  help: "not a run's flag",
};

const flagValue = z.union([z.string(), z.number(), z.boolean()]);

export const sweepSpecSchema = z
  .object({
    /** Prefix of the run names, and the sweep's name in `sweep status`. */
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "must be letters, digits, '.', '_' or '-'")
      .optional(),
    env: z.array(z.string().min(1)).min(1),
    teacher: z.array(z.string().min(1)).min(1),
    labels: z.array(z.int().min(0)).min(1),
    seeds: z.array(z.int().min(0)).min(1),
    steps: z.int().min(1),
    /** Train flags without their dashes (`"eval-episodes": 20`); `true` gives a boolean flag. */
    flags: z.record(z.string(), flagValue).default({}),
  })
  .strict();

export type SweepSpec = z.infer<typeof sweepSpecSchema>;

/** The spec from parsed JSON, checked for shape and for flags that `train` does not have. */
export function parseSweepSpec(json: unknown): SweepSpec {
  const parsed = sweepSpecSchema.safeParse(json, { reportInput: true });
  if (!parsed.success) {
    throw new SweepSpecError(
      `spec: ${describeConfigIssues(parsed.error.issues, (path) => `'${path}'`)}`,
    );
  }
  const problems = Object.keys(parsed.data.flags).map(flagProblem).filter(Boolean);
  if (problems.length > 0) throw new SweepSpecError(`spec: ${problems.join("; ")}`);
  for (const [list, values] of Object.entries({
    env: parsed.data.env,
    teacher: parsed.data.teacher,
    labels: parsed.data.labels,
    seeds: parsed.data.seeds,
  })) {
    const twice = (values as unknown[]).find((v, i) => (values as unknown[]).indexOf(v) !== i);
    if (twice !== undefined) throw new SweepSpecError(`spec: '${list}' lists ${twice} twice`);
  }
  return parsed.data;
}

function flagProblem(name: string): string | null {
  const options: Record<string, OptionSpec> = TRAIN_COMMAND.options;
  if (name in SET_BY_SWEEP) return `'flags.${name}' is set by the sweep: ${SET_BY_SWEEP[name]}`;
  if (name === STORE_FLAG && !(STORE_FLAG in options)) {
    return `'flags.${STORE_FLAG}': train has no --${STORE_FLAG} yet (runs keep their SQLite store); leave it out`;
  }
  if (name in options) return null;
  const near = Object.keys(options)
    .map((o) => ({ o, d: editDistance(name.replace(/^-+/, ""), o) }))
    .sort((a, b) => a.d - b.d)[0];
  const hint =
    near && near.d <= 3
      ? ` did you mean '${near.o}'?${near.o in SET_BY_SWEEP ? ` (set by the sweep: ${SET_BY_SWEEP[near.o]})` : ""}`
      : "";
  return `'flags.${name}' is not a train flag;${hint} See 'backflip train --help'`;
}

/**
 * The spec of one `backflip train` command line over several seeds: how an `experiments/` script
 * whose cases are train arguments feeds them to the queue. Every flag given but the grid's own
 * becomes one of the spec's flags.
 */
export function gridFromTrainArgs(name: string, args: string[], seeds: number[]): SweepSpec {
  const { values, given } = parseOptions(TRAIN_COMMAND, args);
  if (values.env === undefined || values.teacher === undefined) {
    throw new SweepSpecError(`${name}: a sweep needs --env and --teacher`);
  }
  const flags: SweepSpec["flags"] = {};
  const all = values as Record<string, unknown>;
  for (const flag of given) {
    if (flag in SET_BY_SWEEP) continue;
    flags[flag] = all[flag] as string | number | boolean;
  }
  return parseSweepSpec({
    name,
    env: [values.env],
    teacher: [values.teacher],
    labels: [values.labels],
    seeds,
    steps: values.steps,
    flags,
  });
}

/** Every cell of the grid, env-major (env, teacher, labels, seed), each with its stable name. */
export function expandGrid(spec: SweepSpec): SweepCell[] {
  const cells: SweepCell[] = [];
  for (const env of spec.env) {
    for (const teacher of spec.teacher) {
      for (const labels of spec.labels) {
        for (const seed of spec.seeds) {
          const cell = { env, teacher, labels, seed, steps: spec.steps, flags: spec.flags };
          cells.push({ name: runName(spec.name ?? null, cell), sweep: spec.name ?? null, ...cell });
        }
      }
    }
  }
  return cells;
}

/**
 * Checks every cell as `backflip train` would before it makes a run folder (flags, env id, teacher,
 * flags that go together, ranges), and refuses a human teacher: a sweep runs unattended. Throws a
 * SweepSpecError listing each distinct problem once.
 */
export async function checkCells(cells: readonly SweepCell[]): Promise<void> {
  const problems = new Map<string, string[]>();
  for (const cell of cells) {
    let problem: string | null = null;
    if (cell.teacher === "human") {
      problem =
        "teacher 'human' cannot be swept: a worker runs unattended; use oracle, noisy or goal:NAME";
    } else {
      try {
        const { values, given } = parseOptions(TRAIN_COMMAND, [
          ...trainArgs(cell),
          "--run",
          "unused",
        ]);
        buildConfig({ values, given }, await loadTrainSources({ values, given }));
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        problem = error.message.replace(/^backflip train: /, "");
      }
    }
    if (problem !== null) problems.set(problem, [...(problems.get(problem) ?? []), cell.name]);
  }
  if (problems.size === 0) return;
  const lines = [...problems].map(([problem, names]) => {
    const where = names.length === 1 ? names[0] : `${names[0]} and ${names.length - 1} more`;
    return `${problem} (run ${where})`;
  });
  throw new SweepSpecError(`spec: ${lines.join("; ")}`);
}
