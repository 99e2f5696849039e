/**
 * The preference store: clips, the queries asked about them, the answers given, the labellers
 * who give them, leases that hand queries out fairly, and run metadata. All access goes through
 * Kysely so that a Postgres dialect can be added next to `sqlite.ts`.
 *
 * An answer is acknowledged only after its transaction commits with synchronous=FULL, so an
 * acknowledged answer survives `kill -9` and power loss. A retried submit carries the same
 * `requestId` and is stored once.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { type Kysely, type Selectable, type SqlBool, sql, type Transaction } from "kysely";
import type { Answer, Clip, Preference, Query } from "../core/types.ts";
import { decodeClipArrays, decodeFrames, encodeClipArrays, encodeFrames } from "./clip_codec.ts";
import {
  AlreadyAnsweredError,
  InvalidAnswerError,
  LabellerExistsError,
  LeaseExpiredError,
  LeaseLimitError,
  LeaseUsedError,
  RequestIdConflictError,
  UnknownLabellerError,
  UnknownLeaseError,
  UnknownQueryError,
} from "./errors.ts";
import {
  isRef,
  type LabellerArg,
  type LabellerKind,
  type LabellerRef,
  OWNER_NAME,
  refColumns,
  refName,
  rowRef,
  sameRef,
  toRef,
} from "./labeller_ref.ts";
import { MIGRATIONS, migrate, type SqlFlavor, type StoreMigration } from "./migrations.ts";
import type {
  AnswersTable,
  ClipsTable,
  LabellersTable,
  QueriesTable,
  QueryPhase,
  StoreSchema,
} from "./schema.ts";
import { openSqlite } from "./sqlite.ts";

export type { QueryPhase } from "./schema.ts";

/** A stored answer: the preference plus its row id (increasing) and the submit's request id. */
export type StoredAnswer = Preference & { id: number; requestId: string };

/** A trainable answer (not cant_tell) with both clips decoded, for reward training. */
export type AnsweredPair = StoredAnswer & { left: Clip; right: Clip; phase: QueryPhase };

/** Any live answer (cant_tell included) with its query's clips, phase and disagreement. */
export type AnsweredComparison = AnsweredPair & { disagreement: number };

/** An answered comparison brought in from elsewhere, for `importComparisons`. */
export type ComparisonImport = {
  query: Query;
  phase: QueryPhase;
  answer: Answer;
  labeller: string;
  /** Milliseconds since the epoch: when the labeller answered. */
  time: number;
  /** Derived from the comparison, so that importing it again is recognised. */
  requestId: string;
};

export type QueryRecord = {
  id: string;
  leftClipId: string;
  rightClipId: string;
  disagreement: number;
  phase: QueryPhase;
  repeatOf: string | null;
  createdAt: number;
};

/** A person registered with `backflip labellers add`. `removedAt` is set once removed. */
export type Labeller = { id: number; name: string; createdAt: number; removedAt: number | null };

/** Live answers of one labeller: all of them, and those given at or after a time. */
export type LabellerAnswerCounts = { total: number; since: number };

/** Live answers of one answerer (a person, the owner, a teacher or an import). */
export type LabellerActivity = {
  /** The name the answers are shown under. */
  labeller: string;
  kind: LabellerKind;
  /** The person's labeller id; null for the other kinds. */
  labellerId: number | null;
  answers: number;
  lastAnswerAt: number | null;
};

/** How many leases one labeller may hold at once (`leaseNextQuery`, `leaseQuery`). */
export type LeaseLimit = { maxLive?: number };

/** A recent answer with the clips of its query, newest first in `recentAnswers`. */
export type RecentAnswer = StoredAnswer & { leftClipId: string; rightClipId: string };

/**
 * How often two different labellers gave the same answer to a query and its deliberate repeat
 * (left/right swapped back when the repeat shows the clips the other way round). Pairs where
 * either answer is cant_tell are left out; `rate` is null when there are no pairs.
 */
export type RepeatAgreement = { pairs: number; agreed: number; rate: number | null };

export type Lease = {
  leaseId: string;
  labeller: string;
  expiresAt: number;
  query: Query;
};

export type RecordAnswerInput = {
  queryId: string;
  answer: Answer;
  /** Who answers; a bare name is a synthetic teacher's. */
  labeller: LabellerArg;
  /** Milliseconds since the epoch. */
  time: number;
  /** Client-chosen id, the same on every retry of one submit. */
  requestId: string;
};

/** `stored` is false when the requestId was seen before; `answer` is then the one stored first. */
export type RecordResult = { stored: boolean; answer: StoredAnswer };

export type OpenOptions = {
  /** Clock for `created_at` columns; defaults to Date.now. */
  now?: () => number;
  /** The migrations to apply (tests use a prefix of the real list). */
  migrations?: StoreMigration[];
};

const ANSWERS: readonly Answer[] = ["left", "right", "equal", "cant_tell"];

export class PreferenceStore {
  private constructor(
    private readonly db: Kysely<StoreSchema>,
    readonly flavor: SqlFlavor,
    private readonly now: () => number,
  ) {}

