/**
 * What the page and the dashboard say about the trainer. The trainer's own word (its heartbeat
 * in the store) is trusted only while it is fresh and, on this machine, while its process lives:
 * a crashed trainer must never look as if it were still making questions.
 */
import { hostname } from "node:os";
import { isProcessAlive, type PreferenceStore, type TrainerStatus } from "../store/index.ts";

/** A heartbeat older than this means the trainer is gone, wherever it ran. */
export const HEARTBEAT_STALE_MS = 60_000;

export type TrainerView =
  | "starting"
  | "training"
  | "waiting"
  | "finished"
  | "stopped"
  | "not_running";

export type RunProgress = {
  /** What the trainer is doing now, as far as the store can tell. */
  trainer: TrainerView;
  pace: "wait" | "free";
  /** Labels over the whole run, questions answered so far, and how many more it wants. */
  labels: number;
  answered: number;
  remaining: number;
  labellingEnded: boolean;
  envSteps: number;
  totalSteps: number;
  waitedSeconds: number;
  heartbeatAt: number;
};

export function trainerView(
  status: TrainerStatus,
  now: number,
  isAlive: (pid: number) => boolean = isProcessAlive,
): TrainerView {
  if (status.state === "finished" || status.state === "stopped") return status.state;
  const local = status.host === hostname();
  if (now - status.heartbeatAt > HEARTBEAT_STALE_MS || (local && !isAlive(status.pid))) {
    return "not_running";
  }
  return status.state;
}

/** The run's progress for the page, or null before any trainer has written a heartbeat. */
export async function runProgress(
  store: PreferenceStore,
  now = Date.now(),
): Promise<RunProgress | null> {
  const status = await store.getMeta("trainer");
  if (!status) return null;
  // Answers are counted in the store: they count even while no trainer runs.
  const { answered } = await store.labelProgress();
  return {
    trainer: trainerView(status, now),
    pace: status.pace,
    labels: status.labels,
    answered,
    remaining: status.labellingEnded ? 0 : Math.max(0, status.labels - answered),
    labellingEnded: status.labellingEnded,
    envSteps: status.envSteps,
    totalSteps: status.totalSteps,
    waitedSeconds: status.waitedSeconds,
    heartbeatAt: status.heartbeatAt,
  };
}
