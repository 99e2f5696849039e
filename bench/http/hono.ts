/**
 * A prototype of the HTTP layer on Hono 4 with @hono/node-server, for bench/http.bench.ts: its
 * router, hono/body-limit, hono/compress for gzip, and @hono/node-server's serveStatic for the
 * page's files, wired to keep docs/api.md's order of checks and refusals.
 */
import { createServer as createNodeServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer, type HttpBindings } from "@hono/node-server";
import { serveStatic } from "@hono/node-server/serve-static";
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { compress } from "hono/compress";
import {
  type ApiApp,
  allowedHosts,
  asHttpError,
  CLOSING_STATUSES,
  checkHost,
  decodeJson,
  describeError,
  GZIP_FROM_BYTES,
  HttpError,
  type HttpLayer,
  type Identity,
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

type Env = { Bindings: HttpBindings; Variables: { who: Identity } };

const JSON_TYPE = "application/json; charset=utf-8";

export const honoLayer: HttpLayer = async (app: ApiApp) => {
  const { routes, identify, host, port, maxBodyBytes, maxConnections, timeouts, webRoot, log } =
    app;
  let hosts: Set<string> | null = null;
  const hono = new Hono<Env>();
  const raw = (c: Context<Env>) => c.env.incoming as IncomingMessage;

  const patterns = Object.entries(routes).map(([path, methods]) => ({
    regex: new RegExp(`^${path.replace(/:\w+/g, "[^/]+")}$`),
    allowed: Object.keys(methods).join(", "),
  }));
  const apiMiss = (method: string, path: string): HttpError => {
    const match = patterns.find((p) => p.regex.test(path));
    return match ? methodNotAllowed(method, path, match.allowed) : unknownRoute(path);
  };

  hono.onError((error, c) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.header(k, v);
    const refusal = asHttpError(error);
    if (!refusal) {
      log(`server: unexpected error on ${c.req.method} ${c.req.path}: ${describeError(error)}`);
      return c.body(JSON.stringify(INTERNAL_ERROR), 500, { "Content-Type": JSON_TYPE });
    }
    const headers: Record<string, string> = {
      ...refusal.headers,
      "Content-Type": JSON_TYPE,
      "Cache-Control": "no-store",
    };
    if (CLOSING_STATUSES.has(refusal.status) || !raw(c).complete) headers.Connection = "close";
    return c.body(
      JSON.stringify({ error: refusal.message, code: refusal.code }),
      refusal.status as 400,
      headers,
    );
  });

  hono.use("*", async (c, next) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.header(k, v);
    checkHost(c.req.header("host"), hosts);
    splitTarget(raw(c).url ?? "");
    await next();
  });
  hono.use("*", compress({ encoding: "gzip", threshold: GZIP_FROM_BYTES }));

  for (const [path, methods] of Object.entries(routes)) {
    for (const [method, route] of Object.entries(methods) as [Method, (typeof methods)[Method]][]) {
      if (!route) continue;
      const guards: MiddlewareHandler<Env>[] = [
        async (c, next) => {
          const who = await identify(c.req.header("authorization"));
          if (route.ownerOnly && !who.isOwner) throw ownerOnly();
          const type = c.req.header("content-type");
          if (method === "POST" && !isJsonContentType(type)) throw unsupportedMediaType(type);
          c.set("who", who);
          await next();
        },
      ];
      if (method === "POST") {
        guards.push(
          bodyLimit({
            maxSize: maxBodyBytes,
            onError: () => {
              throw tooLarge(maxBodyBytes);
            },
          }),
        );
      }
      hono.on(method, [path], ...guards, async (c) => {
        let bodyRead = false;
        const result = await route.handle({
          who: c.get("who"),
          params: c.req.param() as Record<string, string>,
          search: splitTarget(raw(c).url ?? "").search,
          body: async (schema) => {
            bodyRead = true;
            return parse(schema, decodeJson(new Uint8Array(await c.req.arrayBuffer())), "body");
          },
        });
        if (method === "POST" && !bodyRead) throw new Error("a POST route did not read its body");
        const text = jsonText(result);
        // Without a length, hono/compress would gzip even the smallest answer.
        return c.body(text, 200, {
          "Content-Length": String(Buffer.byteLength(text)),
          "Content-Type": JSON_TYPE,
          "Cache-Control": "no-store",
          Vary: "Accept-Encoding",
        });
      });
    }
  }

  hono.on(["GET", "HEAD"], "/*", async (c, next) => {
    const { path } = splitTarget(raw(c).url ?? "");
    if (isApiPath(path)) throw apiMiss(c.req.method, path);
    const file = await resolveStatic(path, webRoot);
    const res = await serveStatic({ path: file })(c, next);
    c.header("Content-Type", contentType(file));
    c.header("Cache-Control", "no-cache");
    return res ?? c.res;
  });

  hono.notFound((c) => {
    const { path } = splitTarget(raw(c).url ?? "");
    if (isApiPath(path)) throw apiMiss(c.req.method, path);
    throw new HttpError(
      405,
      "method_not_allowed",
      `${truncate(c.req.method, 20)} is not allowed here; use GET`,
      { Allow: "GET, HEAD" },
    );
  });

  const server = createAdaptorServer({
    fetch: hono.fetch,
    autoCleanupIncoming: false,
    createServer: createNodeServer,
    serverOptions: {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      keepAliveTimeout: timeouts.keepAliveMs,
      connectionsCheckingInterval: timeouts.checkIntervalMs,
    },
  }) as Server;
  server.maxConnections = maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
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
