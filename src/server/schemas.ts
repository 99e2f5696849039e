/**
 * Schemas of every request the labelling API accepts and every answer it gives (docs/api.md).
 * Request objects are strict: an unknown field is an error, so a client typo is reported rather
 * than ignored. Answer objects are strict too, so that nothing leaks into an answer unnoticed:
 * the test server checks every answer it sends against its schema (`checkResponses`), and
 * api_types.ts derives the clients' types from these schemas.
 */
import { z } from "zod";
import type { Frame } from "../core/types.ts";
import type { MetricsRow } from "../loop/metrics.ts";
import type { RepeatAgreement } from "../store/index.ts";
import type { LiveClip, RunInfo } from "../store/run_meta.ts";
import {
  type ApiRoute,
  type ApiRoutes,
  HttpError,
  jsonText,
  type Method,
  truncate,
} from "./http.ts";
import type { RunProgress } from "./trainer_status.ts";

const id = z.string().min(1).max(200);

export const ANSWERS = ["left", "right", "equal", "cant_tell"] as const;

export const emptyBody = z.strictObject({});

export const leaseBody = z.strictObject({ queryId: id });

export const answerBody = z.strictObject({
  leaseId: id,
  answer: z.enum(ANSWERS),
  /** Chosen by the client, the same on every retry of one submit: printable ASCII. */
  requestId: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces"),
});

const count = (max: number) =>
  z
    .string()
    .regex(/^\d{1,10}$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(0).max(max));

export const metricsParams = z.strictObject({ after: count(1e9).optional() });

export const recentParams = z.strictObject({
  limit: count(100).pipe(z.number().min(1, "must be at least 1")).optional(),
});

export const noParams = z.strictObject({});

// ---- Answers ----------------------------------------------------------------------------------

/**
 * Records that other modules define (frames, run info, the trainer's progress) are spelled out
 * here for the check at the edge; `same` below proves at compile time that each schema is the
 * type its module exports, so the two cannot drift apart.
 */
const num = z.number();
const whole = z.number().int().min(0);
const style = {
  color: z.string(),
  fill: z.boolean().optional(),
  stroke: z.string().optional(),
  width: num.optional(),
};
const shape = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("circle"), x: num, y: num, r: num, ...style }),
  z.strictObject({
    type: z.literal("box"),
    x: num,
    y: num,
    w: num,
    h: num,
    angle: num.optional(),
    ...style,
  }),
  z.strictObject({ type: z.literal("line"), points: z.array(num), ...style }),
]);

export const frame = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("cartpole"), x: num, theta: num }),
  z.strictObject({ kind: z.literal("pendulum"), theta: num, torque: num }),
  z.strictObject({ kind: z.literal("mountaincar"), position: num, force: num }),
  z.strictObject({ kind: z.literal("mujoco"), qpos: z.array(num) }),
  z.strictObject({
    kind: z.literal("grid"),
    channels: whole,
    height: whole,
    width: whole,
    cells: z.array(num),
  }),
  z.strictObject({
    kind: z.literal("shapes"),
    view: z.tuple([num, num, num, num]),
    shapes: z.array(shape),
    background: z.string().optional(),
  }),
  z.strictObject({ kind: z.literal("rgb"), width: whole, height: whole, data: z.string() }),
]);

export const runInfo = z.strictObject({
  envId: z.string(),
  fps: num,
  frameKind: z.string(),
  rubric: z.string(),
  /** A MuJoCo scene description (src/envs/mujoco/scene.ts), or null. */
  scene: z.unknown(),
  legend: z.array(z.strictObject({ name: z.string(), color: z.string() })).optional(),
  goalMeasure: z.string().optional(),
});

export const TRAINER_VIEWS = [
  "starting",
  "training",
  "waiting",
  "finished",
  "stopped",
  "not_running",
] as const;

export const runProgress = z.strictObject({
  trainer: z.enum(TRAINER_VIEWS),
  pace: z.enum(["wait", "free"]),
  labels: whole,
  answered: whole,
  remaining: whole,
  labellingEnded: z.boolean(),
  envSteps: whole,
  totalSteps: whole,
  waitedSeconds: num,
  heartbeatAt: num,
});

