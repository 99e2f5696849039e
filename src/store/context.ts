/**
 * What every part of the store shares: the Kysely instance, its SQL flavour and the clock, and
 * the few things the two dialects do differently. Each concern (clips.ts, queries.ts, leases.ts,
 * answers.ts, labellers.ts, stats.ts, run_meta.ts) is a small class over one StoreContext;
 * preference_store.ts puts them behind one facade.
 *
 * Concurrency. On SQLite every write transaction begins IMMEDIATE, so writers take turns and
 * nothing below is needed. On Postgres many servers write at once, under READ COMMITTED:
 *
 * - A query row is locked before it is leased or answered (`FOR UPDATE`; the lease picker skips
 *   rows another transaction holds, `SKIP LOCKED`), so one query never gets two leases or two
 *   answers from one labeller.
 * - One labeller's requests take turns (`lockLabeller`: a transaction-scoped advisory lock on the
 *   labeller), so their lease limit and their undo hold even when their requests reach two
 *   servers at once.
 * - Answers are inserted one at a time per run (`lockAnswerOrder`), so answer ids become visible
 *   in increasing order and a trainer polling `id > cursor` never skips one that commits late.
 * - A transaction that loses a race anyway (deadlock, serialization failure, a unique key taken
 *   a moment earlier) is run again from the start, up to three times.
 */
import { type Kysely, sql, type Transaction } from "kysely";
import type { LabellerRef } from "./labeller_ref.ts";
import { refName } from "./labeller_ref.ts";
import type { SqlFlavor } from "./migrations.ts";
import { asBusy } from "./postgres.ts";
import type { StoreSchema } from "./schema.ts";

export type StoreDb = Kysely<StoreSchema>;
export type StoreTrx = Transaction<StoreSchema>;

/** Postgres errors after which the whole transaction is worth running again. */
const RETRYABLE = new Set([
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "23505", // unique_violation: another transaction inserted the same key first
]);
const ATTEMPTS = 3;

export class StoreContext {
  constructor(
    readonly db: StoreDb,
    readonly flavor: SqlFlavor,
    readonly now: () => number,
  ) {}

  /** Runs `fn` in one transaction: all of it commits, or none of it (retried on lost races). */
  async transaction<T>(fn: (trx: StoreTrx) => Promise<T>): Promise<T> {
    if (this.flavor !== "postgres") return this.db.transaction().execute(fn);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction().execute(fn);
      } catch (error) {
        const code = (error as { code?: unknown } | null)?.code;
        if (typeof code !== "string" || !RETRYABLE.has(code)) throw error;
        // Still losing after three tries: the store is too busy for now (a 503, not a 500).
        if (attempt >= ATTEMPTS) throw code === "23505" ? error : asBusy(error);
      }
    }
  }

  /** Postgres: until `trx` ends, no other transaction acts for `who` (see the file's comment). */
  async lockLabeller(trx: StoreTrx, who: LabellerRef): Promise<void> {
    if (this.flavor !== "postgres") return;
    const key = who.kind === "person" ? `person:${who.id}` : `${who.kind}:${refName(who)}`;
    await sql`select pg_advisory_xact_lock(hashtext(current_schema()), hashtext(${key}))`.execute(
      trx,
    );
  }

  /** Postgres: until `trx` ends, no other transaction of this run inserts an answer. */
  async lockAnswerOrder(trx: StoreTrx): Promise<void> {
    if (this.flavor !== "postgres") return;
    await sql`select pg_advisory_xact_lock(hashtext(current_schema()), 0)`.execute(trx);
  }
}
