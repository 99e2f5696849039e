/**
 * SQLite wiring: the only SQLite-specific code in the store. WAL lets the web server read while
 * the trainer writes; synchronous=FULL makes every commit durable before it is acknowledged; write
 * transactions begin IMMEDIATE so that two processes never deadlock upgrading a read lock.
 */
import Database from "better-sqlite3";
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from "kysely";

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

/** Opens (creating if needed) a SQLite database file as a Kysely instance. */
export function openSqlite<DB>(path: string, busyTimeoutMs = 10_000): Kysely<DB> {
  const database = new Database(path, { timeout: busyTimeoutMs });
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = FULL");
  database.pragma("foreign_keys = ON");
  return new Kysely<DB>({ dialect: new ImmediateSqliteDialect({ database }) });
}
