/**
 * Answers: a labeller's preference on a query, stored once per request id, so that a retried
 * submit is stored once. An answer is acknowledged only after its transaction commits. Undo marks
 * an answer undone (the row stays, so a late retry is still recognised) and frees its query.
 */
import type { Selectable } from "kysely";
import type { Answer, Clip, Preference, Query } from "../core/types.ts";
import type { Clips } from "./clips.ts";
import type { StoreContext, StoreDb, StoreTrx } from "./context.ts";
import {
  AlreadyAnsweredError,
  InvalidAnswerError,
  LeaseExpiredError,
  LeaseUsedError,
  RequestIdConflictError,
  UnknownLeaseError,
  UnknownQueryError,
} from "./errors.ts";
import {
  isRef,
  type LabellerArg,
  type LabellerRef,
  refColumns,
  refName,
  rowRef,
  sameRef,
  toRef,
} from "./labeller_ref.ts";
import { insertQuery } from "./queries.ts";
import type { AnswersTable, QueryPhase } from "./schema.ts";

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

/** An answer given on a lease (`submitLeased`). */
export type LeasedAnswerInput = {
  leaseId: string;
  answer: Answer;
  requestId: string;
  now?: number;
  /** When set, a lease held by someone else counts as unknown. */
  labeller?: LabellerArg;
};

/** `stored` is false when the requestId was seen before; `answer` is then the one stored first. */
export type RecordResult = { stored: boolean; answer: StoredAnswer };

const ANSWERS: readonly Answer[] = ["left", "right", "equal", "cant_tell"];

export class Answers {
  constructor(
    private readonly ctx: StoreContext,
    private readonly clips: Clips,
  ) {}

  /**
   * Stores an answer once per requestId. Throws UnknownQueryError for a query not in the store,
   * AlreadyAnsweredError when this labeller already has a live answer to the query, and
   * RequestIdConflictError when the requestId was used for another query or labeller.
   */
  async record(input: RecordAnswerInput): Promise<RecordResult> {
    assertAnswer(input.answer);
    const labeller = toRef(input.labeller);
    return this.ctx.transaction(async (trx) => {
      await this.ctx.lockLabeller(trx, labeller);
      const previous = await findByRequestId(trx, input.requestId);
      if (previous) {
        if (previous.answer.queryId !== input.queryId || !sameRef(previous.by, labeller)) {
          throw new RequestIdConflictError(input.requestId);
        }
        return { stored: false, answer: previous.answer };
      }
      if (!(await this.lockQuery(trx, input.queryId))) throw new UnknownQueryError(input.queryId);
      const answer = await insertAnswer(this.ctx, trx, { ...input, labeller });
      return { stored: true, answer };
    });
  }

