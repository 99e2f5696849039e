/**
 * The `run_meta` keys through which the trainer tells the labelling servers about the run. The
 * store is the only thing the processes share, so `RunMeta` is the contract: one type per key,
 * and a schema per key that every read is checked against (a value another process wrote is
 * input, not a trusted cast).
 */
import { z } from "zod";
import type { Frame } from "../core/types.ts";
import type { StoreContext } from "./context.ts";

/** `run`: what the page needs to know about the run. */
export type RunInfo = {
  envId: string;
  fps: number;
  frameKind: string;
  rubric: string;
  /** A MuJoCo scene description (src/envs/mujoco/scene.ts), or null. */
  scene: unknown;
  /**
   * For pixel games (`grid` frames): what each channel holds and the colour it is drawn in, one
   * entry per channel in channel order. The page draws cells in these colours and shows the list
   * as a legend beside the clips.
   */
  legend?: LegendEntry[];
  /** For a goal with a measure: what it counts per episode ("landed backflips"), in metrics rows' goalCount. */
  goalMeasure?: string;
};

export type LegendEntry = { name: string; color: string };

/**
 * Channel colours for grid frames, on the page's dark game background: Okabe & Ito's
 * colour-blind-safe set (without its black), then white, grey and a yellow-green for games with
 * more than seven channels. web/render/grid.js falls back to the same list.
 */
export const CHANNEL_COLORS: readonly string[] = [
  "#e69f00", // orange
  "#56b4e9", // sky blue
  "#009e73", // bluish green
  "#f0e442", // yellow
  "#0072b2", // blue
  "#d55e00", // vermillion
  "#cc79a7", // reddish purple
  "#f5f5f5", // white
  "#9a9a9a", // grey
  "#bbcc33", // pear
];

/** A legend for channels named `names`, coloured in order from `CHANNEL_COLORS`. */
export function channelLegend(names: readonly string[]): LegendEntry[] {
  return names.map((name, i) => ({ name, color: CHANNEL_COLORS[i % CHANNEL_COLORS.length] }));
}

/** `schedule`: labels the schedule wants by now, and queries asked so far. */
export type ScheduleInfo = { wanted: number; asked: number };

/** `live`: a recent stretch of the current policy's behaviour with r̂ at each step. */
export type LiveClip = {
  frames: Frame[];
  predicted: number[];
  policyVersion: number;
  envStep: number;
  fps: number;
  frameKind: string;
};

/** `labellerAgreement`: how often the reward model agrees with each labeller's left/right answers. */
export type LabellerAgreement = Record<string, { agree: number; total: number }>;

/** What the trainer is doing: `waiting` means RL is paused until people answer. */
export type TrainerState = "starting" | "training" | "waiting" | "finished" | "stopped";

/**
 * `trainer`: the trainer's heartbeat, rewritten at least every few seconds while it runs. A
 * reader that finds it stale, or its pid gone on this host, knows the trainer is not running.
 */
export type TrainerStatus = {
  state: TrainerState;
  /** `wait`: RL pauses when answers fall behind the schedule; `free`: it never waits. */
  pace: "wait" | "free";
  /** Labels over the whole run, labels the schedule wants by now, and answers to them so far. */
  labels: number;
  wanted: number;
  answered: number;
  envSteps: number;
  totalSteps: number;
  /** Seconds RL has spent paused for answers, over the whole run. */
  waitedSeconds: number;
  /** The owner ended labelling: no more questions, training goes on with the labels in. */
  labellingEnded: boolean;
  heartbeatAt: number;
  pid: number;
  host: string;
};

/** `control`: the owner's requests to the trainer (from the dashboard), as times they were made. */
export type TrainerControl = { stopAt?: number; endLabellingAt?: number };

/** Every `run_meta` key and the type of its value. */
export type RunMeta = {
  /** Written by the trainer once it starts. */
  run: RunInfo;
  /** Rewritten by the trainer after every PPO update. */
  schedule: ScheduleInfo;
  /** Rewritten by the trainer after every PPO update that recorded frames. */
  live: LiveClip;
  /** Rewritten by the trainer of a human run after every PPO update. */
  labellerAgreement: LabellerAgreement;
  /** The trainer's heartbeat. */
  trainer: TrainerStatus;
  /** Written by a server (the owner's buttons), read by the trainer on every beat. */
  control: TrainerControl;
  /** Hex SHA-256 of the run owner's token; servers compare against it on every request. */
  ownerTokenHash: string;
};

export type RunMetaKey = keyof RunMeta;

