/**
 * The seam between the API's handlers (server.ts: ours) and the HTTP layer that carries them
 * (routing, static files, gzip, body limits, content types, connections). A layer gets the route
 * table and an `identify` function, and must keep every promise of docs/api.md: the order of
 * checks, the refusals and their codes, the headers, and the connection rules. The helpers here
 * are what any layer needs to keep them the same way.
 */
import type { z } from "zod";
import { type LabellerRef, LeaseLimitError, StoreError } from "../store/index.ts";
import type { ApiErrorBody } from "./api_types.ts";

/** A request the server refuses: sent as `{error, code}` with `status` (always 4xx or 503). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    /** Extra fields of the refusal's body, beside `error` and `code`. */
    readonly details: { held?: string[] } = {},
  ) {
    super(message);
  }

  /** The refusal's JSON body. */
  body(): ApiErrorBody {
    return { error: this.message, code: this.code, ...this.details };
  }
}

export type Method = "GET" | "POST";

/** Who sent a request, from its token. */
export type Identity = { labeller: string; ref: LabellerRef; isOwner: boolean };

/** What a handler gets: the caller, the path's parameters, the query string, the body. */
export type ApiContext = {
  who: Identity;
  params: Record<string, string>;
  search: URLSearchParams;
  /** The JSON body, checked against `schema` (415, 413, 400 before that, by the layer). */
  body<T>(schema: z.ZodType<T>): Promise<T>;
};

export type ApiRoute = { handle: (ctx: ApiContext) => Promise<unknown>; ownerOnly?: boolean };

/** Path (`/api/clips/:id` for a parameter) → method → route. */
export type ApiRoutes = Record<string, Partial<Record<Method, ApiRoute>>>;

export type ServerTimeouts = {
  /** A request's headers must arrive within this (ms), or it gets 408 and the connection closes. */
  headersMs: number;
  /** The whole request, body included (ms). */
  requestMs: number;
  /** How often open connections are checked against the two limits above (ms). */
  checkIntervalMs: number;
  /** An idle keep-alive connection is closed after this (ms). */
  keepAliveMs: number;
};

export const DEFAULT_TIMEOUTS: ServerTimeouts = {
  headersMs: 15_000,
  requestMs: 30_000,
  checkIntervalMs: 1000,
  keepAliveMs: 5000,
};

/** Everything a layer needs to serve the API and the page. */
export type ApiApp = {
  routes: ApiRoutes;
  /** The caller of a request with this `Authorization` header, or an HttpError 401. */
  identify(authorization: string | undefined): Promise<Identity>;
  host: string;
  port: number;
  maxBodyBytes: number;
  maxConnections: number;
  timeouts: ServerTimeouts;
  webRoot: string;
  log: (message: string) => void;
};

export type RunningServer = {
  /** `http://host:port` with no trailing slash. */
  url: string;
  port: number;
  close(): Promise<void>;
};

/** Serves an ApiApp until closed. */
export type HttpLayer = (app: ApiApp) => Promise<RunningServer>;

/** JSON text made elsewhere (the metrics rows as the file holds them), sent as it is. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** The JSON text of a handler's result. */
export function jsonText(result: unknown): string {
  return result instanceof RawJson ? result.text : JSON.stringify(result);
}

/** How long a labeller with nothing to answer should wait before asking again. */
export const RETRY_AFTER_MS = 2000;

/**
 * Scripts, styles, images and connections from this origin only. Inline styles are allowed
 * (uPlot and three.js set element styles); inline scripts, plugins and framing are not.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Carried by every answer, refusals and files included. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/** JSON answers from this size up are gzipped for clients that accept it. */
export const GZIP_FROM_BYTES = 1024;

/** Refusals after which the connection is closed rather than kept for the next request. */
export const CLOSING_STATUSES: ReadonlySet<number> = new Set([401, 405, 413, 415, 421]);

export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The `Host` values a server bound to `host` accepts: for loopback, the loopback names with its
 * port; null (any) otherwise.
 */