  /**
   * Opens (creating if needed) the SQLite store at `path` and applies missing migrations. Open a
   * file once per process and share the instance: several processes may each hold one (WAL), but
   * two instances in one process would block each other's write transactions.
   */
  static async open(path: string, options: OpenOptions = {}): Promise<PreferenceStore> {
    const db = openSqlite<StoreSchema>(path);
    try {
      await migrate(db, "sqlite", options.migrations ?? MIGRATIONS);
    } catch (e) {
      await db.destroy();
      throw e;
    }
    return new PreferenceStore(db, "sqlite", options.now ?? Date.now);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  /** The underlying Kysely instance, for tools and tests that inspect the schema. */
  get kysely(): Kysely<StoreSchema> {
    return this.db;
  }

  // ---- clips ---------------------------------------------------------------------------------

  /** Stores clips; a clip whose id is already stored is left as it is. */
  async addClips(clips: Clip[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const clip of clips) await this.insertClip(trx, clip);
    });
  }

  async getClip(id: string): Promise<Clip | null> {
    const row = await this.db
      .selectFrom("clips")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? rowToClip(row) : null;
  }

  // ---- queries -------------------------------------------------------------------------------

  /** Stores a query and its two clips. A query whose id is already stored is left as it is. */
  async addQuery(
    query: Query,
    phase: QueryPhase,
    options: { repeatOf?: string; createdAt?: number } = {},
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await this.insertQuery(trx, query, phase, options.repeatOf ?? null, options.createdAt);
    });
  }

  async addQueries(
    queries: Query[],
    phase: QueryPhase,
    options: { createdAt?: number } = {},
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const q of queries) await this.insertQuery(trx, q, phase, null, options.createdAt);
    });
  }

  async getQuery(id: string): Promise<Query | null> {
    return loadQuery(this.db, id);
  }

  async getQueryRecord(id: string): Promise<QueryRecord | null> {
    const row = await this.db
      .selectFrom("queries")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? rowToQueryRecord(row) : null;
  }

  async countQueries(): Promise<number> {
    const row = await this.db
      .selectFrom("queries")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Queries with no (live) answer yet, oldest first. */
  async pendingQueries(): Promise<QueryRecord[]> {
    const rows = await this.db
      .selectFrom("queries as q")
      .selectAll("q")
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom("answers as a")
              .select("a.id")
              .whereRef("a.query_id", "=", "q.id")
              .where("a.undone_at", "is", null),
          ),
        ),
      )
      .orderBy("q.created_at")
      .orderBy("q.id")
      .execute();
    return rows.map(rowToQueryRecord);
  }

  // ---- answers -------------------------------------------------------------------------------

  /**
   * Stores an answer once per requestId. Throws UnknownQueryError for a query not in the store,
   * AlreadyAnsweredError when this labeller already has a live answer to the query, and
   * RequestIdConflictError when the requestId was used for another query or labeller.
   */
  async recordAnswer(input: RecordAnswerInput): Promise<RecordResult> {
    assertAnswer(input.answer);
    const labeller = toRef(input.labeller);
    return this.db.transaction().execute(async (trx) => {
      const previous = await findByRequestId(trx, input.requestId);
      if (previous) {
        if (previous.answer.queryId !== input.queryId || !sameRef(previous.by, labeller)) {
          throw new RequestIdConflictError(input.requestId);
        }
        return { stored: false, answer: previous.answer };
      }
      const query = await trx
        .selectFrom("queries")
        .select("id")
        .where("id", "=", input.queryId)
        .executeTakeFirst();
      if (!query) throw new UnknownQueryError(input.queryId);
      const answer = await insertAnswer(trx, { ...input, labeller });
      return { stored: true, answer };
    });
  }

  /** Every live, trainable answer (left, right or equal) with its two clips, in answer order. */
  async answeredPairs(): Promise<AnsweredPair[]> {
    return this.liveComparisons({ trainableOnly: true });
  }

  /**
   * Live answers with id > `afterId` (cant_tell included) with their queries' clips, in answer
   * order, at most `limit` of them: pages through everything labelled, e.g. for an export.
   */
  async answeredComparisons(
    page: { afterId?: number; limit?: number } = {},
  ): Promise<AnsweredComparison[]> {
    return this.liveComparisons({ trainableOnly: false, ...page });
  }

  /**
   * Adds answered comparisons made elsewhere, all in one transaction: each query with its clips
   * (a clip id already stored is left as it is) and its answer, under its original labeller's
   * name (kind `import`) and time. A query already stored over the same two clips, in the same order, is reused. An
   * answer whose requestId is stored, or whose labeller already has a live answer to the query,
   * is skipped, so importing the same comparisons twice adds nothing.
   */
  async importComparisons(items: ComparisonImport[]): Promise<{ added: number; skipped: number }> {
    for (const item of items) assertAnswer(item.answer);
    return this.db.transaction().execute(async (trx) => {
      let added = 0;
      for (const item of items) {
        const { query } = item;
        const asked = await trx
          .selectFrom("queries")
          .select("id")
          .where("left_clip", "=", query.left.id)
          .where("right_clip", "=", query.right.id)
          .orderBy("created_at")
          .orderBy("id")
          .executeTakeFirst();
        const queryId = asked?.id ?? query.id;
        if (!asked) await this.insertQuery(trx, query, item.phase, null);
        const seen = await findByRequestId(trx, item.requestId);
        const mine = await trx
          .selectFrom("answers")
          .select("id")
          .where("query_id", "=", queryId)
          .where("labeller", "=", item.labeller)
          .where("undone_at", "is", null)
          .executeTakeFirst();
        if (seen || mine) continue;
        await insertAnswer(trx, {
          ...item,
          queryId,
          labeller: { kind: "import", name: item.labeller },
        });
        added++;
      }
      return { added, skipped: items.length - added };
    });
  }

  /** The clips of `envId` recorded at any of the given trainer env steps. */
  async clipsRecordedAt(envId: string, envSteps: number[]): Promise<Clip[]> {
    const out: Clip[] = [];
    const unique = [...new Set(envSteps)];
    for (let i = 0; i < unique.length; i += 500) {
      const rows = await this.db
        .selectFrom("clips")
        .selectAll()
        .where("env_id", "=", envId)
        .where("env_step", "in", unique.slice(i, i + 500))
        .orderBy("id")
        .execute();
      for (const r of rows) out.push(rowToClip(r));
    }
    return out;
  }

  private async liveComparisons(options: {
    trainableOnly: boolean;
    afterId?: number;
    limit?: number;
  }): Promise<AnsweredComparison[]> {
    let query = this.db
      .selectFrom("answers as a")
      .innerJoin("queries as q", "q.id", "a.query_id")
      .select([
        "a.id",
        "a.query_id",
        "a.answer",
        "a.labeller",
        "a.time",
        "a.request_id",
        "q.left_clip",
        "q.right_clip",
        "q.phase",
        "q.disagreement",
      ])
      .where("a.undone_at", "is", null)
      .where("a.id", ">", options.afterId ?? 0);
    if (options.trainableOnly) query = query.where("a.answer", "!=", "cant_tell");
    if (options.limit !== undefined) query = query.limit(options.limit);
    const rows = await query.orderBy("a.id").execute();
    const clipIds = new Set<string>();
    for (const r of rows) {
      clipIds.add(r.left_clip);
      clipIds.add(r.right_clip);
    }
    const clips = await this.loadClips([...clipIds]);
    return rows.map((r) => ({
      id: Number(r.id),
      queryId: r.query_id,
      answer: r.answer as Answer,
      labeller: r.labeller,
      time: Number(r.time),
      requestId: r.request_id,
      left: clips.get(r.left_clip)!,
      right: clips.get(r.right_clip)!,
      phase: r.phase,
      disagreement: Number(r.disagreement),
    }));
  }

  /**
   * Live answers with id > `afterId`, in id order, for polling (cant_tell included). An answer
   * undone after it was polled does not show up again: reload `answeredPairs()` before training.
   */
  async answersSince(afterId: number, limit = 10_000): Promise<StoredAnswer[]> {
    const rows = await this.db
      .selectFrom("answers")
      .selectAll()
      .where("id", ">", afterId)
      .where("undone_at", "is", null)
      .orderBy("id")
      .limit(limit)
      .execute();
    return rows.map(rowToAnswer);
  }

  /** Live answers (undone ones excluded; cant_tell included). */
  async countAnswers(): Promise<number> {
    const row = await this.db
      .selectFrom("answers")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("undone_at", "is", null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * The label schedule's view of the store: queries asked (deliberate repeats left out) and how
   * many of them have a live answer, "can't tell" included.
   */
  async labelProgress(): Promise<{ asked: number; answered: number }> {
    const row = await this.db
      .selectFrom("queries")
      .select((eb) => [
        eb.fn.countAll<number>().as("asked"),
        eb.fn
          .sum<number>(eb.case().when("live_answers", ">", 0).then(1).else(0).end())
          .as("answered"),
      ])
      .where("repeat_of", "is", null)
      .executeTakeFirstOrThrow();
    return { asked: Number(row.asked), answered: Number(row.answered ?? 0) };
  }

  /**
   * Withdraws `labeller`'s most recent live answer; its query goes back to the pool. The row is
   * kept (marked undone), so a late retry of the same submit is still recognised. Returns the
   * withdrawn answer, or null when the labeller has none. Only `labeller`'s own answers count:
   * a person is matched by id, never by name.
   */
  async undoLastAnswer(labeller: LabellerArg, now = this.now()): Promise<StoredAnswer | null> {
    const who = toRef(labeller);
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom("answers")
        .selectAll()
        .where(isRef("answers", who))
        .where("undone_at", "is", null)
        .orderBy("id", "desc")
        .limit(1)
        .executeTakeFirst();
      if (!row) return null;
      await trx.updateTable("answers").set({ undone_at: now }).where("id", "=", row.id).execute();
      await trx
        .updateTable("queries")
        .set((eb) => ({ live_answers: eb("live_answers", "-", 1) }))
        .where("id", "=", row.query_id)
        .execute();
      return rowToAnswer(row);
    });
  }

  // ---- labellers -----------------------------------------------------------------------------

  /** Registers a labeller and returns their token. The token is shown once: only its hash is kept. */
  async addLabeller(name: string): Promise<{ labeller: Labeller; token: string }> {
    if (name.trim() === "") throw new Error("a labeller needs a non-empty name");
    if (name === OWNER_NAME) throw new Error(`'${OWNER_NAME}' is the run owner's name`);
    const token = newToken();
    const createdAt = this.now();
    const id = await this.db.transaction().execute(async (trx) => {
      const taken = await trx
        .selectFrom("labellers")
        .select("id")
        .where("name", "=", name)
        .executeTakeFirst();
      if (taken) throw new LabellerExistsError(name);
      const row = await trx
        .insertInto("labellers")
        .values({ name, token_hash: hashToken(token), created_at: createdAt, removed_at: null })
        .returning("id")
        .executeTakeFirstOrThrow();
      return Number(row.id);
    });
    return { labeller: { id, name, createdAt, removedAt: null }, token };
  }

  /**
   * Revokes `name`'s token: from the next request on, it is refused everywhere, whichever server
   * receives it (tokens are looked up here on every request). Their answers stay, attributed to
   * them; their unanswered leases end now, so those queries go back to the pool. Throws
   * UnknownLabellerError for a name never registered.
   */
  async removeLabeller(name: string, now = this.now()): Promise<Labeller> {
    return this.db.transaction().execute(async (trx) => {
      const row = await findLabellerRow(trx, name);
      await trx
        .updateTable("labellers")
        .set({ token_hash: null, removed_at: row.removed_at ?? now })
        .where("id", "=", row.id)
        .execute();
      await endLeases(trx, { kind: "person", id: Number(row.id), name }, now);
      return rowToLabeller({ ...row, removed_at: row.removed_at ?? now });
    });
  }

  /**
   * Gives `name` a new token (returned, to be shown once) and revokes the old one at once. A
   * removed labeller comes back with their answers. Their unanswered leases end now: the page
   * opened with the old token can no longer answer on them.
   */
  async rotateLabellerToken(
    name: string,
    now = this.now(),
  ): Promise<{ labeller: Labeller; token: string }> {
    const token = newToken();
    return this.db.transaction().execute(async (trx) => {
      const row = await findLabellerRow(trx, name);
      await trx
        .updateTable("labellers")
        .set({ token_hash: hashToken(token), removed_at: null })
        .where("id", "=", row.id)
        .execute();
      await endLeases(trx, { kind: "person", id: Number(row.id), name }, now);
      return { labeller: rowToLabeller({ ...row, removed_at: null }), token };
    });
  }

  /** The labeller holding `token`, or null (also for a removed labeller's old token). */
  async authenticate(token: string): Promise<Labeller | null> {
    if (typeof token !== "string" || token === "") return null;
    const row = await this.db
      .selectFrom("labellers")
      .selectAll()
      .where("token_hash", "=", hashToken(token))
      .where("removed_at", "is", null)
      .executeTakeFirst();
    return row ? rowToLabeller(row) : null;
  }

  /** Every labeller ever registered, removed ones included, in the order they were added. */
  async listLabellers(): Promise<Labeller[]> {
    const rows = await this.db.selectFrom("labellers").selectAll().orderBy("id").execute();
    return rows.map(rowToLabeller);
  }

  // ---- leases --------------------------------------------------------------------------------

  /**
   * Hands `labeller` the oldest query that has no live answer and no current lease (one whose
   * lease expired counts as free), leased until now + ttlMs. Null when there is none. A query and
   * its deliberate repeats (`repeat_of`) go to different labellers: a labeller who answered, or
   * holds a lease on, one of them is not handed another. With `maxLive`, a labeller who already
   * holds that many current leases gets LeaseLimitError instead, so nobody hoards the pool.
   */
  async leaseNextQuery(
    labeller: LabellerArg,
    ttlMs: number,
    now = this.now(),
    limit: LeaseLimit = {},
  ): Promise<Lease | null> {
    const who = toRef(labeller);
    return this.db.transaction().execute(async (trx) => {
      await checkLeaseLimit(trx, who, now, limit.maxLive);
      const row = await trx
        .selectFrom("queries as q")
        .select("q.id")
        // Matches the partial index queries_open, so answered queries are never scanned.
        .where("q.live_answers", "=", sql.lit(0))
        .where(({ and, not, exists, selectFrom }) =>
          and([
            not(
              exists(
                selectFrom("answers as a")
                  .select("a.id")
                  .whereRef("a.query_id", "=", "q.id")
                  .where("a.undone_at", "is", null),
              ),
            ),
            not(
              exists(
                selectFrom("leases as l")
                  .select("l.lease_id")
                  .whereRef("l.query_id", "=", "q.id")
                  .where("l.answer_id", "is", null)
                  .where("l.expires_at", ">", now),
              ),
            ),
            notSeenInGroup(who, now),
          ]),
        )
        .orderBy("q.created_at")
        .orderBy("q.id")
        .limit(1)
        .executeTakeFirst();
      if (!row) return null;
      return this.insertLease(trx, row.id, who, ttlMs, now);
    });
  }

  /**
   * Leases one given query (e.g. to ask again a query just undone). Null when the query has a
   * live answer, a current lease held by another labeller, or is a repeat (or the original) of a
   * query this labeller answered or holds. A current lease of the same labeller is replaced by
   * the new one (a reloaded page asks again) and does not count towards `maxLive`.
   */
  async leaseQuery(
    queryId: string,
    labeller: LabellerArg,
    ttlMs: number,
    now = this.now(),
    limit: LeaseLimit = {},
  ): Promise<Lease | null> {
    const who = toRef(labeller);
    return this.db.transaction().execute(async (trx) => {
      const exists = await trx
        .selectFrom("queries as q")
        .select(["q.id", notSeenInGroup(who, now).as("free")])
        .where("q.id", "=", queryId)
        .executeTakeFirst();
      if (!exists) throw new UnknownQueryError(queryId);
      if (!exists.free) return null;
      const answered = await trx
        .selectFrom("answers")
        .select("id")
        .where("query_id", "=", queryId)
        .where("undone_at", "is", null)
        .executeTakeFirst();
      const leased = await trx
        .selectFrom("leases as l")
        .select("l.lease_id")
        .where("l.query_id", "=", queryId)
        .where("l.answer_id", "is", null)
        .where("l.expires_at", ">", now)
        .where(({ not }) => not(isRef("l", who)))
        .executeTakeFirst();
      if (answered || leased) return null;
      await checkLeaseLimit(trx, who, now, limit.maxLive, queryId);
      // The lease this one replaces ends now, so it no longer counts as held.
      await trx
        .updateTable("leases")
        .set({ expires_at: now })
        .where("query_id", "=", queryId)
        .where("answer_id", "is", null)
        .where("expires_at", ">", now)
        .where(isRef("leases", who))
        .execute();
      return this.insertLease(trx, queryId, who, ttlMs, now);
    });
  }

  /**
   * Stores the answer given on a lease. The lease must be current (not expired) and unused. A
   * resend with the same requestId returns the stored answer (`stored: false`); any other second
   * answer on the lease throws LeaseUsedError and changes nothing. With `labeller` set, a lease
   * held by someone else counts as unknown (UnknownLeaseError), so ids cannot be probed.
   */
  async submitLeased(input: {
    leaseId: string;
    answer: Answer;
    requestId: string;
    now?: number;
    labeller?: LabellerArg;
  }): Promise<RecordResult> {
    assertAnswer(input.answer);
    const now = input.now ?? this.now();
    const caller = input.labeller === undefined ? undefined : toRef(input.labeller);
    return this.db.transaction().execute(async (trx) => {
      const lease = await trx
        .selectFrom("leases")
        .selectAll()
        .where("lease_id", "=", input.leaseId)
        .executeTakeFirst();
      if (!lease) throw new UnknownLeaseError(input.leaseId);
      const holder = rowRef(lease);
      if (caller !== undefined && !sameRef(holder, caller)) {
        throw new UnknownLeaseError(input.leaseId);
      }
      const previous = await findByRequestId(trx, input.requestId);
      if (previous) {
        if (previous.answer.queryId !== lease.query_id || !sameRef(previous.by, holder)) {
          throw new RequestIdConflictError(input.requestId);
        }
        return { stored: false, answer: previous.answer };
      }
      if (lease.answer_id !== null) throw new LeaseUsedError(input.leaseId);
      if (Number(lease.expires_at) <= now) throw new LeaseExpiredError(input.leaseId);
      const newer = await trx
        .selectFrom("leases")
        .select("lease_id")
        .where("query_id", "=", lease.query_id)
        .where("created_at", ">", lease.created_at)
        .executeTakeFirst();
      if (newer) throw new LeaseExpiredError(input.leaseId);
      const answer = await insertAnswer(trx, {
        queryId: lease.query_id,
        answer: input.answer,
        labeller: holder,
        time: now,
        requestId: input.requestId,
      });
      await trx
        .updateTable("leases")
        .set({ answer_id: answer.id })
        .where("lease_id", "=", input.leaseId)
        .execute();
      return { stored: true, answer };
    });
  }

  // ---- answer statistics (for the labelling server) ------------------------------------------

  /** Live answers of `labeller`: in all, and those with time ≥ `since`. */
  async labellerAnswerCounts(labeller: LabellerArg, since: number): Promise<LabellerAnswerCounts> {
    const row = await this.db
      .selectFrom("answers")
      .select((eb) => [
        eb.fn.countAll<number>().as("total"),
        eb.fn.sum<number>(eb.case().when("time", ">=", since).then(1).else(0).end()).as("since"),
      ])
      .where(isRef("answers", toRef(labeller)))
      .where("undone_at", "is", null)
      .executeTakeFirstOrThrow();
    return { total: Number(row.total), since: Number(row.since ?? 0) };
  }

  /**
   * Everyone with live answers: how many, and the time of the latest. One entry per answerer
   * (a person by id; the owner; a teacher or an import by name), by kind and name.
   */
  async labellerActivity(): Promise<LabellerActivity[]> {
    const rows = await this.db
      .selectFrom("answers")
      .select((eb) => [
        "labeller_kind",
        "labeller_id",
        "labeller",
        eb.fn.countAll<number>().as("answers"),
        eb.fn.max("time").as("last"),
      ])
      .where("undone_at", "is", null)
      // A person's name never changes, so this is one group per person id.
      .groupBy(["labeller_kind", "labeller_id", "labeller"])
      .execute();
    const order: LabellerKind[] = ["owner", "person", "teacher", "import"];
    return rows
      .map((r) => ({
        labeller: r.labeller,
        kind: r.labeller_kind as LabellerKind,
        labellerId: r.labeller_id === null ? null : Number(r.labeller_id),
        answers: Number(r.answers),
        lastAnswerAt: r.last === null ? null : Number(r.last),
      }))
      .sort(
        (a, b) =>
          order.indexOf(a.kind) - order.indexOf(b.kind) ||
          (a.labellerId ?? 0) - (b.labellerId ?? 0) ||
          a.labeller.localeCompare(b.labeller),
      );
  }

  /** The latest live answers, newest first, all or only `labeller`'s. */
  async recentAnswers(limit: number, labeller?: LabellerArg): Promise<RecentAnswer[]> {
    let query = this.db
      .selectFrom("answers as a")
      .innerJoin("queries as q", "q.id", "a.query_id")
      .selectAll("a")
      .select(["q.left_clip", "q.right_clip"])
      .where("a.undone_at", "is", null);
    if (labeller !== undefined) query = query.where(isRef("a", toRef(labeller)));
    const rows = await query.orderBy("a.id", "desc").limit(limit).execute();
    return rows.map((r) => ({
      ...rowToAnswer(r),
      leftClipId: r.left_clip,
      rightClipId: r.right_clip,
    }));
  }

  /** Agreement between different labellers on queries asked twice (see `RepeatAgreement`). */
  async repeatAgreement(): Promise<RepeatAgreement> {
    const rows = await this.db
      .selectFrom("queries as r")
      .innerJoin("queries as o", "o.id", "r.repeat_of")
      .innerJoin("answers as ar", "ar.query_id", "r.id")
      .innerJoin("answers as ao", "ao.query_id", "o.id")
      .select([
        "r.left_clip as rLeft",
        "r.right_clip as rRight",
        "o.left_clip as oLeft",
        "o.right_clip as oRight",
        "ar.answer as repeatAnswer",
        "ao.answer as originalAnswer",
      ])
      .where("ar.undone_at", "is", null)
      .where("ao.undone_at", "is", null)
      .where(
        sql<SqlBool>`not (ar.labeller_kind = ao.labeller_kind
          and coalesce(ar.labeller_id, -1) = coalesce(ao.labeller_id, -1)
          and (ar.labeller_kind = 'person' or ar.labeller = ao.labeller))`,
      )
      .where("ar.answer", "!=", "cant_tell")
      .where("ao.answer", "!=", "cant_tell")
      .execute();
    let agreed = 0;
    for (const r of rows) {
      const swapped = r.rLeft !== r.rRight && r.rLeft === r.oRight && r.rRight === r.oLeft;
      const flip: Record<string, string> = { left: "right", right: "left", equal: "equal" };
      const repeat = swapped ? flip[r.repeatAnswer] : r.repeatAnswer;
      if (repeat === r.originalAnswer) agreed++;
    }
    return { pairs: rows.length, agreed, rate: rows.length ? agreed / rows.length : null };
  }

  // ---- clip predictions ----------------------------------------------------------------------

  /** Stores the reward model's r̂ per step for clips (replacing earlier values). */
  async setClipPredictions(
    entries: { clipId: string; predicted: ArrayLike<number> }[],
  ): Promise<void> {
    const now = this.now();
    await this.db.transaction().execute(async (trx) => {
      for (const e of entries) {
        const json = JSON.stringify(
          Array.from(e.predicted, (v) => (Number.isFinite(v) ? v : null)),
        );
        await trx
          .insertInto("clip_predictions")
          .values({ clip_id: e.clipId, predicted: json, updated_at: now })
          .onConflict((oc) =>
            oc.column("clip_id").doUpdateSet({ predicted: json, updated_at: now }),
          )
          .execute();
      }
    });
  }

  /** r̂ per step of the given clips, for those that have it (non-finite values read as null). */
  async getClipPredictions(clipIds: string[]): Promise<Map<string, (number | null)[]>> {
    const out = new Map<string, (number | null)[]>();
    if (clipIds.length === 0) return out;
    const rows = await this.db
      .selectFrom("clip_predictions")
      .select(["clip_id", "predicted"])
      .where("clip_id", "in", clipIds)
      .execute();
    for (const r of rows) out.set(r.clip_id, JSON.parse(r.predicted) as (number | null)[]);
    return out;
  }

  // ---- run metadata --------------------------------------------------------------------------

  async getMeta<T = unknown>(key: string): Promise<T | undefined> {
    const row = await this.db
      .selectFrom("run_meta")
      .select("value")
      .where("key", "=", key)
      .executeTakeFirst();
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    const json = JSON.stringify(value);
    if (json === undefined) throw new Error(`run_meta '${key}': value is not JSON-serialisable`);
    await this.db
      .insertInto("run_meta")
      .values({ key, value: json })
      .onConflict((oc) => oc.column("key").doUpdateSet({ value: json }))
      .execute();
  }

  // ---- internals -----------------------------------------------------------------------------

  private async insertClip(trx: Transaction<StoreSchema>, clip: Clip): Promise<void> {
    await trx
      .insertInto("clips")
      .values(clipToRow(clip, this.now()))
      .onConflict((oc) => oc.column("id").doNothing())
      .execute();
  }

  private async insertQuery(
    trx: Transaction<StoreSchema>,
    query: Query,
    phase: QueryPhase,
    repeatOf: string | null,
    createdAt = this.now(),
  ): Promise<void> {
    if (phase !== "pretrain" && phase !== "online") {
      throw new Error(`query phase must be 'pretrain' or 'online', not '${phase}'`);
    }
    if (repeatOf !== null) {
      const original = await trx
        .selectFrom("queries")
        .select("id")
        .where("id", "=", repeatOf)
        .executeTakeFirst();
      if (!original) throw new UnknownQueryError(repeatOf);
    }
    await this.insertClip(trx, query.left);
    await this.insertClip(trx, query.right);
    await trx
      .insertInto("queries")
      .values({
        id: query.id,
        left_clip: query.left.id,
        right_clip: query.right.id,
        disagreement: query.disagreement,
        phase,
        repeat_of: repeatOf,
        created_at: createdAt,
      })
      .onConflict((oc) => oc.column("id").doNothing())
      .execute();
  }

  private async insertLease(
    trx: Transaction<StoreSchema>,
    queryId: string,
    labeller: LabellerRef,
    ttlMs: number,
    now: number,
  ): Promise<Lease> {
    if (!(ttlMs > 0)) throw new Error(`lease ttlMs must be positive, not ${ttlMs}`);
    const leaseId = randomUUID();
    const expiresAt = now + ttlMs;
    await trx
      .insertInto("leases")
      .values({
        lease_id: leaseId,
        query_id: queryId,
        ...refColumns(labeller),
        created_at: now,
        expires_at: expiresAt,
        answer_id: null,
      })
      .execute();
    const query = await loadQuery(trx, queryId);
    return { leaseId, labeller: refName(labeller), expiresAt, query: query! };
  }

  private async loadClips(ids: string[]): Promise<Map<string, Clip>> {
    const out = new Map<string, Clip>();
    const chunk = 500;
    for (let i = 0; i < ids.length; i += chunk) {
      const rows = await this.db
        .selectFrom("clips")
        .selectAll()
        .where("id", "in", ids.slice(i, i + chunk))
        .execute();
      for (const r of rows) out.set(r.id, rowToClip(r));
    }
    return out;
  }
}

