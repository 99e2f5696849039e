/**
 * Sweeps on a Postgres job queue (graphile-worker): a grid of runs queued once
 * (`enqueueGrid`, or `gridFromTrainArgs` for a script's train command lines), workers that train
 * them (`SweepWorker`), and their states (`listRuns`). docs/sweeps.md tells the whole story. The
 * CLI imports the light modules (cell, db, queue) directly, so `sweep status` loads no trainer.
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
export { expandGrid, gridFromTrainArgs, parseSweepSpec, type SweepSpec } from "./spec.ts";
export { SweepWorker, type WorkerExit, type WorkerOptions } from "./worker.ts";
