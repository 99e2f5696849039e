/**
 * Labellers and their tokens: people registered with `backflip labellers add`. Only a token's
 * SHA-256 is stored, and tokens are looked up on every request, so a removed or rotated token is
 * refused at once by every server on the store.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Selectable } from "kysely";
import type { StoreContext, StoreTrx } from "./context.ts";
import { LabellerExistsError, UnknownLabellerError } from "./errors.ts";
import { OWNER_NAME } from "./labeller_ref.ts";
import { endLeases } from "./leases.ts";
import type { LabellersTable } from "./schema.ts";

/** A person registered with `backflip labellers add`. `removedAt` is set once removed. */
export type Labeller = { id: number; name: string; createdAt: number; removedAt: number | null };

export class Labellers {
  constructor(private readonly ctx: StoreContext) {}

  /** Registers a labeller and returns their token. The token is shown once: only its hash is kept. */
  async add(name: string): Promise<{ labeller: Labeller; token: string }> {
    if (name.trim() === "") throw new Error("a labeller needs a non-empty name");
    if (name === OWNER_NAME) throw new Error(`'${OWNER_NAME}' is the run owner's name`);
    const token = newToken();
    const createdAt = this.ctx.now();
    const id = await this.ctx.transaction(async (trx) => {
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
  async remove(name: string, now = this.ctx.now()): Promise<Labeller> {
    return this.ctx.transaction(async (trx) => {
      const row = await findLabellerRow(trx, name);
      const who = { kind: "person", id: Number(row.id), name } as const;
      await this.ctx.lockLabeller(trx, who);
      await trx
        .updateTable("labellers")
        .set({ token_hash: null, removed_at: row.removed_at ?? now })
        .where("id", "=", row.id)
        .execute();
      await endLeases(trx, who, now);
      return rowToLabeller({ ...row, removed_at: row.removed_at ?? now });
    });
  }

  /**
   * Gives `name` a new token (returned, to be shown once) and revokes the old one at once. A
   * removed labeller comes back with their answers. Their unanswered leases end now: the page
   * opened with the old token can no longer answer on them.
   */
  async rotate(name: string, now = this.ctx.now()): Promise<{ labeller: Labeller; token: string }> {
    const token = newToken();
    return this.ctx.transaction(async (trx) => {
      const row = await findLabellerRow(trx, name);
      const who = { kind: "person", id: Number(row.id), name } as const;
      await this.ctx.lockLabeller(trx, who);
      await trx
        .updateTable("labellers")
        .set({ token_hash: hashToken(token), removed_at: null })
        .where("id", "=", row.id)
        .execute();
      await endLeases(trx, who, now);
      return { labeller: rowToLabeller({ ...row, removed_at: null }), token };
    });
  }

  /** The labeller holding `token`, or null (also for a removed labeller's old token). */
  async authenticate(token: string): Promise<Labeller | null> {
    if (typeof token !== "string" || token === "") return null;
    const row = await this.ctx.db
      .selectFrom("labellers")
      .selectAll()
      .where("token_hash", "=", hashToken(token))
      .where("removed_at", "is", null)
      .executeTakeFirst();
    return row ? rowToLabeller(row) : null;
  }

  /** Every labeller ever registered, removed ones included, in the order they were added. */
  async list(): Promise<Labeller[]> {
    const rows = await this.ctx.db.selectFrom("labellers").selectAll().orderBy("id").execute();
    return rows.map(rowToLabeller);
  }
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

function newToken(): string {
  return randomBytes(32).toString("base64url");
}

async function findLabellerRow(trx: StoreTrx, name: string) {
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