/**
 * True when `labeller` neither has a live answer on, nor holds a current lease of another member
 * of, the repeat group of candidate `q` (the original query and every query repeating it).
 */
function notSeenInGroup(labeller: LabellerRef, now: number) {
  return sql<SqlBool>`(
    not exists (
      select 1 from queries g join answers a on a.query_id = g.id
      where (g.id = coalesce(q.repeat_of, q.id) or g.repeat_of = coalesce(q.repeat_of, q.id))
        and ${isRef("a", labeller)} and a.undone_at is null)
    and not exists (
      select 1 from queries g join leases l on l.query_id = g.id
      where (g.id = coalesce(q.repeat_of, q.id) or g.repeat_of = coalesce(q.repeat_of, q.id))
        and g.id <> q.id
        and ${isRef("l", labeller)} and l.answer_id is null and l.expires_at > ${now}))`;
}

/**
 * Throws LeaseLimitError when `labeller` holds `maxLive` or more current leases (a lease on
 * `except`, which a new one would replace, left out).
 */
async function checkLeaseLimit(
  trx: Transaction<StoreSchema>,
  labeller: LabellerRef,
  now: number,
  maxLive: number | undefined,
  except?: string,
): Promise<void> {
  if (maxLive === undefined || !Number.isFinite(maxLive)) return;
  let query = trx
    .selectFrom("leases")
    .select((eb) => eb.fn.count<number>("query_id").distinct().as("n"))
    .where(isRef("leases", labeller))
    .where("answer_id", "is", null)
    .where("expires_at", ">", now);
  if (except !== undefined) query = query.where("query_id", "!=", except);
  const { n } = await query.executeTakeFirstOrThrow();
  if (Number(n) >= maxLive) throw new LeaseLimitError(maxLive);
}

