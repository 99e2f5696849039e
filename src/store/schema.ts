/** Row types of the preference store, as Kysely sees them. Times are milliseconds since the epoch. */
import type { Generated } from "kysely";

export type QueryPhase = "pretrain" | "online";

/**
 * Who gave an answer or holds a lease: a registered `person` (with a labeller id), the run's
 * `owner`, a synthetic `teacher` (oracle, noisy, goal:…) or an `import` from a preference file.
 */
export type LabellerKind = "person" | "owner" | "teacher" | "import";

export interface ClipsTable {
  id: string;
  env_id: string;
  policy_version: number;
  env_step: number;
  /** Steps in the clip. */
  length: number;
  /** `encodeClipArrays`: obs, actions, rewards, unhealthy, signals. */
  data: Uint8Array;
  /** JSON array of frames. */
  frames: string;
  created_at: number;
}

export interface QueriesTable {
  id: string;
  left_clip: string;
  right_clip: string;
  disagreement: number;
  phase: QueryPhase;
  /** The query this one repeats (asked twice on purpose, to measure consistency). */
  repeat_of: string | null;
  created_at: number;
  /** Live (not undone) answers to this query, kept by the store as answers come and go. */
  live_answers: Generated<number>;
  /** When the query's current unanswered lease ends; null when it has none (or was answered). */
  leased_until: number | null;
}

export interface AnswersTable {
  id: Generated<number>;
  query_id: string;
  answer: string;
  /** The name shown for the answer; who gave it is `labeller_kind` and `labeller_id`. */
  labeller: string;
  labeller_kind: Generated<LabellerKind>;
  /** `labellers.id` for a person; null for every other kind. */
  labeller_id: number | null;
  time: number;
  /** Client-chosen id of the submit; a retried submit carries the same one. */
  request_id: string;
  /** Set by undo; an undone answer is kept for the record but no longer counts. */
  undone_at: number | null;
}

export interface LabellersTable {
  id: Generated<number>;
  name: string;
  /** Hex SHA-256 of the labeller's token; the token itself is never stored. Null once removed. */
  token_hash: string | null;
  created_at: number;
  /** When the labeller was removed (their token revoked); their answers stay theirs. */
  removed_at: number | null;
}

export interface LeasesTable {
  lease_id: string;
  query_id: string;
  labeller: string;
  labeller_kind: Generated<LabellerKind>;
  labeller_id: number | null;
  created_at: number;
  expires_at: number;
  /** The answer given on this lease; a lease takes one answer. */
  answer_id: number | null;
}

export interface RunMetaTable {
  key: string;
  /** JSON. */
  value: string;
}

export interface ClipPredictionsTable {
  clip_id: string;
  /** JSON array: the reward model's r̂ per step of the clip. */
  predicted: string;
  updated_at: number;
}

export interface StoreSchema {
  clips: ClipsTable;
  queries: QueriesTable;
  answers: AnswersTable;
  labellers: LabellersTable;
  leases: LeasesTable;
  run_meta: RunMetaTable;
  clip_predictions: ClipPredictionsTable;
}