  /**
   * Stores the answer given on a lease. The lease must be current (not expired) and unused. A
   * resend with the same requestId returns the stored answer (`stored: false`); any other second
   * answer on the lease throws LeaseUsedError and changes nothing. With `labeller` set, a lease
   * held by someone else counts as unknown (UnknownLeaseError), so ids cannot be probed.
   */
  async submitLeased(input: LeasedAnswerInput): Promise<RecordResult> {
    assertAnswer(input.answer);
    const now = input.now ?? this.ctx.now();
    const caller = input.labeller === undefined ? undefined : toRef(input.labeller);
    return this.ctx.transaction(async (trx) => {
      const readLease = () =>
        trx
          .selectFrom("leases")
          .selectAll()
          .where("lease_id", "=", input.leaseId)
          .executeTakeFirst();
      const found = await readLease();
      if (!found) throw new UnknownLeaseError(input.leaseId);
      const holder = rowRef(found);
      if (caller !== undefined && !sameRef(holder, caller)) {
        throw new UnknownLeaseError(input.leaseId);
      }
      // Postgres: the holder's other requests and the query's other writers wait; the lease is
      // read again once they are done, so a resend that raced its first send sees its answer.
      await this.ctx.lockLabeller(trx, holder);
      await this.lockQuery(trx, found.query_id);
      const lease = this.ctx.flavor === "postgres" ? (await readLease())! : found;
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
      const answer = await insertAnswer(this.ctx, trx, {
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
      await trx
        .updateTable("queries")
        .set({ leased_until: null })
        .where("id", "=", lease.query_id)
        .execute();
      return { stored: true, answer };
    });
  }

  /**
   * Withdraws `labeller`'s most recent live answer; its query goes back to the pool. The row is
   * kept (marked undone), so a late retry of the same submit is still recognised. Returns the
   * withdrawn answer, or null when the labeller has none. Only `labeller`'s own answers count:
   * a person is matched by id, never by name.
   */
  async undoLast(labeller: LabellerArg, now = this.ctx.now()): Promise<StoredAnswer | null> {
    const who = toRef(labeller);
    return this.ctx.transaction(async (trx) => {
      await this.ctx.lockLabeller(trx, who);
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

  /**
   * Adds answered comparisons made elsewhere, all in one transaction: each query with its clips
   * (a clip id already stored is left as it is) and its answer, under its original labeller's
   * name (kind `import`) and time. A query already stored over the same two clips, in the same
   * order, is reused. An answer whose requestId is stored, or whose labeller already has a live
   * answer to the query, is skipped, so importing the same comparisons twice adds nothing.
   */
  async importComparisons(items: ComparisonImport[]): Promise<{ added: number; skipped: number }> {
    for (const item of items) assertAnswer(item.answer);
    return this.ctx.transaction(async (trx) => {
      await this.ctx.lockAnswerOrder(trx);
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
        if (!asked) {
          await insertQuery(trx, query, item.phase, { repeatOf: null, createdAt: this.ctx.now() });
        }
        const seen = await findByRequestId(trx, item.requestId);
        const mine = await trx
          .selectFrom("answers")
          .select("id")
          .where("query_id", "=", queryId)
          .where("labeller", "=", item.labeller)
          .where("undone_at", "is", null)
          .executeTakeFirst();
        if (seen || mine) continue;
        await insertAnswer(this.ctx, trx, {
          ...item,
          queryId,
          labeller: { kind: "import", name: item.labeller },
        });
        added++;
      }
      return { added, skipped: items.length - added };
    });
  }

  /** Whether query `id` exists; on Postgres its row is locked until `trx` ends. */
  private async lockQuery(trx: StoreTrx, id: string): Promise<boolean> {
    let find = trx.selectFrom("queries").select("id").where("id", "=", id);
    if (this.ctx.flavor === "postgres") find = find.forUpdate();
    return (await find.executeTakeFirst()) !== undefined;
  }

  /**
   * Live answers with id > `afterId`, in id order, for polling (cant_tell included). An answer
   * undone after it was polled does not show up again: reload `pairs()` before training.
   */
  async since(afterId: number, limit = 10_000): Promise<StoredAnswer[]> {
    const rows = await this.ctx.db
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
  async count(): Promise<number> {
    const row = await this.ctx.db
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
    const row = await this.ctx.db
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
   * Live answers (cant_tell included unless `trainableOnly`) with id > `afterId`, their queries'
   * clips decoded, in answer order, at most `limit` of them.
   */
  async comparisons(options: {
    trainableOnly: boolean;
    afterId?: number;
    limit?: number;
  }): Promise<AnsweredComparison[]> {
    let query = this.ctx.db
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
    const clips = await this.clips.load([...clipIds]);
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
}

function assertAnswer(answer: unknown): asserts answer is Answer {
  if (!ANSWERS.includes(answer as Answer)) throw new InvalidAnswerError(answer);
}

/** The answer stored under `requestId`, and who gave it. */
async function findByRequestId(
  db: StoreDb,
  requestId: string,
): Promise<{ answer: StoredAnswer; by: LabellerRef } | null> {
  const row = await db
    .selectFrom("answers")
    .selectAll()
    .where("request_id", "=", requestId)
    .executeTakeFirst();
  return row ? { answer: rowToAnswer(row), by: rowRef(row) } : null;
}

/**
 * Inserts an answer in `trx`, after the run's other answers (see StoreContext.lockAnswerOrder).
 * The caller has checked the query exists and, on Postgres, locked its row.
 */
async function insertAnswer(
  ctx: StoreContext,
  trx: StoreTrx,
  input: RecordAnswerInput & { labeller: LabellerRef },
): Promise<StoredAnswer> {
  await ctx.lockAnswerOrder(trx);
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

export function rowToAnswer(row: Selectable<AnswersTable>): StoredAnswer {
  return {
    id: Number(row.id),
    queryId: row.query_id,
    answer: row.answer as Answer,
    labeller: row.labeller,
    time: Number(row.time),
    requestId: row.request_id,
  };
}
