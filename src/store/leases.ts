/**
 * Leases: how queries are handed out. A labeller asking for work gets the oldest open query that
 * nobody holds, for a while (`ttlMs`); an answer is accepted only on a current lease. A query and
 * its deliberate repeats go to different labellers, and nobody holds more than `maxLive` at once.
 */
import { randomUUID } from "node:crypto";
import { type SqlBool, sql } from "kysely";
import type { Query } from "../core/types.ts";
import type { StoreContext, StoreDb, StoreTrx } from "./context.ts";
import { LeaseLimitError, UnknownQueryError } from "./errors.ts";
import {
  isRef,
  type LabellerArg,
  type LabellerRef,
  refColumns,
  refName,
  toRef,
} from "./labeller_ref.ts";
import type { SqlFlavor } from "./migrations.ts";
import { loadQuery } from "./queries.ts";

export type Lease = {
  leaseId: string;
  labeller: string;
  expiresAt: number;
  query: Query;
};

/** How many leases one labeller may hold at once (`leaseNextQuery`, `leaseQuery`). */
export type LeaseLimit = { maxLive?: number };

export class Leases {
  constructor(private readonly ctx: StoreContext) {}

  /**
   * Hands `labeller` the oldest query that has no live answer and no current lease (one whose
   * lease expired counts as free), leased until now + ttlMs. Null when there is none. A query and
   * its deliberate repeats (`repeat_of`) go to different labellers: a labeller who answered, or
   * holds a lease on, one of them is not handed another. With `maxLive`, a labeller who already
   * holds that many current leases gets LeaseLimitError instead, so nobody hoards the pool.
   */
  async next(
    labeller: LabellerArg,
    ttlMs: number,
    now = this.ctx.now(),
    limit: LeaseLimit = {},
  ): Promise<Lease | null> {
    const who = toRef(labeller);
    return this.ctx.transaction(async (trx) => {
      await this.ctx.lockLabeller(trx, who);
      await checkLeaseLimit(trx, who, now, limit.maxLive);
      const row = await nextQueryPick(trx, this.ctx.flavor, who, now).executeTakeFirst();
      if (!row) return null;
      return insertLease(trx, row.id, who, ttlMs, now);
    });
  }

  /**
   * Leases one given query (e.g. to ask again a query just undone). Null when the query has a
   * live answer, a current lease held by another labeller, or is a repeat (or the original) of a
   * query this labeller answered or holds. A current lease of the same labeller is replaced by
   * the new one (a reloaded page asks again) and does not count towards `maxLive`.
   */
  async lease(
    queryId: string,
    labeller: LabellerArg,
    ttlMs: number,
    now = this.ctx.now(),
    limit: LeaseLimit = {},
  ): Promise<Lease | null> {
    const who = toRef(labeller);
    return this.ctx.transaction(async (trx) => {
      await this.ctx.lockLabeller(trx, who);
      let find = trx
        .selectFrom("queries as q")
        .select(["q.id", notSeenInGroup(who, now).as("free")])
        .where("q.id", "=", queryId);
      if (this.ctx.flavor === "postgres") find = find.forUpdate();
      const exists = await find.executeTakeFirst();
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
      return insertLease(trx, queryId, who, ttlMs, now);
    });
  }
}

/**
 * The query `next` leases to `who`: the oldest one with no live answer and no current lease,
 * outside the repeat groups `who` has seen. Exported for EXPLAIN (bench/labellers.bench.ts).
 */
export function nextQueryPick(db: StoreDb, flavor: SqlFlavor, who: LabellerRef, now: number) {
  const pick = db
    .selectFrom("queries as q")
    .select("q.id")
    // Matches the partial index queries_open, so answered queries are never scanned.
    .where("q.live_answers", "=", sql.lit(0))
    .where((eb) => eb.or([eb("q.leased_until", "is", null), eb("q.leased_until", "<=", now)]))
    .where(notSeenInGroup(who, now))
    .orderBy("q.created_at")
    .orderBy("q.id")
    .limit(1);
  // Postgres: a query another server is leasing or answering right now is passed over, and one
  // leased or answered since this statement began is re-checked on its row and skipped.
  return flavor === "postgres" ? pick.forUpdate().skipLocked() : pick;
}

/** Ends `labeller`'s unanswered leases now: their queries go back to the pool. */
export async function endLeases(trx: StoreTrx, labeller: LabellerRef, now: number): Promise<void> {
  const ended = await trx
    .updateTable("leases")
    .set({ expires_at: now })
    .where(isRef("leases", labeller))
    .where("answer_id", "is", null)
    .where("expires_at", ">", now)
    .returning("query_id")
    .execute();
  if (ended.length === 0) return;
  await trx
    .updateTable("queries")
    .set({ leased_until: now })
    .where(
      "id",
      "in",
      ended.map((e) => e.query_id),
    )
    .where("leased_until", ">", now)
    .execute();
}

async function insertLease(
  trx: StoreTrx,
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
  await trx
    .updateTable("queries")
    .set({ leased_until: expiresAt })
    .where("id", "=", queryId)
    .execute();
  const query = await loadQuery(trx, queryId);
  return { leaseId, labeller: refName(labeller), expiresAt, query: query! };
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
 * Throws LeaseLimitError, naming the held queries (oldest lease first), when `labeller` holds
 * `maxLive` or more current leases (a lease on `except`, which a new one would replace, left out).
 */
async function checkLeaseLimit(
  trx: StoreTrx,
  labeller: LabellerRef,
  now: number,
  maxLive: number | undefined,
  except?: string,
): Promise<void> {
  if (maxLive === undefined || !Number.isFinite(maxLive)) return;
  let query = trx
    .selectFrom("leases")
    .select(["query_id", (eb) => eb.fn.max("expires_at").as("until")])
    .where(isRef("leases", labeller))
    .where("answer_id", "is", null)
    .where("expires_at", ">", now)
    .groupBy("query_id");
  if (except !== undefined) query = query.where("query_id", "!=", except);
  // Oldest lease first: the pair that was on screen before the prefetched one.
  const rows = await query.orderBy("until").orderBy("query_id").execute();
  const held = rows.map((r) => r.query_id);
  if (held.length >= maxLive) throw new LeaseLimitError(maxLive, held);
}
