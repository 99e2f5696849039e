/**
 * The web page's files: `web/` by path, and a fixed list of vendor files from node_modules.
 * Nothing outside those can be read: a path with `..`, `.` or hidden segments, a backslash or a
 * NUL byte (raw or percent-encoded) is refused, and a symlink that leads out of `web/` is
 * treated as missing.
 */
import { existsSync } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { HttpError } from "./http.ts";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const WEB_ROOT = join(REPO_ROOT, "web");

/** A file of an installed package, found the way Node finds packages: in the nearest node_modules. */
function packageFile(pkg: string, file: string): string {
  for (let dir = REPO_ROOT; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", pkg, file);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return join(REPO_ROOT, "node_modules", pkg, file);
  }
}

/** URL path → file, for the vendor files the page loads. three.module.js imports three.core.js. */
export const VENDOR_FILES: Record<string, () => string> = {
  "/vendor/uPlot.iife.min.js": () => packageFile("uplot", "dist/uPlot.iife.min.js"),
  "/vendor/uPlot.min.css": () => packageFile("uplot", "dist/uPlot.min.css"),
  "/vendor/three.module.js": () => packageFile("three", "build/three.module.js"),
  "/vendor/three.core.js": () => packageFile("three", "build/three.core.js"),
};

/** Pages with their own paths. */
const PAGES: Record<string, string> = {
  "/": "index.html",
  "/dashboard": "dashboard.html",
};

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".wasm": "application/wasm",
};

export function contentType(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? "application/octet-stream";
}

/** The file a request path names, after every check; throws HttpError otherwise. */
export async function resolveStatic(rawPath: string, webRoot = WEB_ROOT): Promise<string> {
  const vendor = VENDOR_FILES[rawPath];
  if (vendor) return vendor();
  const page = PAGES[rawPath];
  const relative = page ?? decodePath(rawPath);
  const root = resolve(webRoot);
  const candidate = resolve(root, relative);
  if (!candidate.startsWith(root + sep)) throw forbidden();
  let real: string;
  let realRoot: string;
  try {
    [real, realRoot] = await Promise.all([realpath(candidate), realpath(root)]);
  } catch {
    throw notFound();
  }
  if (!real.startsWith(realRoot + sep)) throw notFound();
  const info = await stat(real).catch(() => null);
  if (!info?.isFile()) throw notFound();
  return real;
}

/** `/a/b.js` → `a/b.js`, refusing anything that could step outside or is hidden. */
function decodePath(rawPath: string): string {
  if (!rawPath.startsWith("/") || rawPath.startsWith("//")) throw forbidden();
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    throw new HttpError(400, "bad_path", "the path has a malformed percent-encoding");
  }
  if (decoded.includes("\0") || decoded.includes("\\")) throw forbidden();
  const segments = decoded.slice(1).split("/");
  for (const s of segments) {
    if (s === ".." || s === ".") throw forbidden();
    if (s === "" || s.startsWith(".")) throw notFound();
  }
  return segments.join("/");
}

function forbidden(): HttpError {
  return new HttpError(403, "forbidden_path", "that path is outside the web page's files");
}

function notFound(): HttpError {
  return new HttpError(404, "not_found", "no such page or file");
}