/** The keys by name, for callers that prefer `META.trainer` to a string. */
export const META: { readonly [K in RunMetaKey]: K } = {
  run: "run",
  schedule: "schedule",
  live: "live",
  labellerAgreement: "labellerAgreement",
  trainer: "trainer",
  control: "control",
  ownerTokenHash: "ownerTokenHash",
};

const count = z.number().int().nonnegative();
const legendEntry = z.object({ name: z.string(), color: z.string() });
/** Frames are drawn by the page, which checks each kind itself; here only their shape. */
const frame = z.custom<Frame>(
  (v) => typeof v === "object" && v !== null && typeof (v as { kind?: unknown }).kind === "string",
  "a frame is an object with a kind",
);

/** What a read of each key is checked against; a value that fails reads as absent. */
export const RUN_META_SCHEMAS: { readonly [K in RunMetaKey]: z.ZodType<RunMeta[K]> } = {
  run: z.object({
    envId: z.string(),
    fps: z.number(),
    frameKind: z.string(),
    rubric: z.string(),
    scene: z.unknown(),
    legend: z.array(legendEntry).optional(),
    goalMeasure: z.string().optional(),
  }) as z.ZodType<RunInfo>,
  schedule: z.object({ wanted: count, asked: count }),
  live: z.object({
    frames: z.array(frame),
    predicted: z.array(
      z
        .number()
        .nullable()
        .transform((v) => v ?? Number.NaN),
    ),
    policyVersion: z.number(),
    envStep: z.number(),
    fps: z.number(),
    frameKind: z.string(),
  }),
  labellerAgreement: z.record(z.string(), z.object({ agree: count, total: count })),
  trainer: z.object({
    state: z.enum(["starting", "training", "waiting", "finished", "stopped"]),
    pace: z.enum(["wait", "free"]),
    labels: count,
    wanted: count,
    answered: count,
    envSteps: count,
    totalSteps: count,
    waitedSeconds: z.number().nonnegative(),
    labellingEnded: z.boolean(),
    heartbeatAt: z.number(),
    pid: z.number().int(),
    host: z.string(),
  }),
  control: z.object({ stopAt: z.number().optional(), endLabellingAt: z.number().optional() }),
  ownerTokenHash: z.string().regex(/^[0-9a-f]{64}$/),
};

/** Run metadata: one JSON value per key of `RunMeta`, written by one process, read by others. */
export class MetaStore {
  constructor(private readonly ctx: StoreContext) {}

  /** The value under `key`, or undefined when there is none or it does not match its schema. */
  async get<K extends RunMetaKey>(key: K): Promise<RunMeta[K] | undefined> {
    const row = await this.ctx.db
      .selectFrom("run_meta")
      .select("value")
      .where("key", "=", key)
      .executeTakeFirst();
    return row ? parseMeta(key, row.value) : undefined;
  }

  async set<K extends RunMetaKey>(key: K, value: RunMeta[K]): Promise<void> {
    const json = JSON.stringify(value);
    if (json === undefined) throw new Error(`run_meta '${key}': value is not JSON-serialisable`);
    await this.ctx.db
      .insertInto("run_meta")
      .values({ key, value: json })
      .onConflict((oc) => oc.column("key").doUpdateSet({ value: json }))
      .execute();
  }

  /**
   * Replaces the value under `key` with `fn(current)` in one transaction, so that two writers
   * (two servers taking the owner's requests) never lose each other's change. Returns the new value.
   */
  async update<K extends RunMetaKey>(
    key: K,
    fn: (current: RunMeta[K] | undefined) => RunMeta[K],
  ): Promise<RunMeta[K]> {
    return this.ctx.transaction(async (trx) => {
      // Claim the row first (an insert that does nothing when it exists) so that, on Postgres,
      // the select below can lock it even for the first writer.
      await trx
        .insertInto("run_meta")
        .values({ key, value: "null" })
        .onConflict((oc) => oc.column("key").doNothing())
        .execute();
      let select = trx.selectFrom("run_meta").select("value").where("key", "=", key);
      if (this.ctx.flavor === "postgres") select = select.forUpdate();
      const row = await select.executeTakeFirstOrThrow();
      const next = fn(parseMeta(key, row.value));
      const json = JSON.stringify(next);
      await trx.updateTable("run_meta").set({ value: json }).where("key", "=", key).execute();
      return next;
    });
  }
}

function parseMeta<K extends RunMetaKey>(key: K, text: string): RunMeta[K] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = RUN_META_SCHEMAS[key].safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
