/**
 * Which store a run folder uses. A run made by `backflip train --store postgres://…` keeps its
 * preferences in a schema of its own in that database, and its folder holds `store.json`:
 *
 *   { "kind": "postgres", "url": "postgres://user@host:5432/db", "schema": "run_pendulum_…" }
 *
 * so that `resume`, `serve`, `labellers`, `export` and `--preferences` find the store from the
 * folder alone. The URL is kept without its password: give that with --store, BACKFLIP_STORE,
 * PGPASSWORD or ~/.pgpass. A folder without store.json keeps its store in `store.sqlite`, as
 * every run did before.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import pg from "pg";
import { checkSchemaName, isPostgresUrl, redactUrl } from "./postgres.ts";
import { type OpenOptions, PreferenceStore, type StoreLocation } from "./preference_store.ts";

export const STORE_FILE = "store.json";
export const SQLITE_FILE = "store.sqlite";
/** The environment variable that names the store for new runs (and a password for old ones). */
export const STORE_ENV = "BACKFLIP_STORE";

/** A run folder's store cannot be found or used; the message says what to do. */
export class RunStoreError extends Error {}

/** What store.json holds. */
export type RunStoreRecord = { kind: "postgres"; url: string; schema: string };

/** `--store` as given, else BACKFLIP_STORE, else undefined (a new run keeps SQLite). */
export function storeFromEnv(given?: string): string | undefined {
  const value = given ?? process.env[STORE_ENV];
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

/** Throws RunStoreError unless `url` is a Postgres URL. */
export function checkStoreUrl(url: string, what = "--store"): void {
  if (!isPostgresUrl(url)) {
    throw new RunStoreError(
      `${what} must be a Postgres URL like postgres://user@host:5432/db, not '${redactUrl(url)}'; without it a run keeps its store in its folder (store.sqlite)`,
    );
  }
  try {
    new URL(url);
  } catch {
    throw new RunStoreError(`${what}: '${redactUrl(url)}' is not a valid URL`);
  }
}

/** Whether `dir` holds a run's store (store.json or store.sqlite). */
export function hasRunStore(dir: string): boolean {
  return existsSync(join(dir, STORE_FILE)) || existsSync(join(dir, SQLITE_FILE));
}

/** The folder's store.json, checked; null when it has none. */
export function readRunStore(dir: string): RunStoreRecord | null {
  const path = join(dir, STORE_FILE);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
  let record: Partial<RunStoreRecord>;
  try {
    record = JSON.parse(text) as Partial<RunStoreRecord>;
  } catch {
    throw new RunStoreError(`${path} is not JSON; it should name the run's Postgres store`);
  }
  if (
    record?.kind !== "postgres" ||
    typeof record.url !== "string" ||
    !isPostgresUrl(record.url) ||
    typeof record.schema !== "string"
  ) {
    throw new RunStoreError(
      `${path} should be {"kind": "postgres", "url": "postgres://…", "schema": "…"}`,
    );
  }
  checkSchemaName(record.schema);
  return { kind: "postgres", url: record.url, schema: record.schema };
}

/**
 * Where a new run in `dir` keeps its store: with a Postgres URL, a new schema named after the
 * folder (plus a random part, so that two folders of one name on two machines never share it);
 * without one, `dir/store.sqlite`.
 */
export function newRunLocation(dir: string, url?: string): StoreLocation {
  if (url === undefined) return { kind: "sqlite", path: join(dir, SQLITE_FILE) };
  checkStoreUrl(url);
  const slug = basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 40);
  const schema = `run_${slug ? `${slug}_` : ""}${randomBytes(4).toString("hex")}`;
  return { kind: "postgres", url, schema };
}

/** Writes store.json for a run on Postgres (the URL without its password). */
export function writeRunStore(dir: string, location: StoreLocation & { kind: "postgres" }): void {
  const record: RunStoreRecord = {
    kind: "postgres",
    url: redactUrl(location.url),
    schema: location.schema,
  };
  writeFileSync(join(dir, STORE_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

/**
 * Where the run in `dir` keeps its store. For a run on Postgres the connection URL is `given`
 * (--store) when there is one; else BACKFLIP_STORE when it names the same database as the folder
 * (it may carry the password); else the folder's own. `given` for a SQLite run is an error.
 */
export function runStoreLocation(dir: string, given?: string): StoreLocation {
  const record = readRunStore(dir);
  if (record) {
    if (given !== undefined) {
      checkStoreUrl(given);
      return { kind: "postgres", url: given, schema: record.schema };
    }
    const env = storeFromEnv();
    const url = env !== undefined && sameDatabase(env, record.url) ? env : record.url;
    return { kind: "postgres", url, schema: record.schema };
  }
  if (existsSync(join(dir, SQLITE_FILE))) {
    if (given !== undefined) {
      throw new RunStoreError(
        `'${dir}' keeps its store in ${SQLITE_FILE}, so --store does not apply; --store chooses the store of a new run ('backflip train --store …')`,
      );
    }
    return { kind: "sqlite", path: join(dir, SQLITE_FILE) };
  }
  throw new RunStoreError(
    `'${dir}' has no ${SQLITE_FILE}, so it is not a run directory (nor ${STORE_FILE}, which a run on Postgres has); start one with 'backflip train'`,
  );
}

/** Opens the store at `location`. */
export function openStoreAt(
  location: StoreLocation,
  options: OpenOptions = {},
): Promise<PreferenceStore> {
  return location.kind === "sqlite"
    ? PreferenceStore.open(location.path, options)
    : PreferenceStore.open(location.url, { ...options, schema: location.schema });
}

/** Opens the store of the run in `dir` (see runStoreLocation). */
export function openRunStore(
  dir: string,
  given?: string,
  options: OpenOptions = {},
): Promise<PreferenceStore> {
  return openStoreAt(runStoreLocation(dir, given), options);
}

/**
 * Removes a store that a run failed to start with: the SQLite files, or the Postgres schema and
 * store.json. Only for a store made moments ago by the caller.
 */
export async function removeNewStore(dir: string, location: StoreLocation): Promise<void> {
  if (location.kind === "sqlite") {
    for (const suffix of ["", "-wal", "-shm"]) rmSync(`${location.path}${suffix}`, { force: true });
    return;
  }
  rmSync(join(dir, STORE_FILE), { force: true });
  const client = new pg.Client({ connectionString: location.url });
  client.on("error", () => {});
  try {
    await client.connect();
    checkSchemaName(location.schema);
    await client.query(`drop schema if exists ${location.schema} cascade`);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Whether two Postgres URLs name the same database (host, port, database and user). */
function sameDatabase(a: string, b: string): boolean {
  try {
    const [x, y] = [new URL(a), new URL(b)];
    const key = (u: URL) => [u.hostname, u.port || "5432", u.pathname, u.username].join("\n");
    return isPostgresUrl(a) && key(x) === key(y);
  } catch {
    return false;
  }
}
