/**
 * What every part of the store shares: the Kysely instance, its SQL flavour and the clock. Each
 * concern (clips.ts, queries.ts, leases.ts, answers.ts, labellers.ts, stats.ts, run_meta.ts) is
 * a small class over one StoreContext; preference_store.ts puts them behind one facade.
 */
import type { Kysely, Transaction } from "kysely";
import type { SqlFlavor } from "./migrations.ts";
import type { StoreSchema } from "./schema.ts";

export type StoreDb = Kysely<StoreSchema>;
export type StoreTrx = Transaction<StoreSchema>;

export class StoreContext {
  constructor(
    readonly db: StoreDb,
    readonly flavor: SqlFlavor,
    readonly now: () => number,
  ) {}

  /** Runs `fn` in one transaction: all of it commits, or none of it. */
  transaction<T>(fn: (trx: StoreTrx) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }
}
