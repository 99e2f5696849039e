/**
 * The labelling server: the HTTP API of docs/api.md over a PreferenceStore, and the web page's
 * files. It never waits on training: it reads what the trainer writes to the store (queries,
 * `run_meta`, `metrics.jsonl`) and writes answers, each acknowledged only once committed.
 *
 * Every request is checked in order: Host (421, when bound to loopback), route (404), method
 * (405), token (401), owner (403), body or parameters (413, 415, 400), then the store's own rules
 * (404, 409, 429). Client input never causes a 5xx; an unexpected error is a 500 with a generic
 * message, and is logged. A refusal sent before the request's body was read closes the
 * connection, so a client cannot make the server read a large body it has already refused.
 *
 * Nothing lives only in this process: tokens, leases and answers are looked up in the store on
 * every request, so a revoked token is refused at once, and several servers may share a store.
 *
 * The handlers and `identify` here are ours; the HTTP layer that carries them (routing, files,
 * gzip, body limits, content types, connections) is Fastify, behind the seam in http.ts
 * (fastify.ts; docs/http.md says why).
 */
import { timingSafeEqual } from "node:crypto";
import { join } from "node:path";
import type { Clip } from "../core/types.ts";
import {
  hashToken,
  type Labeller,
  type LabellerActivity,
  type Lease,
  OWNER_NAME,
  type PreferenceStore,
  type TrainerControl,
} from "../store/index.ts";
import type { LabellersView } from "./api_types.ts";
import { fastifyLayer } from "./fastify.ts";
import {
  type ApiRoutes,
  DEFAULT_TIMEOUTS,
  HttpError,
  type HttpLayer,
  type Identity,
  RETRY_AFTER_MS,
  type RunningServer,
  type ServerTimeouts,
  truncate,
} from "./http.ts";
import { MetricsTail } from "./metrics_tail.ts";
import {
  answerBody,
  checkingResponses,
  emptyBody,
  leaseBody,
  metricsParams,
  parse,
  recentParams,
  searchParams,
} from "./schemas.ts";
import { WEB_ROOT } from "./static.ts";
import { runProgress } from "./trainer_status.ts";

export type ServerOptions = {
  store: PreferenceStore;
  /** The run directory: `metrics.jsonl` is read from here. */
  runDir: string;
  /** When given, its SHA-256 is written to `run_meta.ownerTokenHash` before listening. */
  ownerToken?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** How long a labeller holds a query before it returns to the pool. */
  leaseMs?: number;
  /** Largest request body accepted; larger ones get 413. */
  maxBodyBytes?: number;
  /**
   * Unanswered leases one labeller may hold (default 2: the query on screen and the one the page
   * prefetches). One more is allowed through `/api/queries/lease`, so that an undo always works.
   */
  maxLeasesPerLabeller?: number;
  /** Connections open at once; more are closed as they arrive (default 256). */
  maxConnections?: number;
  /** Limits on slow clients (defaults: headers 15 s, whole request 30 s, checked every 1 s). */
  timeouts?: Partial<ServerTimeouts>;
  /** The web page's folder (default: the repository's `web/`). */
  webRoot?: string;
  /** Where unexpected errors are reported (default: stderr). */
  log?: (message: string) => void;
  /** The HTTP layer that carries the API (default: Fastify; bench/http.bench.ts compares others). */
  httpLayer?: HttpLayer;
  /**
   * Check every answer against its schema in schemas.ts before sending it (a mismatch is a
   * logged 500). The tests turn it on; it costs a parse of each answer.
   */
  checkResponses?: boolean;
};

export type { RunningServer, ServerTimeouts } from "./http.ts";
export { DEFAULT_TIMEOUTS, isLoopbackHost, RETRY_AFTER_MS } from "./http.ts";

import type { RunInfo } from "../store/run_meta.ts";

export type { RunInfo };

export const OWNER = OWNER_NAME;
const METRICS_PAGE = 5000;
const MAX_TOKEN_CHARS = 512;

