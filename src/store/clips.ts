/**
 * Clips: k consecutive steps of an agent, with their frames, stored once under their id; and the
 * reward model's r̂ per step of the clips that were asked about, for the page to draw.
 */
import type { Selectable } from "kysely";
import type { Clip } from "../core/types.ts";
import { decodeClipArrays, decodeFrames, encodeClipArrays, encodeFrames } from "./clip_codec.ts";
import type { StoreContext, StoreDb, StoreTrx } from "./context.ts";
import type { ClipsTable } from "./schema.ts";

/** Rows per `in (…)` list: SQLite allows 32,766 parameters, Postgres 65,535. */
const CHUNK = 500;

export class Clips {
  constructor(private readonly ctx: StoreContext) {}

  /** Stores clips; a clip whose id is already stored is left as it is. */
  async add(clips: Clip[]): Promise<void> {
    await this.ctx.transaction(async (trx) => {
      for (const clip of clips) await insertClip(trx, clip, this.ctx.now());
    });
  }

  async get(id: string): Promise<Clip | null> {
    const row = await this.ctx.db
      .selectFrom("clips")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? rowToClip(row) : null;
  }

  /** The clips with these ids (those that exist), by id. */
  async load(ids: string[]): Promise<Map<string, Clip>> {
    const out = new Map<string, Clip>();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const rows = await this.ctx.db
        .selectFrom("clips")
        .selectAll()
        .where("id", "in", ids.slice(i, i + CHUNK))
        .execute();
      for (const r of rows) out.set(r.id, rowToClip(r));
    }
    return out;
  }

  /** The clips of `envId` recorded at any of the given trainer env steps. */
  async recordedAt(envId: string, envSteps: number[]): Promise<Clip[]> {
    const out: Clip[] = [];
    const unique = [...new Set(envSteps)];
    for (let i = 0; i < unique.length; i += CHUNK) {
      const rows = await this.ctx.db
        .selectFrom("clips")
        .selectAll()
        .where("env_id", "=", envId)
        .where("env_step", "in", unique.slice(i, i + CHUNK))
        .orderBy("id")
        .execute();
      for (const r of rows) out.push(rowToClip(r));
    }
    return out;
  }

  /** Stores the reward model's r̂ per step for clips (replacing earlier values). */
  async setPredictions(entries: { clipId: string; predicted: ArrayLike<number> }[]): Promise<void> {
    const now = this.ctx.now();
    await this.ctx.transaction(async (trx) => {
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
  async getPredictions(clipIds: string[]): Promise<Map<string, (number | null)[]>> {
    const out = new Map<string, (number | null)[]>();
    for (let i = 0; i < clipIds.length; i += CHUNK) {
      const rows = await this.ctx.db
        .selectFrom("clip_predictions")
        .select(["clip_id", "predicted"])
        .where("clip_id", "in", clipIds.slice(i, i + CHUNK))
        .execute();
      for (const r of rows) out.set(r.clip_id, JSON.parse(r.predicted) as (number | null)[]);
    }
    return out;
  }
}

/** Stores a clip in `trx`, unless its id is already stored. */
export async function insertClip(trx: StoreTrx, clip: Clip, createdAt: number): Promise<void> {
  await trx
    .insertInto("clips")
    .values(clipToRow(clip, createdAt))
    .onConflict((oc) => oc.column("id").doNothing())
    .execute();
}

/** The two clips of a query row, decoded. */
export async function loadClipPair(
  db: StoreDb,
  leftId: string,
  rightId: string,
): Promise<{ left: Clip; right: Clip }> {
  const rows = await db
    .selectFrom("clips")
    .selectAll()
    .where("id", "in", [leftId, rightId])
    .execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  return { left: rowToClip(byId.get(leftId)!), right: rowToClip(byId.get(rightId)!) };
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