/** Ends `labeller`'s unanswered leases now: their queries go back to the pool. */
async function endLeases(
  trx: Transaction<StoreSchema>,
  labeller: LabellerRef,
  now: number,
): Promise<void> {
  await trx
    .updateTable("leases")
    .set({ expires_at: now })
    .where(isRef("leases", labeller))
    .where("answer_id", "is", null)
    .where("expires_at", ">", now)
    .execute();
}

async function findLabellerRow(trx: Transaction<StoreSchema>, name: string) {
  const row = await trx
    .selectFrom("labellers")
    .selectAll()
    .where("name", "=", name)
    .executeTakeFirst();
  if (!row) throw new UnknownLabellerError(name);
  return row;
}

function rowToLabeller(row: Selectable<LabellersTable>): Labeller {
  return {
    id: Number(row.id),
    name: row.name,
    createdAt: Number(row.created_at),
    removedAt: row.removed_at === null ? null : Number(row.removed_at),
  };
}

function newToken(): string {
  return randomBytes(32).toString("base64url");
}

// ---- row mapping -----------------------------------------------------------------------------

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

function assertAnswer(answer: unknown): asserts answer is Answer {
  if (!ANSWERS.includes(answer as Answer)) throw new InvalidAnswerError(answer);
}

/** The answer stored under `requestId`, and who gave it. */
async function findByRequestId(
  db: Kysely<StoreSchema>,
  requestId: string,
): Promise<{ answer: StoredAnswer; by: LabellerRef } | null> {
  const row = await db
    .selectFrom("answers")
    .selectAll()
    .where("request_id", "=", requestId)
    .executeTakeFirst();
  return row ? { answer: rowToAnswer(row), by: rowRef(row) } : null;
}