export async function createServer(options: ServerOptions): Promise<RunningServer> {
  const {
    store,
    runDir,
    host = "127.0.0.1",
    port = 0,
    leaseMs = 120_000,
    maxBodyBytes = 16_384,
    maxLeasesPerLabeller = 2,
    maxConnections = 256,
    webRoot = WEB_ROOT,
    log = (m: string) => console.error(m),
  } = options;
  if (options.ownerToken !== undefined) {
    if (options.ownerToken.length < 16)
      throw new Error("the owner token must be at least 16 characters");
    await store.setMeta("ownerTokenHash", hashToken(options.ownerToken));
  }
  const metrics = new MetricsTail(join(runDir, "metrics.jsonl"), log);

  const runInfo = async () => (await store.getMeta("run")) ?? null;

  const clipViews = async (clips: Clip[]) => {
    const run = await runInfo();
    const predicted = await store.getClipPredictions(clips.map((c) => c.id));
    return clips.map((clip) => ({
      id: clip.id,
      envId: clip.envId,
      length: clip.rewards.length,
      fps: run?.fps ?? null,
      frames: clip.frames,
      predicted: predicted.get(clip.id) ?? null,
    }));
  };

  const leaseView = async (lease: Lease) => {
    const [left, right] = await clipViews([lease.query.left, lease.query.right]);
    return {
      leaseId: lease.leaseId,
      expiresAt: lease.expiresAt,
      query: { id: lease.query.id, left, right },
    };
  };

  /** The owner's requests reach the trainer through the store, which it reads on every beat. */
  const requestControl = async (request: TrainerControl) => {
    // Read and written in one transaction: two servers taking two requests keep both.
    await store.updateMeta("control", (control) => ({ ...control, ...request }));
    const progress = await runProgress(store);
    return { requested: true, trainer: progress?.trainer ?? "not_running" };
  };

  const routes: ApiRoutes = {
    "/api/session": {
      GET: {
        handle: async ({ who }) => ({
          labeller: who.labeller,
          isOwner: who.isOwner,
          run: await runInfo(),
        }),
      },
    },
    "/api/queries/next": {
      POST: {
        handle: async ({ who, body }) => {
          await body(emptyBody);
          const progress = await runProgress(store);
          if (progress?.labellingEnded) {
            return { waiting: true, retryAfterMs: RETRY_AFTER_MS, reason: "labelling_ended" };
          }
          const lease = await store.leaseNextQuery(who.ref, leaseMs, undefined, {
            maxLive: maxLeasesPerLabeller,
          });
          if (lease) return leaseView(lease);
          return {
            waiting: true,
            retryAfterMs: RETRY_AFTER_MS,
            reason: progress?.trainer === "not_running" ? "trainer_not_running" : "no_queries",
          };
        },
      },
    },
    "/api/queries/lease": {
      POST: {
        handle: async ({ who, body }) => {
          const { queryId } = await body(leaseBody);
          const lease = await store.leaseQuery(queryId, who.ref, leaseMs, undefined, {
            maxLive: maxLeasesPerLabeller + 1,
          });
          if (!lease) {
            throw new HttpError(
              409,
              "query_unavailable",
              `query '${truncate(queryId, 80)}' is answered, leased to someone else, or a repeat of one you saw; ask for the next query`,
            );
          }
          return leaseView(lease);
        },
      },
    },
    "/api/answers": {
      POST: {
        handle: async ({ who, body }) => {
          const input = await body(answerBody);
          const result = await store.submitLeased({ ...input, labeller: who.ref });
          return { stored: result.stored, answerId: result.answer.id };
        },
      },
    },
    "/api/answers/undo": {
      POST: {
        handle: async ({ who, body }) => {
          await body(emptyBody);
          const undone = await store.undoLastAnswer(who.ref);
          if (!undone) throw new HttpError(404, "nothing_to_undo", "you have no answer to undo");
          return { undone: { answerId: undone.id, queryId: undone.queryId } };
        },
      },
    },
    "/api/answers/recent": {
      GET: {
        handle: async ({ who, search }) => {
          const { limit = 20 } = parse(recentParams, searchParams(search), "query");
          // Labellers see their own answers only, so as not to be swayed by others'.
          const rows = await store.recentAnswers(limit, who.isOwner ? undefined : who.ref);
          return {
            answers: rows.map((a) => ({
              answerId: a.id,
              queryId: a.queryId,
              answer: a.answer,
              labeller: a.labeller,
              time: a.time,
              leftClipId: a.leftClipId,
              rightClipId: a.rightClipId,
            })),
          };
        },
      },
    },
    "/api/stats": {
      GET: {
        handle: async ({ who }) => {
          const midnight = new Date();
          midnight.setHours(0, 0, 0, 0);
          const counts = await store.labellerAnswerCounts(who.ref, midnight.getTime());
          const schedule = await store.getMeta("schedule");
          const agreement = await store.getMeta("labellerAgreement");
          const mine =
            agreement && Object.hasOwn(agreement, who.labeller)
              ? agreement[who.labeller]
              : undefined;
          return {
            answeredToday: counts.since,
            answeredTotal: counts.total,
            wanted: schedule?.wanted ?? null,
            agreement: mine && mine.total > 0 ? mine.agree / mine.total : null,
            run: await runProgress(store),
          };
        },
      },
    },
    "/api/run/stop": {
      POST: {
        ownerOnly: true,
        handle: async ({ body }) => {
          await body(emptyBody);
          return requestControl({ stopAt: Date.now() });
        },
      },
    },
    "/api/run/end-labelling": {
      POST: {
        ownerOnly: true,
        handle: async ({ body }) => {
          await body(emptyBody);
          return requestControl({ endLabellingAt: Date.now() });
        },
      },
    },
    "/api/metrics": {
      GET: {
        handle: async ({ search }) => {
          const { after = 0 } = parse(metricsParams, searchParams(search), "query");
          return metrics.page(after, METRICS_PAGE);
        },
      },
    },
    "/api/live": {
      GET: { handle: async () => ({ live: (await store.getMeta("live")) ?? null }) },
    },
    "/api/clips/:id": {
      GET: {
        handle: async ({ params }) => {
          const clip = await store.getClip(params.id);
          if (!clip)
            throw new HttpError(404, "unknown_clip", `unknown clip '${truncate(params.id, 80)}'`);
          return (await clipViews([clip]))[0];
        },
      },
    },
    "/api/labellers": {
      GET: {
        ownerOnly: true,
        handle: async () => {
          const [registered, activity, repeats] = await Promise.all([
            store.listLabellers(),
            store.labellerActivity(),
            store.repeatAgreement(),
          ]);
          return { labellers: labellerTable(registered, activity), repeats };
        },
      },
    },
  };

  const identify = async (header: string | undefined): Promise<Identity> => {
    if (!header) throw new HttpError(401, "missing_token", "send 'Authorization: Bearer <token>'");
    const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header);
    const token = match?.[1];
    if (!token || token.length > MAX_TOKEN_CHARS) {
      throw new HttpError(401, "bad_token", "the Authorization header must be 'Bearer <token>'");
    }
    // Read from the store on every request: a rotated or revoked token fails at once.
    const ownerHash = await store.getMeta("ownerTokenHash");
    if (ownerHash !== undefined) {
      const given = Buffer.from(hashToken(token), "hex");
      if (timingSafeEqual(given, Buffer.from(ownerHash, "hex")))
        return { labeller: OWNER, ref: { kind: "owner" }, isOwner: true };
    }
    const labeller = await store.authenticate(token);
    if (!labeller) {
      throw new HttpError(
        401,
        "unknown_token",
        "this token is not valid for this run (or was revoked); ask the run's owner for one",
      );
    }
    return {
      labeller: labeller.name,
      ref: { kind: "person", id: labeller.id, name: labeller.name },
      isOwner: false,
    };
  };

  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const serve = options.httpLayer ?? fastifyLayer;
  return serve({
    routes: options.checkResponses ? checkingResponses(routes) : routes,
    identify,
    host,
    port,
    maxBodyBytes,
    maxConnections,
    timeouts,
    webRoot,
    log,
  });
}

/**
 * The owner's table of who answered: the owner, every registered labeller (removed ones too, as
 * their answers stay), then synthetic teachers and imports. People are matched by id, so a
 * labeller who shares a teacher's name is a separate row.
 */
function labellerTable(
  registered: Labeller[],
  activity: LabellerActivity[],
): LabellersView["labellers"] {
  const counts = (kind: string, match: (a: LabellerActivity) => boolean) => {
    const a = activity.find((x) => x.kind === kind && match(x));
    return { answers: a?.answers ?? 0, lastAnswerAt: a?.lastAnswerAt ?? null };
  };
  return [
    { name: OWNER, kind: "owner" as const, removed: false, ...counts("owner", () => true) },
    ...registered.map((l) => ({
      name: l.name,
      kind: "person" as const,
      removed: l.removedAt !== null,
      ...counts("person", (a) => a.labellerId === l.id),
    })),
    ...activity.flatMap((a) =>
      a.kind === "teacher" || a.kind === "import"
        ? [{ name: a.labeller, kind: a.kind, removed: false, ...counts(a.kind, (x) => x === a) }]
        : [],
    ),
  ];
}
