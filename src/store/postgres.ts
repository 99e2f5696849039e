/**
 * Postgres wiring: the only Postgres-specific connection code in the store. Each run keeps its
 * tables in a schema of its own (`run_<name>_<random>`), so many runs share one database while
 * every query stays the same as on SQLite: each pooled connection starts with its `search_path`
 * set to the run's schema.
 */
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresDialect,
  type PostgresDialectConfig,
  PostgresDriver,
  type QueryResult,
} from "kysely";
import pg from "pg";
import { StoreBusyError, UnstorableTextError } from "./errors.ts";

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
  return new Kysely<DB>({ dialect: new BusyAwareDialect({ pool }) });
}

/** Node's and libpq's words for a server that cannot be reached or went away. */
const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

/**
 * Whether `error` means "the database cannot serve right now" rather than "this request is
 * wrong": connection failures, SQLSTATE classes 08 (connection), 53 (resources: too many
 * connections) and 57P (shutting down or starting), lock timeouts, and lost races (40001, 40P01)
 * once retrying has given up.
 */
export function isUnavailable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : "";
  if (UNREACHABLE.has(code)) return true;
  if (/^(08|53|57P)/.test(code) || ["40001", "40P01", "55P03"].includes(code)) return true;
  const message = typeof e?.message === "string" ? e.message : "";
  return /Connection terminated|timeout exceeded when trying to connect|connection error/i.test(
    message,
  );
}

/** `error` as a StoreBusyError when the database is unavailable (see isUnavailable), else as is. */
export function asBusy(error: unknown): unknown {
  return isUnavailable(error) ? new StoreBusyError(error) : error;
}

/**
 * Kysely's Postgres dialect, with errors of an unavailable database turned into StoreBusyError,
 * so that a server answers them with 503 and Retry-After instead of a 500.
 */
class BusyAwareDialect extends PostgresDialect {
  readonly #config: PostgresDialectConfig;
  constructor(config: PostgresDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new BusyAwareDriver(this.#config);
  }
}

class BusyAwareDriver extends PostgresDriver {
  readonly #patched = new WeakSet<DatabaseConnection>();

  override async acquireConnection(): Promise<DatabaseConnection> {
    let connection: DatabaseConnection;
    try {
      connection = await super.acquireConnection();
    } catch (error) {
      throw asBusy(error);
    }
    // Kysely keeps one connection object per pooled client and releases it by identity, so the
    // object is patched in place rather than wrapped.
    if (!this.#patched.has(connection)) {
      const execute = connection.executeQuery.bind(connection);
      connection.executeQuery = async <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
        try {
          return await execute<R>(query);
        } catch (error) {
          // Lost races stay as they are here: the store's transactions retry those.
          const code = (error as { code?: unknown } | null)?.code;
          if (code === "40001" || code === "40P01") throw error;
          // SQLite stores a NUL in text, Postgres refuses it: a client's input, so a 400.
          if (code === "22021" || code === "22P05") throw new UnstorableTextError(error);
          throw asBusy(error);
        }
      };
      this.#patched.add(connection);
    }
    return connection;
  }
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