async function insertAnswer(
  trx: Transaction<StoreSchema>,
  input: RecordAnswerInput & { labeller: LabellerRef },
): Promise<StoredAnswer> {
  const name = refName(input.labeller);
  const mine = await trx
    .selectFrom("answers")
    .select("id")
    .where("query_id", "=", input.queryId)
    .where(isRef("answers", input.labeller))
    .where("undone_at", "is", null)
    .executeTakeFirst();
  if (mine) throw new AlreadyAnsweredError(input.queryId, name);
  const row = await trx
    .insertInto("answers")
    .values({
      query_id: input.queryId,
      answer: input.answer,
      ...refColumns(input.labeller),
      time: input.time,
      request_id: input.requestId,
      undone_at: null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await trx
    .updateTable("queries")
    .set((eb) => ({ live_answers: eb("live_answers", "+", 1) }))
    .where("id", "=", input.queryId)
    .execute();
  return {
    id: Number(row.id),
    queryId: input.queryId,
    answer: input.answer,
    labeller: name,
    time: input.time,
    requestId: input.requestId,
  };
}

async function loadQuery(db: Kysely<StoreSchema>, id: string): Promise<Query | null> {
  const q = await db.selectFrom("queries").selectAll().where("id", "=", id).executeTakeFirst();
  if (!q) return null;
  const rows = await db
    .selectFrom("clips")
    .selectAll()
    .where("id", "in", [q.left_clip, q.right_clip])
    .execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  const left = byId.get(q.left_clip)!;
  const right = byId.get(q.right_clip)!;
  return {
    id: q.id,
    left: rowToClip(left),
    right: rowToClip(right),
    disagreement: Number(q.disagreement),
  };
}

function clipToRow(clip: Clip, createdAt: number): Selectable<ClipsTable> {
  return {
    id: clip.id,
    env_id: clip.envId,
    policy_version: clip.policyVersion,
    env_step: clip.envStep,
    length: clip.rewards.length,
    data: encodeClipArrays(clip),
    frames: encodeFrames(clip.frames),
    created_at: createdAt,
  };
}

function rowToClip(row: Selectable<ClipsTable>): Clip {
  const arrays = decodeClipArrays(row.data);
  return {
    id: row.id,
    envId: row.env_id,
    ...arrays,
    frames: decodeFrames(row.frames),
    policyVersion: Number(row.policy_version),
    envStep: Number(row.env_step),
  };
}

function rowToQueryRecord(row: Selectable<QueriesTable>): QueryRecord {
  return {
    id: row.id,
    leftClipId: row.left_clip,
    rightClipId: row.right_clip,
    disagreement: Number(row.disagreement),
    phase: row.phase,
    repeatOf: row.repeat_of,
    createdAt: Number(row.created_at),
  };
}

function rowToAnswer(row: Selectable<AnswersTable>): StoredAnswer {
  return {
    id: Number(row.id),
    queryId: row.query_id,
    answer: row.answer as Answer,
    labeller: row.labeller,
    time: Number(row.time),
    requestId: row.request_id,
  };
}
