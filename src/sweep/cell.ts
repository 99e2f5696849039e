/**
 * A cell of a sweep's grid: one run, its stable name, and the `backflip train` and
 * `backflip resume` arguments a worker gives it. Light on purpose (no env or trainer code), so that
 * the worker and `sweep status` start quickly.
 */
import { createHash } from "node:crypto";

/**
 * The seam for the Postgres preference store: a spec's `flags.store` is passed to `train` and
 * `resume` as `--store`, once those commands take it. Until then it is refused with that reason.
 */
export const STORE_FLAG = "store";

/** One cell of the grid: one run. */
export type SweepCell = {
  /** Stable for the cell: the run's folder name under the worker's --runs, and its key in the queue. */
  name: string;
  sweep: string | null;
  env: string;
  teacher: string;
  labels: number;
  seed: number;
  steps: number;
  flags: Record<string, string | number | boolean>;
};

/** A spec that cannot be queued; the message says what to change. Nothing was queued. */
export class SweepSpecError extends Error {}

/**
 * `[sweep-]env-teacher-l<labels>-s<seed>-<hash>`: readable, safe as a folder name, and the same
 * for the same cell. The hash covers everything that makes the run (steps and flags too), so two
 * specs that differ only there do not share runs.
 */
export function runName(sweep: string | null, cell: Omit<SweepCell, "name" | "sweep">): string {
  const flags = Object.fromEntries(
    Object.entries(cell.flags).sort(([a], [b]) => a.localeCompare(b)),
  );
  const key = JSON.stringify([cell.env, cell.teacher, cell.labels, cell.seed, cell.steps, flags]);
  const hash = createHash("sha256").update(key).digest("hex").slice(0, 6);
  const slug = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, "_");
  const base = `${slug(cell.env)}-${slug(cell.teacher)}-l${cell.labels}-s${cell.seed}-${hash}`;
  return sweep ? `${sweep}-${base}` : base;
}

/** The cell's `backflip train` arguments, without `--run` and `--json` (the worker adds them). */
export function trainArgs(cell: SweepCell): string[] {
  const args = [
    ...["--env", cell.env, "--teacher", cell.teacher],
    ...[
      "--labels",
      String(cell.labels),
      "--seed",
      String(cell.seed),
      "--steps",
      String(cell.steps),
    ],
  ];
  for (const [name, value] of Object.entries(cell.flags)) {
    if (value === false) continue;
    args.push(value === true ? `--${name}` : `--${name}=${value}`);
  }
  return args;
}

/** `--store URL` for `resume` when the cell's flags give one (see STORE_FLAG). */
export function resumeArgs(cell: SweepCell): string[] {
  const store = cell.flags[STORE_FLAG];
  return typeof store === "string" ? [`--${STORE_FLAG}=${store}`] : [];
}
