/**
 * The bodies of the labelling API (docs/api.md), as the page and the dashboard send and receive
 * them: each type is inferred from its schema in schemas.ts, the one the server checks requests
 * with and the tests check answers with. The browser code in web/ imports these in JSDoc, so
 * `tsc -p web` checks the page against the API.
 */
import type { z } from "zod";
import type { Answer, Frame } from "../core/types.ts";
import type { MetricsRow } from "../loop/metrics.ts";
import type { LiveClip, RunInfo } from "../store/run_meta.ts";
import type {
  answerBody,
  answerResult,
  apiErrorBody,
  clipView,
  controlResult,
  labellersView,
  leaseBody,
  leaseView,
  liveView,
  metricsPage,
  nextQueryView,
  recentAnswersView,
  recentAnswerView,
  sessionView,
  statsView,
  undoResult,
  WAITING_REASONS,
  waitingView,
} from "./schemas.ts";
import type { RunProgress, TrainerView } from "./trainer_status.ts";

/** A refusal (any 4xx or 5xx): what was wrong, and a machine code. */
export type ApiErrorBody = z.infer<typeof apiErrorBody>;

/** GET /api/session. `run` is null until the trainer writes it. */
export type SessionView = z.infer<typeof sessionView>;

/** A clip as the page gets it (GET /api/clips/:id, and both sides of a lease). */
export type ClipView = z.infer<typeof clipView>;

/** POST /api/queries/next and /api/queries/lease: a query held by this labeller until `expiresAt`. */
export type LeaseView = z.infer<typeof leaseView>;

/** Why /api/queries/next has no query to give. */
export type WaitingReason = (typeof WAITING_REASONS)[number];

/** POST /api/queries/next when no query is free: ask again after `retryAfterMs`. */
export type WaitingView = z.infer<typeof waitingView>;

export type NextQueryView = z.infer<typeof nextQueryView>;

/** POST /api/answers. `stored` is false for a retry of an answer already stored. */
export type AnswerResult = z.infer<typeof answerResult>;

/** POST /api/answers/undo. */
export type UndoResult = z.infer<typeof undoResult>;

/** GET /api/answers/recent. */
export type RecentAnswerView = z.infer<typeof recentAnswerView>;
export type RecentAnswersView = z.infer<typeof recentAnswersView>;

/** GET /api/stats, for the labeller asking. */
export type StatsView = z.infer<typeof statsView>;

/** POST /api/run/stop and /api/run/end-labelling (owner only). */
export type ControlResult = z.infer<typeof controlResult>;

/** GET /api/metrics?after=N: the rows after the first N; pass `next` as `after` next time. */
export type MetricsPage = z.infer<typeof metricsPage>;

/** GET /api/live. */
export type LiveView = z.infer<typeof liveView>;

/** GET /api/labellers (owner only). */
export type LabellersView = z.infer<typeof labellersView>;

/** Request bodies, from the schemas the server validates them with. */
export type LeaseBody = z.infer<typeof leaseBody>;
export type AnswerBody = z.infer<typeof answerBody>;

export type { Answer, Frame, LiveClip, MetricsRow, RunInfo, RunProgress, TrainerView };
