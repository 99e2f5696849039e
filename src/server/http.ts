/**
 * Small HTTP helpers for the labelling server: JSON answers with the security headers every
 * response carries, and a bounded JSON body reader that stops at the size limit.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";

/** A request the server refuses: sent as `{error, code}` with `status` (always 4xx or 503). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

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

export function securityHeaders(res: ServerResponse): void {
  res.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Referrer-Policy", "no-referrer");
  res.setHeader("X-Frame-Options", "DENY");
  res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
  res.setHeader("Cross-Origin-Resource-Policy", "same-origin");
}

/** JSON text made elsewhere, sent as it is. */
export class RawJson {
  constructor(readonly text: string) {}
}

const GZIP_FROM_BYTES = 1024;

/** Sends `body` as JSON, never cached; gzipped from GZIP_FROM_BYTES when the client accepts it. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body instanceof RawJson ? body.text : JSON.stringify(body);
  let bytes = Buffer.from(text, "utf8");
  res.statusCode = status;
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.setHeader("Vary", "Accept-Encoding");
  // Clips are frame data: a 1.5-s Hopper pair is ~30 KB of JSON and ~8 KB gzipped.
  if (
    bytes.length >= GZIP_FROM_BYTES &&
    /\bgzip\b/.test(String(res.req?.headers["accept-encoding"] ?? ""))
  ) {
    bytes = gzipSync(bytes, { level: 6 });
    res.setHeader("Content-Encoding", "gzip");
  }
  res.setHeader("Content-Length", bytes.length);
  res.setHeader("Cache-Control", "no-store");
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.end(bytes);
}

export function sendError(res: ServerResponse, error: HttpError): void {
  sendJson(res, error.status, { error: error.message, code: error.code }, error.headers);
}

/**
 * Reads a JSON request body of at most `maxBytes`. Refuses a body that is not declared
 * `application/json` (415), a declared or actual size over the limit (413, and the rest of the
 * body is not kept), bytes that are not UTF-8 or not JSON (400).
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = req.headers["content-type"];
  if (!isJsonContentType(type)) {
    throw new HttpError(
      415,
      "unsupported_media_type",
      `send the body as JSON with 'Content-Type: application/json' (got ${type ? `'${truncate(type, 60)}'` : "none"})`,
    );
  }
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  const bytes = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (error: Error | null, value?: Buffer) => {
      if (done) return;
      done = true;
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("aborted", onAborted);
      if (error) reject(error);
      else resolve(value!);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        chunks.length = 0;
        finish(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish(null, Buffer.concat(chunks, size));
    const onError = (e: Error) =>
      finish(new HttpError(400, "bad_body", `could not read the body: ${e.message}`));
    const onAborted = () => finish(new HttpError(400, "bad_body", "the request was aborted"));
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("aborted", onAborted);
  });
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

function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  const [media, ...params] = header.split(";").map((p) => p.trim().toLowerCase());
  if (media !== "application/json") return false;
  return params.every((p) => !p.startsWith("charset=") || /^charset="?utf-8"?$/.test(p));
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, "body_too_large", `the body is over the limit of ${maxBytes} bytes`, {
    Connection: "close",
  });
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
