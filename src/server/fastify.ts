/**
 * The HTTP layer on Fastify 5: its router, body limit and content-type parsing, @fastify/compress
 * for gzip and @fastify/static for the page's files (ETag, Last-Modified, ranges). What it adds
 * is only the wiring that keeps docs/api.md's promises: the order of checks, our refusal bodies,
 * and closing the connection after a refusal.
 */
import { basename, dirname } from "node:path";
import fastifyCompress from "@fastify/compress";
import fastifyStatic from "@fastify/static";
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from "fastify";
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
} from "./http.ts";
import { parse } from "./schemas.ts";
import { contentType, resolveStatic } from "./static.ts";

const JSON_TYPE = "application/json; charset=utf-8";

export const fastifyLayer: HttpLayer = async (app: ApiApp) => {
  const { routes, identify, host, port, maxBodyBytes, maxConnections, timeouts, webRoot, log } =
    app;
  // Set once listening: the Host names this server answers to when bound to loopback.
  let hosts: Set<string> | null = null;

  const fastify = Fastify({
    logger: false,
    bodyLimit: maxBodyBytes,
    exposeHeadRoutes: false,
    keepAliveTimeout: timeouts.keepAliveMs,
    requestTimeout: timeouts.requestMs,
    http: {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      keepAliveTimeout: timeouts.keepAliveMs,
      // Without this the two limits above are checked only every 30 s.
      connectionsCheckingInterval: timeouts.checkIntervalMs,
    },
    routerOptions: { maxParamLength: 1000 },
    // A URL the router cannot decode: our refusal, after the Host check as for any request.
    frameworkErrors: (error, request, reply) => {
      reply.headers(SECURITY_HEADERS);
      let refusal: HttpError;
      try {
        checkHost(request.headers.host, hosts);
        refusal = new HttpError(400, "bad_path", `the path is malformed: ${error.message}`);
      } catch (e) {
        refusal = e as HttpError;
      }
      void (reply as FastifyReply)
        .code(refusal.status)
        .headers({ ...refusal.headers, "Cache-Control": "no-store", Connection: "close" })
        .type(JSON_TYPE)
        .send(JSON.stringify(refusal.body()));
    },
  });
  fastify.server.maxConnections = maxConnections;

  // Which methods each API path takes, to tell a 405 from a 404 for requests the router missed.
  const patterns = Object.entries(routes).map(([path, methods]) => ({
    regex: new RegExp(`^${path.replace(/:\w+/g, "[^/]+")}$`),
    allowed: Object.keys(methods).join(", "),
  }));
  const apiMiss = (method: string, path: string): HttpError => {
    const match = patterns.find((p) => p.regex.test(path));
    return match ? methodNotAllowed(method, path, match.allowed) : unknownRoute(path);
  };

  const who = new WeakMap<FastifyRequest, Identity>();

  // Every request, first: the security headers, the Host, the target; then 404 or 405 for what
  // no route takes, before any body is read.
  fastify.addHook("onRequest", async (request, reply) => {
    reply.headers(SECURITY_HEADERS);
    checkHost(request.headers.host, hosts);
    const { path } = splitTarget(request.raw.url ?? "");
    const staticRoute = request.routeOptions.url === "/*";
    if (isApiPath(path) && (request.is404 || staticRoute)) throw apiMiss(request.method, path);
    if (request.is404) {
      throw new HttpError(
        405,
        "method_not_allowed",
        `${truncate(request.method, 20)} is not allowed here; use GET`,
        { Allow: "GET, HEAD" },
      );
    }
  });

  // Any body type reaches this parser; the route's own hook has already refused all but JSON.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => {
    try {
      done(null, decodeJson(body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  fastify.setErrorHandler((error: FastifyError, request, reply) => {
    reply.headers(SECURITY_HEADERS);
    const refusal = asHttpError(error) ?? fromFastify(error, request, maxBodyBytes);
    if (!refusal) {
      log(
        `server: unexpected error on ${request.method} ${truncate(request.raw.url ?? "", 200)}: ${describeError(error)}`,
      );
      return reply
        .code(500)
        .header("Cache-Control", "no-store")
        .type(JSON_TYPE)
        .send(JSON.stringify(INTERNAL_ERROR));
    }
    // Node would otherwise read the unread rest of the body, however large, to keep the
    // connection. With `Connection: close` it sends the answer, then destroys the socket.
    if (CLOSING_STATUSES.has(refusal.status) || !request.raw.complete)
      reply.header("Connection", "close");
    return reply
      .code(refusal.status)
      .headers({ "Cache-Control": "no-store", Vary: "Accept-Encoding", ...refusal.headers })
      .type(JSON_TYPE)
      .send(JSON.stringify(refusal.body()));
  });

  fastify.setNotFoundHandler(async (request) => {
    throw unknownRoute(splitTarget(request.raw.url ?? "").path);
  });

  await fastify.register(fastifyCompress, {
    // Request bodies are taken as sent: a gzipped one is not JSON (400), as before.
    globalDecompression: false,
    encodings: ["gzip"],
    threshold: GZIP_FROM_BYTES,
    zlibOptions: { level: 6 },
  });
  await fastify.register(fastifyStatic, { root: webRoot, serve: false });

  for (const [path, methods] of Object.entries(routes)) {
    for (const [method, route] of Object.entries(methods) as [Method, (typeof methods)[Method]][]) {
      if (!route) continue;
      fastify.route({
        method,
        url: path,
        // Token, owner and content type, before the body is read.
        onRequest: async (request) => {
          const caller = await identify(request.headers.authorization);
          if (route.ownerOnly && !caller.isOwner) throw ownerOnly();
          const type = request.headers["content-type"];
          if (method === "POST" && !isJsonContentType(type)) throw unsupportedMediaType(type);
          who.set(request, caller);
        },
        handler: async (request, reply) => {
          let bodyRead = false;
          const result = await route.handle({
            who: who.get(request)!,
            params: request.params as Record<string, string>,
            search: splitTarget(request.raw.url ?? "").search,
            body: async (schema) => {
              bodyRead = true;
              if (request.body === undefined) throw new HttpError(400, "bad_json", "no body");
              return parse(schema, request.body, "body");
            },
          });
          if (method === "POST" && !bodyRead) throw new Error("a POST route did not read its body");
          return reply
            .headers({ "Cache-Control": "no-store", Vary: "Accept-Encoding" })
            .type(JSON_TYPE)
            .send(jsonText(result));
        },
      });
    }
  }

  // The page's files: our rules say which file a path names (static.ts); @fastify/static sends it.
  fastify.route({
    method: ["GET", "HEAD"],
    url: "/*",
    handler: async (request, reply) => {
      const file = await resolveStatic(splitTarget(request.raw.url ?? "").path, webRoot);
      return reply
        .header("Cache-Control", "no-cache")
        .type(contentType(file))
        .sendFile(basename(file), dirname(file), {
          cacheControl: false,
          contentType: false,
          dotfiles: "allow",
        });
    },
  });

  await fastify.listen({ port, host });
  const bound = fastify.server.address();
  const boundPort = typeof bound === "object" && bound ? bound.port : port;
  hosts = allowedHosts(host, boundPort);
  let closing: Promise<void> | null = null;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${boundPort}`,
    port: boundPort,
    close() {
      closing ??= (async () => {
        const force = setTimeout(() => fastify.server.closeAllConnections(), 1000);
        force.unref();
        await fastify.close();
        clearTimeout(force);
      })();
      return closing;
    },
  };
};

/** Fastify's own refusals (body limit, content type, framing) in our words, or null. */
function fromFastify(
  error: FastifyError,
  request: FastifyRequest,
  maxBodyBytes: number,
): HttpError | null {
  if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") return tooLarge(maxBodyBytes);
  if (error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE")
    return unsupportedMediaType(request.headers["content-type"]);
  const status = error.statusCode ?? 0;
  if (status >= 400 && status < 500)
    return new HttpError(status, "bad_request", truncate(error.message, 200));
  return null;
}
