/**
 * Queries: pairs of clips the trainer asks about, each in a phase (before RL or during it), some
 * of them deliberate repeats of another (`repeat_of`), to measure how often labellers agree.
 */
import type { Selectable } from "kysely";
import type { Query } from "../core/types.ts";
import { insertClip, loadClipPair } from "./clips.ts";
import type { StoreContext, StoreDb, StoreTrx } from "./context.ts";
import { UnknownQueryError } from "./errors.ts";
import type { QueriesTable, QueryPhase } from "./schema.ts";

export type QueryRecord = {
  id: string;
  leftClipId: string;
  rightClipId: string;
  disagreement: number;
  phase: QueryPhase;
  repeatOf: string | null;
  createdAt: number;
};

export class Queries {
  constructor(private readonly ctx: StoreContext) {}

  /** Stores a query and its two clips. A query whose id is already stored is left as it is. */
  async add(
    query: Query,
    phase: QueryPhase,
    options: { repeatOf?: string; createdAt?: number } = {},
  ): Promise<void> {
    await this.ctx.transaction(async (trx) => {
      await insertQuery(trx, query, phase, {
        repeatOf: options.repeatOf ?? null,
        createdAt: options.createdAt ?? this.ctx.now(),
      });
    });
  }

  async addMany(
    queries: Query[],
    phase: QueryPhase,
    options: { createdAt?: number } = {},
  ): Promise<void> {
    await this.ctx.transaction(async (trx) => {
      for (const q of queries) {
        await insertQuery(trx, q, phase, {
          repeatOf: null,
          createdAt: options.createdAt ?? this.ctx.now(),
        });
      }
    });
  }

  get(id: string): Promise<Query | null> {
    return loadQuery(this.ctx.db, id);
  }

  async record(id: string): Promise<QueryRecord | null> {
    const row = await this.ctx.db
      .selectFrom("queries")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? rowToQueryRecord(row) : null;
  }

  async count(): Promise<number> {
    const row = await this.ctx.db
      .selectFrom("queries")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Queries with no (live) answer yet, oldest first. */
  async pending(): Promise<QueryRecord[]> {
    const rows = await this.ctx.db
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
}

/** Stores `query` and its clips in `trx`, unless its id is already stored. */
export async function insertQuery(
  trx: StoreTrx,
  query: Query,
  phase: QueryPhase,
  options: { repeatOf: string | null; createdAt: number },
): Promise<void> {
  if (phase !== "pretrain" && phase !== "online") {
    throw new Error(`query phase must be 'pretrain' or 'online', not '${phase}'`);
  }
  const { repeatOf, createdAt } = options;
  if (repeatOf !== null) {
    const original = await trx
      .selectFrom("queries")
      .select("id")
      .where("id", "=", repeatOf)
      .executeTakeFirst();
    if (!original) throw new UnknownQueryError(repeatOf);
  }
  await insertClip(trx, query.left, createdAt);
  await insertClip(trx, query.right, createdAt);
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

/** A query with both its clips, or null. */
export async function loadQuery(db: StoreDb, id: string): Promise<Query | null> {
  const q = await db.selectFrom("queries").selectAll().where("id", "=", id).executeTakeFirst();
  if (!q) return null;
  const { left, right } = await loadClipPair(db, q.left_clip, q.right_clip);
  return { id: q.id, left, right, disagreement: Number(q.disagreement) };
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
