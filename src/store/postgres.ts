/**
 * Postgres wiring: the only Postgres-specific connection code in the store. Each run keeps its
 * tables in a schema of its own (`run_<name>_<random>`), so many runs share one database while
 * every query stays the same as on SQLite: each pooled connection starts with its `search_path`
 * set to the run's schema.
 */
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";

/** Whether `target` names a Postgres database (`postgres://…` or `postgresql://…`). */
export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

const INT8 = 20;

/** A schema name we made: lower-case letters, digits and `_`, starting with a letter. */
const SCHEMA = /^[a-z][a-z0-9_]{0,62}$/;

export function checkSchemaName(schema: string): void {
  if (!SCHEMA.test(schema)) {
    throw new Error(
      `'${schema}' is not a usable schema name: use 1–63 lower-case letters, digits and '_', starting with a letter`,
    );
  }
}

export type PostgresOptions = {
  /** The run's schema; created if missing. */
  schema: string;
  /** Connections in the pool (default 8). */
  max?: number;
};

/** A pool on `url` whose connections see only `schema`, as a Kysely instance. */
export function openPostgres<DB>(url: string, options: PostgresOptions): Kysely<DB> {
  checkSchemaName(options.schema);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 8,
    // Checked above: plain lower-case, so no quoting is needed.
    options: `-c search_path=${options.schema}`,
    keepAlive: true,
    // A server that cannot be reached fails the request instead of hanging it.
    connectionTimeoutMillis: 10_000,
    // bigint columns hold times in ms and env steps, far below 2^53: read them as numbers.
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8
          ? Number
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client's error (the server restarting) must not crash the process; the next query
  // on the pool reports it.
  pool.on("error", () => {});
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}

/** The URL without its password, for messages and for the run folder's store.json. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password === "") return url;
    u.password = "";
    return u.toString();
  } catch {
    return url.replace(/(\/\/[^:/@]+):[^@]*@/, "$1@");
  }
}
