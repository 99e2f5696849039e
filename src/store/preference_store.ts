/**
 * The preference store: clips, the queries asked about them, the answers given, the labellers
 * who give them, leases that hand queries out fairly, and run metadata. This file is the facade:
 * it opens the database and hands each call to the part that holds that concern.
 *
 *   clips.ts      clips and the reward model's r̂ per step of them
 *   queries.ts    queries (pairs of clips), their phase and repeats
 *   leases.ts     handing queries out to labellers
 *   answers.ts    answers: recorded, submitted on a lease, undone, polled, imported
 *   labellers.ts  labellers and their tokens
 *   stats.ts      counts and agreement over answers, for the page and the owner
 *   run_meta.ts   what the trainer tells the servers (run info, heartbeat, live clip, …)
 *
 * Two dialects: a SQLite file (the default, one machine) and Postgres (many servers and runs on
 * one database, each run in a schema of its own; see postgres.ts and context.ts). An answer is
 * acknowledged only after its transaction commits (SQLite: synchronous=FULL; Postgres: its
 * default synchronous commit), so an acknowledged answer survives `kill -9` of the process. A
 * retried submit carries the same `requestId` and is stored once.
 */
import { type Kysely, sql } from "kysely";
import type { Clip, Query } from "../core/types.ts";
import {
  type AnsweredComparison,
  type AnsweredPair,
  Answers,
  type ComparisonImport,
  type LeasedAnswerInput,
  type RecordAnswerInput,
  type RecordResult,
  type StoredAnswer,
} from "./answers.ts";
import { Clips } from "./clips.ts";
import { StoreContext } from "./context.ts";
import { StoreBusyError } from "./errors.ts";
import type { LabellerArg } from "./labeller_ref.ts";
import { type Labeller, Labellers } from "./labellers.ts";
import { type Lease, type LeaseLimit, Leases } from "./leases.ts";
import { MIGRATIONS, migrate, type SqlFlavor, type StoreMigration } from "./migrations.ts";
import { isPostgresUrl, openPostgres, redactUrl } from "./postgres.ts";
import { Queries, type QueryRecord } from "./queries.ts";
import { acquireStoreLock, type StoreLock } from "./run_lock.ts";
import { MetaStore, type RunMeta, type RunMetaKey } from "./run_meta.ts";
import type { QueryPhase, StoreSchema } from "./schema.ts";
import { openSqlite } from "./sqlite.ts";
import {
  type LabellerActivity,
  type LabellerAnswerCounts,
  type RecentAnswer,
  type RepeatAgreement,
  Stats,
} from "./stats.ts";

export type {
  AnsweredComparison,
  AnsweredPair,
  ComparisonImport,
  LeasedAnswerInput,
  RecordAnswerInput,
  RecordResult,
  StoredAnswer,
} from "./answers.ts";
export { hashToken, type Labeller } from "./labellers.ts";
export type { Lease, LeaseLimit } from "./leases.ts";
export type { QueryRecord } from "./queries.ts";
export type { QueryPhase } from "./schema.ts";
export type {
  LabellerActivity,
  LabellerAnswerCounts,
  RecentAnswer,
  RepeatAgreement,
} from "./stats.ts";

export type OpenOptions = {
  /** Clock for `created_at` columns; defaults to Date.now. */
  now?: () => number;
  /** The migrations to apply (tests use a prefix of the real list). */
  migrations?: StoreMigration[];
  /** Postgres: the schema that holds this run's tables (created if missing; default `public`). */
  schema?: string;
  /** Postgres: connections in this process's pool (default 8). */
  poolSize?: number;
};

/** Where a store lives: a SQLite file, or a schema of a Postgres database. */
export type StoreLocation =
  | { kind: "sqlite"; path: string }
  | { kind: "postgres"; url: string; schema: string };

/** Postgres errors of two processes creating the same schema or tables at once: try again. */
const CREATE_RACES = new Set(["23505", "42P06", "42P07", "40P01"]);

export class PreferenceStore {
  readonly clips: Clips;
  readonly queries: Queries;
  readonly leases: Leases;
  readonly answers: Answers;
  readonly labellers: Labellers;
  readonly stats: Stats;
  readonly meta: MetaStore;
  private readonly now: () => number;

