/**
 * The HTTP layer as it was written by hand on node:http, before Fastify (docs/http.md): a route
 * table lookup, a bounded JSON body reader, gzipSync for large JSON answers, and the page's files
 * read whole. Kept for bench/http.bench.ts, as the baseline a framework is measured against.
 */
import { readFile } from "node:fs/promises";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import {
  type ApiApp,
  type ApiRoute,
  allowedHosts,
  asHttpError,
  CLOSING_STATUSES,
  checkHost,
  decodeJson,
  describeError,
  GZIP_FROM_BYTES,
  HttpError,
  type HttpLayer,
  INTERNAL_ERROR,
  isApiPath,
  isJsonContentType,
  jsonText,
  type Method,
  methodNotAllowed,
  ownerOnly,
  SECURITY_HEADERS,
  splitTarget,
  tooLarge,
  truncate,
  unknownRoute,
  unsupportedMediaType,
} from "../../src/server/http.ts";
import { parse } from "../../src/server/schemas.ts";
import { contentType, resolveStatic } from "../../src/server/static.ts";

export const nodeHttpLayer: HttpLayer = async (app: ApiApp) => {
  const { routes, identify, host, port, maxBodyBytes, maxConnections, timeouts, webRoot, log } =
    app;

  const patterns = Object.keys(routes)
    .filter((p) => p.includes("/:"))
    .map((p) => ({
      path: p,
      names: [...p.matchAll(/:(\w+)/g)].map((m) => m[1]),
      regex: new RegExp(`^${p.replace(/:\w+/g, "([^/]+)")}$`),
    }));

  const findRoute = (
    path: string,
  ): { methods: Partial<Record<Method, ApiRoute>>; params: Record<string, string> } | null => {
    const exact = routes[path];
    if (exact) return { methods: exact, params: {} };
    for (const p of patterns) {
      const m = p.regex.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      try {
        for (const [i, name] of p.names.entries()) params[name] = decodeURIComponent(m[i + 1]);
      } catch {
        throw new HttpError(400, "bad_path", "the path has a malformed percent-encoding");
      }
      return { methods: routes[p.path], params };
    }
    return null;
  };

  const handleApi = async (
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    search: URLSearchParams,
  ) => {
    const found = findRoute(path);
    if (!found) throw unknownRoute(path);
    const route = found.methods[req.method as Method];
    if (!route)
      throw methodNotAllowed(req.method ?? "?", path, Object.keys(found.methods).join(", "));
    const who = await identify(req.headers.authorization);
    if (route.ownerOnly && !who.isOwner) throw ownerOnly();
    let bodyRead = false;
    const result = await route.handle({
      who,
      params: found.params,
      search,
      body: async (schema) => {
        bodyRead = true;
        return parse(schema, await readJsonBody(req, maxBodyBytes), "body");
      },
    });
    if (req.method === "POST" && !bodyRead) throw new Error("a POST route did not read its body");
    sendJson(res, 200, result);
  };

  // Set once listening: the Host names this server answers to when bound to loopback.
  let hosts: Set<string> | null = null;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    try {
      checkHost(req.headers.host, hosts);
      const { path, search } = splitTarget(req.url ?? "");
      if (isApiPath(path)) await handleApi(req, res, path, search);
      else await serveStatic(req, res, path, webRoot);
    } catch (error) {
      if (res.headersSent) {
        log(`server: error after the answer began: ${String(error)}`);
        res.destroy();
        return;
      }
      const refusal = asHttpError(error);
      if (!refusal) {
        log(
          `server: unexpected error on ${req.method} ${truncate(req.url ?? "", 200)}: ${describeError(error)}`,
        );
        sendJson(res, 500, INTERNAL_ERROR);
        return;
      }
      // Node would otherwise read the unread rest of the body, however large, to keep the
      // connection. With `Connection: close` it sends the answer, then destroys the socket.
      if (CLOSING_STATUSES.has(refusal.status) || !req.complete) {
        res.setHeader("Connection", "close");
      }
      sendJson(
        res,
        refusal.status,
        { error: refusal.message, code: refusal.code },
        refusal.headers,
      );
    }
  };

  const server = createHttpServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      keepAliveTimeout: timeouts.keepAliveMs,
      // Without this the two limits above are checked only every 30 s.
      connectionsCheckingInterval: timeouts.checkIntervalMs,
    },
    (req, res) => {
      void handle(req, res);
    },
  );
  server.maxConnections = maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (e) => log(`server: ${String(e)}`));
  const bound = (server.address() as AddressInfo).port;
  hosts = allowedHosts(host, bound);
  let closing: Promise<void> | null = null;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${bound}`,
    port: bound,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      });
      return closing;
    },
  };
};

/** Sends `body` as JSON, never cached; gzipped from GZIP_FROM_BYTES when the client accepts it. */
function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  let bytes = Buffer.from(jsonText(body), "utf8");
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

/**
 * Reads a JSON request body of at most `maxBytes`. Refuses a body that is not declared
 * `application/json` (415), a declared or actual size over the limit (413, and the rest of the
 * body is not kept), bytes that are not UTF-8 or not JSON (400).
 */
async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = req.headers["content-type"];
  if (!isJsonContentType(type)) throw unsupportedMediaType(type);
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
  return decodeJson(bytes);
}

/**
 * Serves GET/HEAD of a static file for the raw request path (no query string). Throws HttpError
 * 403 for a path that tries to leave `web/`, 404 for a file that is not there, 405 for another
 * method.
 */
async function serveStatic(
  req: IncomingMessage,
  res: ServerResponse,
  rawPath: string,
  webRoot: string,
): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    throw new HttpError(405, "method_not_allowed", `${req.method} is not allowed here; use GET`, {
      Allow: "GET, HEAD",
    });
  }
  const file = await resolveStatic(rawPath, webRoot);
  const body = await readFile(file).catch(() => {
    throw new HttpError(404, "not_found", "no such page or file");
  });
  res.statusCode = 200;
  res.setHeader("Content-Type", contentType(file));
  res.setHeader("Content-Length", body.length);
  res.setHeader("Cache-Control", "no-cache");
  res.end(req.method === "HEAD" ? undefined : body);
}
