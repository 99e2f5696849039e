/**
 * An experiment's grid on the sweep queue (src/sweep): each group of `backflip train` arguments
 * over its seeds is queued as one sweep, and the caller is handed each run as the workers
 * (`backflip worker --db URL --runs DIR`, on any machines) finish it, so that its rows can be
 * merged and its table rewritten while the rest of the grid is still running.
 */
import type { RunResult } from "../src/loop/preference_loop.ts";
import {
  countStates,
  enqueueGrid,
  gridFromTrainArgs,
  listRuns,
  type RunRow,
  SweepDb,
} from "../src/sweep/index.ts";

/** One sweep: `backflip train` arguments without --seed, --run and --json, and the seeds to run. */
export type QueuedGrid = { sweep: string; args: string[]; seeds: number[] };

/** A finished run: its row on the queue, with what `backflip train --json` printed. */
export type DoneRun = RunRow & { result: RunResult };

export type QueueOptions = {
  /**
   * On a failed run, wait for the rest of the grid and throw at the end (every finished run is
   * handed over first) rather than throw at once.
   */
  keepGoing?: boolean;
  /** Milliseconds between looks at the queue. */
  pollMs?: number;
};

/**
 * Queues `grids` on the database at `url` (runs already there, in whatever state, are not queued
 * again) and calls `onDone` once for each of their runs as it is seen done, until every run is
 * done. Throws, listing them, if runs failed (`backflip sweep retry` queues them again).
 */
export async function queueAndWait<G extends QueuedGrid>(
  url: string,
  grids: readonly G[],
  onDone: (run: DoneRun, grid: G) => void | Promise<void>,
  { keepGoing = false, pollMs = 5000 }: QueueOptions = {},
): Promise<void> {
  const db = await SweepDb.open(url);
  try {
    // Only the runs queued here: a sweep may also hold runs of other seeds or step counts.
    const gridOf = new Map<string, G>();
    for (const grid of grids) {
      const spec = gridFromTrainArgs(grid.sweep, grid.args, grid.seeds);
      const { added, existing, cells } = await enqueueGrid(db, spec);
      console.error(`${grid.sweep}: ${added.length} queued, ${existing.length} there already`);
      for (const cell of cells) gridOf.set(cell.name, grid);
    }
    console.error(`waiting for workers: backflip worker --db ${url} --runs DIR`);
    const sweeps = [...new Set(grids.map((g) => g.sweep))];
    const handed = new Set<string>();
    let last = "";
    for (;;) {
      const all = (await Promise.all(sweeps.map((s) => listRuns(db, s)))).flat();
      const runs = all.filter((r) => gridOf.has(r.name));
      for (const run of runs) {
        if (run.state !== "done" || handed.has(run.name) || run.result === null) continue;
        handed.add(run.name);
        await onDone(run as DoneRun, gridOf.get(run.name)!);
      }
      const failed = runs.filter((r) => r.state === "failed");
      const counts = countStates(runs);
      const line = `${counts.done} done, ${counts.running} running, ${counts.queued} queued, ${counts.failed} failed`;
      if (line !== last) console.error(`${new Date().toISOString().slice(11, 19)} ${line}`);
      last = line;
      const settled = counts.done + (keepGoing ? counts.failed : 0) === runs.length;
      if (failed.length > 0 && (!keepGoing || settled)) {
        const list = failed.map((r) => `${r.name}: ${r.error}`).join("; ");
        throw new Error(`failed: ${list} (backflip sweep retry --db URL queues them again)`);
      }
      if (settled) return;
      await new Promise((wake) => setTimeout(wake, pollMs));
    }
  } finally {
    await db.close();
  }
}