  private constructor(
    private readonly ctx: StoreContext,
    /** Where this store lives (a Postgres URL as given, password included). */
    readonly location: StoreLocation,
  ) {
    this.now = ctx.now;
    this.clips = new Clips(ctx);
    this.queries = new Queries(ctx);
    this.leases = new Leases(ctx);
    this.answers = new Answers(ctx, this.clips);
    this.labellers = new Labellers(ctx);
    this.stats = new Stats(ctx);
    this.meta = new MetaStore(ctx);
  }

  /**
   * Opens (creating if needed) the SQLite store at `path` and applies missing migrations. Open a
   * file once per process and share the instance: several processes may each hold one (WAL), but
   * two instances in one process would block each other's write transactions.
   */
  static async open(target: string, options: OpenOptions = {}): Promise<PreferenceStore> {
    if (isPostgresUrl(target)) return PreferenceStore.openPostgres(target, options);
    const db = openSqlite<StoreSchema>(target);
    try {
      await migrate(db, "sqlite", options.migrations ?? MIGRATIONS);
    } catch (e) {
      await db.destroy();
      throw e;
    }
    const ctx = new StoreContext(db, "sqlite", options.now ?? Date.now);
    return new PreferenceStore(ctx, { kind: "sqlite", path: target });
  }

  /**
   * Connects to the Postgres database at `url`, creates `options.schema` if missing, and applies
   * the migrations it lacks there. Several processes (servers, the trainer) may each hold one.
   */
  private static async openPostgres(url: string, options: OpenOptions): Promise<PreferenceStore> {
    const schema = options.schema ?? "public";
    const db = openPostgres<StoreSchema>(url, { schema, max: options.poolSize });
    for (let attempt = 1; ; attempt++) {
      try {
        await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
        await migrate(db, "postgres", options.migrations ?? MIGRATIONS, schema);
        break;
      } catch (error) {
        const code = codeOf(error) ?? codeOf((error as Error).cause);
        if (attempt < 3 && code !== undefined && CREATE_RACES.has(code)) continue;
        await db.destroy();
        throw new Error(`Postgres store ${redactUrl(url)} (schema ${schema}): ${describe(error)}`, {
          cause: error,
        });
      }
    }
    const ctx = new StoreContext(db, "postgres", options.now ?? Date.now);
    return new PreferenceStore(ctx, { kind: "postgres", url, schema });
  }

  async close(): Promise<void> {
    await this.ctx.db.destroy();
  }

  /**
   * Takes the run's lock in the store, so that two trainers never train one run: on Postgres an
   * advisory lock held by a connection of its own until `release()` (or until the process dies,
   * which closes the connection). On SQLite the run folder's LOCK file is the lock; this adds
   * nothing. Throws when another process holds it.
   */
  async lockRun(): Promise<StoreLock> {
    if (this.location.kind === "sqlite") return { release() {} };
    const holder = await this.getMeta("trainer").catch(() => undefined);
    return acquireStoreLock(this.location.url, this.location.schema, holder);
  }

  get flavor(): SqlFlavor {
    return this.ctx.flavor;
  }

  /** The underlying Kysely instance, for tools and tests that inspect the schema. */
  get kysely(): Kysely<StoreSchema> {
    return this.ctx.db;
  }

  // ---- clips ---------------------------------------------------------------------------------

  addClips(clips: Clip[]): Promise<void> {
    return this.clips.add(clips);
  }

  getClip(id: string): Promise<Clip | null> {
    return this.clips.get(id);
  }

  clipsRecordedAt(envId: string, envSteps: number[]): Promise<Clip[]> {
    return this.clips.recordedAt(envId, envSteps);
  }

  setClipPredictions(entries: { clipId: string; predicted: ArrayLike<number> }[]): Promise<void> {
    return this.clips.setPredictions(entries);
  }

  getClipPredictions(clipIds: string[]): Promise<Map<string, (number | null)[]>> {
    return this.clips.getPredictions(clipIds);
  }

  // ---- queries and leases --------------------------------------------------------------------

  addQuery(
    query: Query,
    phase: QueryPhase,
    options: { repeatOf?: string; createdAt?: number } = {},
  ): Promise<void> {
    return this.queries.add(query, phase, options);
  }

  addQueries(queries: Query[], phase: QueryPhase, options: { createdAt?: number } = {}) {
    return this.queries.addMany(queries, phase, options);
  }

  getQuery(id: string): Promise<Query | null> {
    return this.queries.get(id);
  }

  getQueryRecord(id: string): Promise<QueryRecord | null> {
    return this.queries.record(id);
  }

  countQueries(): Promise<number> {
    return this.queries.count();
  }