export const liveClip = z.strictObject({
  frames: z.array(frame),
  predicted: z.array(num),
  policyVersion: num,
  envStep: num,
  fps: num,
  frameKind: z.string(),
});

/** Rows of metrics.jsonl go out as the trainer wrote them: only their step count is checked. */
const metricsRow = z.custom<MetricsRow>(
  (v) =>
    typeof v === "object" && v !== null && typeof (v as { steps?: unknown }).steps === "number",
  "a metrics row has a number of steps",
);

const repeatAgreement = z.strictObject({
  pairs: whole,
  agreed: whole,
  rate: num.nullable(),
});

/** A refusal (any 4xx or 5xx): what was wrong, and a machine code. */
export const apiErrorBody = z.strictObject({
  error: z.string(),
  code: z.string(),
  /** lease_limit: the queries this labeller's live leases are on. */
  held: z.array(z.string()).optional(),
});

/** GET /api/session. `run` is null until the trainer writes it. */
export const sessionView = z.strictObject({
  labeller: z.string(),
  isOwner: z.boolean(),
  run: runInfo.nullable(),
});

/** A clip as the page gets it (GET /api/clips/:id, and both sides of a lease). */
export const clipView = z.strictObject({
  id: z.string(),
  envId: z.string(),
  length: whole,
  /** `RunInfo.fps`, or null before the trainer writes `run`. */
  fps: num.nullable(),
  frames: z.array(frame),
  /** r̂ per step when known (a non-finite value is null). */
  predicted: z.array(num.nullable()).nullable(),
});

/** POST /api/queries/next and /api/queries/lease: a query held by this labeller until `expiresAt`. */
export const leaseView = z.strictObject({
  leaseId: z.string(),
  expiresAt: num,
  query: z.strictObject({ id: z.string(), left: clipView, right: clipView }),
});

/** Why /api/queries/next has no query to give. */
export const WAITING_REASONS = ["no_queries", "trainer_not_running", "labelling_ended"] as const;

/** POST /api/queries/next when no query is free: ask again after `retryAfterMs`. */
export const waitingView = z.strictObject({
  waiting: z.literal(true),
  retryAfterMs: num,
  reason: z.enum(WAITING_REASONS),
});

export const nextQueryView = z.union([leaseView, waitingView]);

/** POST /api/answers. `stored` is false for a retry of an answer already stored. */
export const answerResult = z.strictObject({ stored: z.boolean(), answerId: whole });

/** POST /api/answers/undo. */
export const undoResult = z.strictObject({
  undone: z.strictObject({ answerId: whole, queryId: z.string() }),
});

/** GET /api/answers/recent. */
export const recentAnswerView = z.strictObject({
  answerId: whole,
  queryId: z.string(),
  answer: z.enum(ANSWERS),
  labeller: z.string(),
  time: num,
  leftClipId: z.string(),
  rightClipId: z.string(),
});
export const recentAnswersView = z.strictObject({ answers: z.array(recentAnswerView) });

/** GET /api/stats, for the labeller asking. */
export const statsView = z.strictObject({
  answeredToday: whole,
  answeredTotal: whole,
  wanted: num.nullable(),
  /** Share of this labeller's left/right answers the reward model agrees with, or null. */
  agreement: num.nullable(),
  /** Null before any trainer has started. */
  run: runProgress.nullable(),
});

/** POST /api/run/stop and /api/run/end-labelling (owner only). */
export const controlResult = z.strictObject({
  requested: z.literal(true),
  trainer: z.enum(TRAINER_VIEWS),
});

/** GET /api/metrics?after=N: the rows after the first N; pass `next` as `after` next time. */
export const metricsPage = z.strictObject({ rows: z.array(metricsRow), next: whole });

/** GET /api/live. */
export const liveView = z.strictObject({ live: liveClip.nullable() });

/** GET /api/labellers (owner only). */
export const labellersView = z.strictObject({
  labellers: z.array(
    z.strictObject({
      name: z.string(),
      /** The owner, a labeller added with `backflip labellers add`, a synthetic teacher, an import. */
      kind: z.enum(["owner", "person", "teacher", "import"]),
      /** A labeller whose token was revoked (`backflip labellers remove`); their answers stay. */
      removed: z.boolean(),
      answers: whole,
      lastAnswerAt: num.nullable(),
    }),
  ),
  repeats: repeatAgreement,
});