export function allowedHosts(host: string, port: number): Set<string> | null {
  if (!isLoopbackHost(host)) return null;
  const bound = host.includes(":") ? `[${host}]` : host;
  const names = ["127.0.0.1", "localhost", "[::1]", bound.toLowerCase()];
  const hosts = new Set(names.map((n) => `${n}:${port}`));
  if (port === 80) for (const n of names) hosts.add(n);
  return hosts;
}

/**
 * A page from another site that rebinds its own name to 127.0.0.1 (DNS rebinding) reaches a
 * loopback server with its own name in `Host`: refuse every name but the loopback ones.
 */
export function checkHost(hostHeader: string | undefined, allowed: Set<string> | null): void {
  if (!allowed) return;
  const host = (hostHeader ?? "").toLowerCase();
  if (allowed.has(host)) return;
  throw new HttpError(
    421,
    "bad_host",
    `this server answers only to ${[...allowed].join(", ")} (it is bound to loopback); the request was for '${truncate(host, 80)}'`,
  );
}

/** The request target's path and query string; 400 for a target that is not a path. */
export function splitTarget(target: string): { path: string; search: URLSearchParams } {
  if (!target.startsWith("/"))
    throw new HttpError(400, "bad_path", "the request path must start with '/'");
  const q = target.indexOf("?");
  return {
    path: q === -1 ? target : target.slice(0, q),
    search: new URLSearchParams(q === -1 ? "" : target.slice(q + 1)),
  };
}

export function isApiPath(path: string): boolean {
  return path === "/api" || path.startsWith("/api/");
}

export function unknownRoute(path: string): HttpError {
  return new HttpError(404, "unknown_route", `no API route ${truncate(path, 80)}; see docs/api.md`);
}

export function methodNotAllowed(method: string, path: string, allowed: string): HttpError {
  return new HttpError(
    405,
    "method_not_allowed",
    `${truncate(method, 20)} is not allowed on ${truncate(path, 80)}; use ${allowed}`,
    { Allow: allowed },
  );
}

export const ownerOnly = () =>
  new HttpError(403, "owner_only", "only the run's owner may use this route");

/** The Content-Type header of a JSON body: `application/json`, UTF-8 if a charset is named. */
export function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  const [media, ...params] = header.split(";").map((p) => p.trim().toLowerCase());
  if (media !== "application/json") return false;
  return params.every((p) => !p.startsWith("charset=") || /^charset="?utf-8"?$/.test(p));
}

export function unsupportedMediaType(type: string | undefined): HttpError {
  return new HttpError(
    415,
    "unsupported_media_type",
    `send the body as JSON with 'Content-Type: application/json' (got ${type ? `'${truncate(type, 60)}'` : "none"})`,
  );
}

export function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, "body_too_large", `the body is over the limit of ${maxBytes} bytes`);
}

/** The JSON value in a body's bytes; 400 for bytes that are not UTF-8 or not JSON. */
export function decodeJson(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new HttpError(400, "bad_json", "the body is not valid UTF-8");
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    throw new HttpError(400, "bad_json", `the body is not valid JSON: ${truncate(detail, 120)}`);
  }
}

/** The refusal an error stands for, or null for an unexpected error. */
export function asHttpError(error: unknown): HttpError | null {
  if (error instanceof HttpError) return error;
  if (error instanceof StoreError) {
    // lease_limit: a place frees up as soon as the labeller answers, so ask again soon.
    const headers: Record<string, string> =
      error.httpStatus === 429 ? { "Retry-After": String(RETRY_AFTER_MS / 1000) } : {};
    const details = error instanceof LeaseLimitError ? { held: error.held } : {};
    return new HttpError(error.httpStatus, error.code, error.message, headers, details);
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "SQLITE_BUSY" || code === "SQLITE_LOCKED") {
    return new HttpError(503, "busy", "the store is busy; try again in a moment", {
      "Retry-After": "1",
    });
  }
  return null;
}

export const INTERNAL_ERROR = {
  error: "internal error; the server's log has the details",
  code: "internal",
} as const;

export function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
