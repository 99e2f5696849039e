/**
 * Sweeps on a Postgres job queue (graphile-worker): a grid of runs queued once
 * (`enqueueGrid`), workers that train them (`SweepWorker`), and their states (`listRuns`).
 * docs/sweeps.md tells the whole story.
 */
export { runName, STORE_FLAG, type SweepCell, SweepSpecError, trainArgs } from "./cell.ts";
export { type RunState, SWEEP_TASK, SweepDb } from "./db.ts";
export {
  type AttemptRow,
  countStates,
  type EnqueueReport,
  enqueueCells,
  enqueueGrid,
  listAttempts,
  listRuns,
  type RunRow,
  retryFailed,
} from "./queue.ts";
export type { SweepSpec } from "./spec.ts";
export { SweepWorker, type WorkerExit, type WorkerOptions } from "./worker.ts";