  pendingQueries(): Promise<QueryRecord[]> {
    return this.queries.pending();
  }

  leaseNextQuery(
    labeller: LabellerArg,
    ttlMs: number,
    now = this.now(),
    limit: LeaseLimit = {},
  ): Promise<Lease | null> {
    return this.leases.next(labeller, ttlMs, now, limit);
  }

  leaseQuery(
    queryId: string,
    labeller: LabellerArg,
    ttlMs: number,
    now = this.now(),
    limit: LeaseLimit = {},
  ): Promise<Lease | null> {
    return this.leases.lease(queryId, labeller, ttlMs, now, limit);
  }

  // ---- answers -------------------------------------------------------------------------------

  recordAnswer(input: RecordAnswerInput): Promise<RecordResult> {
    return this.answers.record(input);
  }

  submitLeased(input: LeasedAnswerInput): Promise<RecordResult> {
    return this.answers.submitLeased(input);
  }

  undoLastAnswer(labeller: LabellerArg, now = this.now()): Promise<StoredAnswer | null> {
    return this.answers.undoLast(labeller, now);
  }

  /** Every live, trainable answer (left, right or equal) with its two clips, in answer order. */
  answeredPairs(): Promise<AnsweredPair[]> {
    return this.answers.comparisons({ trainableOnly: true });
  }

  /**
   * Live answers with id > `afterId` (cant_tell included) with their queries' clips, in answer
   * order, at most `limit` of them: pages through everything labelled, e.g. for an export.
   */
  answeredComparisons(
    page: { afterId?: number; limit?: number } = {},
  ): Promise<AnsweredComparison[]> {
    return this.answers.comparisons({ trainableOnly: false, ...page });
  }

  importComparisons(items: ComparisonImport[]): Promise<{ added: number; skipped: number }> {
    return this.answers.importComparisons(items);
  }

  answersSince(afterId: number, limit?: number): Promise<StoredAnswer[]> {
    return this.answers.since(afterId, limit);
  }

  countAnswers(): Promise<number> {
    return this.answers.count();
  }

  labelProgress(): Promise<{ asked: number; answered: number }> {
    return this.answers.labelProgress();
  }

  // ---- labellers and tokens ------------------------------------------------------------------

  addLabeller(name: string): Promise<{ labeller: Labeller; token: string }> {
    return this.labellers.add(name);
  }

  removeLabeller(name: string, now = this.now()): Promise<Labeller> {
    return this.labellers.remove(name, now);
  }

  rotateLabellerToken(name: string, now = this.now()) {
    return this.labellers.rotate(name, now);
  }

  authenticate(token: string): Promise<Labeller | null> {
    return this.labellers.authenticate(token);
  }

  listLabellers(): Promise<Labeller[]> {
    return this.labellers.list();
  }

  // ---- statistics ----------------------------------------------------------------------------

  labellerAnswerCounts(labeller: LabellerArg, since: number): Promise<LabellerAnswerCounts> {
    return this.stats.answerCounts(labeller, since);
  }

  labellerActivity(): Promise<LabellerActivity[]> {
    return this.stats.activity();
  }

  recentAnswers(limit: number, labeller?: LabellerArg): Promise<RecentAnswer[]> {
    return this.stats.recent(limit, labeller);
  }

  repeatAgreement(): Promise<RepeatAgreement> {
    return this.stats.repeatAgreement();
  }

  // ---- run metadata --------------------------------------------------------------------------

  /** The value under a `RunMeta` key, checked against its schema; undefined if absent or invalid. */
  getMeta<K extends RunMetaKey>(key: K): Promise<RunMeta[K] | undefined> {
    return this.meta.get(key);
  }

  setMeta<K extends RunMetaKey>(key: K, value: RunMeta[K]): Promise<void> {
    return this.meta.set(key, value);
  }

  /** Read-modify-write of one key in a transaction (see MetaStore.update). */
  updateMeta<K extends RunMetaKey>(
    key: K,
    fn: (current: RunMeta[K] | undefined) => RunMeta[K],
  ): Promise<RunMeta[K]> {
    return this.meta.update(key, fn);
  }
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

function describe(error: unknown): string {
  if (error instanceof StoreBusyError) return describe(error.cause);
  if (!(error instanceof Error)) return String(error);
  // pg reports an unreachable server as an AggregateError with an empty message.
  if (error.message === "" && error instanceof AggregateError) {
    return error.errors.map((e: Error) => e.message).join("; ");
  }
  return error.message;
}