/** The answer of each route, by `METHOD path` as in the route table. */
export const RESPONSES = {
  "GET /api/session": sessionView,
  "POST /api/queries/next": nextQueryView,
  "POST /api/queries/lease": leaseView,
  "POST /api/answers": answerResult,
  "POST /api/answers/undo": undoResult,
  "GET /api/answers/recent": recentAnswersView,
  "GET /api/stats": statsView,
  "POST /api/run/stop": controlResult,
  "POST /api/run/end-labelling": controlResult,
  "GET /api/metrics": metricsPage,
  "GET /api/live": liveView,
  "GET /api/clips/:id": clipView,
  "GET /api/labellers": labellersView,
} satisfies Record<string, z.ZodType>;

/**
 * True when A and B are each assignable to the other and name the same keys (an optional key
 * on one side only would pass the first test alone).
 */
type Keys<T> = T extends unknown ? keyof T : never;
type Same<A, B> = [A] extends [B]
  ? [B] extends [A]
    ? [Keys<A>] extends [Keys<B>]
      ? [Keys<B>] extends [Keys<A>]
        ? true
        : false
      : false
    : false
  : false;
const same = <A, B>(proof: Same<A, B>) => proof;
same<z.infer<typeof frame>, Frame>(true);
same<z.infer<typeof runInfo>, RunInfo>(true);
same<z.infer<typeof runProgress>, RunProgress>(true);
same<z.infer<typeof liveClip>, LiveClip>(true);
same<z.infer<typeof repeatAgreement>, RepeatAgreement>(true);

// ---- Parsing ------------------------------------------------------------------------------------

/** Parses `value` with `schema`, or throws a 400 naming every problem found. */
export function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => {
    const where = i.path.length ? i.path.join(".") : what;
    return `${where}: ${i.message}`;
  });
  throw new HttpError(
    400,
    `invalid_${what}`,
    truncate(`invalid ${what}: ${problems.join("; ")}`, 400),
  );
}

/** Query-string parameters as an object; a repeated name is an error. */
export function searchParams(search: URLSearchParams): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of search) {
    if (Object.hasOwn(out, k))
      throw new HttpError(400, "invalid_query", `parameter '${truncate(k, 40)}' is given twice`);
    out[k] = v;
  }
  return out;
}

/**
 * Checks `result`, the answer of the route `key` (`METHOD path`), against its schema as a client
 * will read it (the JSON text parsed back, so a NaN is checked as the null it becomes); throws an
 * Error naming every mismatch.
 */
export function checkResponse(key: string, result: unknown): void {
  const schema = (RESPONSES as Record<string, z.ZodType>)[key];
  if (!schema) throw new Error(`no response schema for ${key} in src/server/schemas.ts`);
  const checked = schema.safeParse(JSON.parse(jsonText(result)));
  if (!checked.success)
    throw new Error(
      `the answer of ${key} does not match its schema: ${z.prettifyError(checked.error)}`,
    );
}

/**
 * The same routes, each checking its answer with `checkResponse` (a mismatch is a logged 500).
 * Throws when a route has no response schema, or a schema no route.
 */
export function checkingResponses(routes: ApiRoutes): ApiRoutes {
  const unused = new Set(Object.keys(RESPONSES));
  const checked: ApiRoutes = {};
  for (const [path, methods] of Object.entries(routes)) {
    checked[path] = {};
    for (const [method, route] of Object.entries(methods) as [Method, ApiRoute][]) {
      const key = `${method} ${path}`;
      if (!unused.delete(key))
        throw new Error(`no response schema for ${key} in src/server/schemas.ts`);
      checked[path][method] = {
        ...route,
        handle: async (ctx) => {
          const result = await route.handle(ctx);
          checkResponse(key, result);
          return result;
        },
      };
    }
  }
  if (unused.size > 0)
    throw new Error(`response schemas without a route: ${[...unused].join(", ")}`);
  return checked;
}
