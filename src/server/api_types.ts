/**
 * The bodies of the labelling API (docs/api.md), as the page and the dashboard receive them.
 * server.ts builds each answer inline; these types name those shapes for clients: the browser
 * code in web/ imports them in JSDoc, so `tsc -p web` checks the page against the API.
 */
import type { z } from "zod";
import type { Answer, Frame } from "../core/types.ts";
import type { MetricsRow } from "../loop/metrics.ts";
import type { RepeatAgreement } from "../store/preference_store.ts";
import type { LiveClip, RunInfo } from "../store/run_meta.ts";
import type { answerBody, leaseBody } from "./schemas.ts";
import type { RunProgress, TrainerView } from "./trainer_status.ts";

/** A refusal (any 4xx or 5xx): what was wrong, and a machine code. */
export type ApiErrorBody = { error: string; code: string };

/** GET /api/session. `run` is null until the trainer writes it. */
export type SessionView = { labeller: string; isOwner: boolean; run: RunInfo | null };

/** A clip as the page gets it (GET /api/clips/:id, and both sides of a lease). */
export type ClipView = {
  id: string;
  envId: string;
  length: number;
  /** `RunInfo.fps`, or null before the trainer writes `run`. */
  fps: number | null;
  frames: Frame[];
  /** r̂ per step when known (a non-finite value is null). */
  predicted: (number | null)[] | null;
};

/** POST /api/queries/next and /api/queries/lease: a query held by this labeller until `expiresAt`. */
export type LeaseView = {
  leaseId: string;
  expiresAt: number;
  query: { id: string; left: ClipView; right: ClipView };
};

/** Why /api/queries/next has no query to give. */
export type WaitingReason = "no_queries" | "trainer_not_running" | "labelling_ended";

/** POST /api/queries/next when no query is free: ask again after `retryAfterMs`. */
export type WaitingView = { waiting: true; retryAfterMs: number; reason: WaitingReason };

export type NextQueryView = LeaseView | WaitingView;

/** POST /api/answers. `stored` is false for a retry of an answer already stored. */
export type AnswerResult = { stored: boolean; answerId: number };

/** POST /api/answers/undo. */
export type UndoResult = { undone: { answerId: number; queryId: string } };

/** GET /api/answers/recent. */
export type RecentAnswerView = {
  answerId: number;
  queryId: string;
  answer: Answer;
  labeller: string;
  time: number;
  leftClipId: string;
  rightClipId: string;
};
export type RecentAnswersView = { answers: RecentAnswerView[] };

/** GET /api/stats, for the labeller asking. */
export type StatsView = {
  answeredToday: number;
  answeredTotal: number;
  wanted: number | null;
  /** Share of this labeller's left/right answers the reward model agrees with, or null. */
  agreement: number | null;
  /** Null before any trainer has started. */
  run: RunProgress | null;
};

/** POST /api/run/stop and /api/run/end-labelling (owner only). */
export type ControlResult = { requested: true; trainer: TrainerView };

/** GET /api/metrics?after=N: the rows after the first N; pass `next` as `after` next time. */
export type MetricsPage = { rows: MetricsRow[]; next: number };

/** GET /api/live. */
export type LiveView = { live: LiveClip | null };

/** GET /api/labellers (owner only). */
export type LabellersView = {
  labellers: {
    name: string;
    /** The owner, a labeller added with `backflip labellers add`, a synthetic teacher, an import. */
    kind: "owner" | "person" | "teacher" | "import";
    /** A labeller whose token was revoked (`backflip labellers remove`); their answers stay. */
    removed: boolean;
    answers: number;
    lastAnswerAt: number | null;
  }[];
  repeats: RepeatAgreement;
};

/** Request bodies, from the schemas the server validates them with. */
export type LeaseBody = z.infer<typeof leaseBody>;
export type AnswerBody = z.infer<typeof answerBody>;

export type { Answer, Frame, LiveClip, MetricsRow, RunInfo, RunProgress };
