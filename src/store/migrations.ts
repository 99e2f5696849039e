/**
 * The store's schema, as an ordered list of named migrations. Opening a database applies the
 * ones it lacks, in order, and records each in `kysely_migration`. Never edit a migration that has
 * shipped: append a new one. Only portable SQL here; what differs between SQLite and Postgres
 * (binary and auto-increment columns) comes from `SqlFlavor`.
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from "kysely";

export type SqlFlavor = "sqlite" | "postgres";

export type StoreMigration = {
  name: string;
  up(db: Kysely<unknown>, flavor: SqlFlavor): Promise<void>;
};

const binaryType = (flavor: SqlFlavor) => (flavor === "postgres" ? "bytea" : "blob");
const idType = (flavor: SqlFlavor) => (flavor === "postgres" ? "serial" : "integer");

export const MIGRATIONS: StoreMigration[] = [
  {
    name: "0001_initial",
    async up(db, flavor) {
      await db.schema
        .createTable("clips")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("env_id", "text", (c) => c.notNull())
        .addColumn("policy_version", "integer", (c) => c.notNull())
        .addColumn("env_step", "bigint", (c) => c.notNull())
        .addColumn("length", "integer", (c) => c.notNull())
        .addColumn("data", binaryType(flavor), (c) => c.notNull())
        .addColumn("frames", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("queries")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("left_clip", "text", (c) => c.notNull().references("clips.id"))
        .addColumn("right_clip", "text", (c) => c.notNull().references("clips.id"))
        .addColumn("disagreement", "double precision", (c) => c.notNull())
        .addColumn("phase", "text", (c) => c.notNull())
        .addColumn("repeat_of", "text", (c) => c.references("queries.id"))
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addCheckConstraint("queries_phase", sql`phase in ('pretrain', 'online')`)
        .execute();
      await db.schema
        .createTable("answers")
        .addColumn("id", idType(flavor), (c) =>
          flavor === "sqlite" ? c.primaryKey().autoIncrement() : c.primaryKey(),
        )
        .addColumn("query_id", "text", (c) => c.notNull().references("queries.id"))
        .addColumn("answer", "text", (c) => c.notNull())
        .addColumn("labeller", "text", (c) => c.notNull())
        .addColumn("time", "bigint", (c) => c.notNull())
        .addColumn("request_id", "text", (c) => c.notNull().unique())
        .addColumn("undone_at", "bigint")
        .addCheckConstraint(
          "answers_answer",
          sql`answer in ('left', 'right', 'equal', 'cant_tell')`,
        )
        .execute();
      await db.schema
        .createTable("labellers")
        .addColumn("id", idType(flavor), (c) =>
          flavor === "sqlite" ? c.primaryKey().autoIncrement() : c.primaryKey(),
        )
        .addColumn("name", "text", (c) => c.notNull().unique())
        .addColumn("token_hash", "text", (c) => c.notNull().unique())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("leases")
        .addColumn("lease_id", "text", (c) => c.primaryKey())
        .addColumn("query_id", "text", (c) => c.notNull().references("queries.id"))
        .addColumn("labeller", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("expires_at", "bigint", (c) => c.notNull())
        .addColumn("answer_id", "integer", (c) => c.references("answers.id"))
        .execute();
      await db.schema
        .createTable("run_meta")
        .addColumn("key", "text", (c) => c.primaryKey())
        .addColumn("value", "text", (c) => c.notNull())
        .execute();
    },
  },
  {
    name: "0002_indexes",
    async up(db) {
      await db.schema.createIndex("answers_query").on("answers").column("query_id").execute();
      await db.schema
        .createIndex("answers_labeller")
        .on("answers")
        .columns(["labeller", "id"])
        .execute();
      await db.schema.createIndex("leases_query").on("leases").column("query_id").execute();
      await db.schema
        .createIndex("queries_created")
        .on("queries")
        .columns(["created_at", "id"])
        .execute();
    },
  },
  {
    // For the labelling server: handing out the oldest open query without scanning every
    // answered one (a live-answer count per query and a partial index of open queries), finding
    // a query's repeats, and r̂ per step of a clip.
    name: "0003_server",
    async up(db) {
      await db.schema
        .alterTable("queries")
        .addColumn("live_answers", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
      await sql`update queries set live_answers = (
          select count(*) from answers a where a.query_id = queries.id and a.undone_at is null)`.execute(
        db,
      );
      await sql`create index queries_open on queries (created_at, id) where live_answers = 0`.execute(
        db,
      );
      await db.schema.createIndex("queries_repeat_of").on("queries").column("repeat_of").execute();
      await db.schema
        .createTable("clip_predictions")
        .addColumn("clip_id", "text", (c) => c.primaryKey().references("clips.id"))
        .addColumn("predicted", "text", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
    },
  },
  {
    // Answers and leases keyed by who gave them, not by bare name: a person by their labeller
    // id, the owner, a synthetic teacher or an import by kind and name. A labeller named
    // 'oracle' can then never undo, count or block on the oracle's answers. Labellers can be
    // removed (their token dies, their row and answers stay), so token_hash becomes nullable.
    name: "0004_labeller_identity",
    async up(db, flavor) {
      await inOneTransaction(db, async (trx) => {
        if (flavor === "postgres") {
          await trx.schema
            .alterTable("labellers")
            .alterColumn("token_hash", (c) => c.dropNotNull())
            .execute();
          await trx.schema.alterTable("labellers").addColumn("removed_at", "bigint").execute();
        } else {
          // SQLite cannot drop NOT NULL in place: copy into a new table. Nothing references
          // labellers yet, so dropping the old one breaks no foreign key.
          await trx.schema
            .createTable("labellers_new")
            .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
            .addColumn("name", "text", (c) => c.notNull().unique())
            .addColumn("token_hash", "text", (c) => c.unique())
            .addColumn("created_at", "bigint", (c) => c.notNull())
            .addColumn("removed_at", "bigint")
            .execute();
          await sql`insert into labellers_new (id, name, token_hash, created_at)
            select id, name, token_hash, created_at from labellers`.execute(trx);
          await trx.schema.dropTable("labellers").execute();
          await trx.schema.alterTable("labellers_new").renameTo("labellers").execute();
        }
        for (const table of ["answers", "leases"]) {
          await trx.schema
            .alterTable(table)
            .addColumn("labeller_kind", "text", (c) =>
              c
                .notNull()
                .defaultTo("teacher")
                .check(sql`labeller_kind in ('person', 'owner', 'teacher', 'import')`),
            )
            .execute();
          await trx.schema
            .alterTable(table)
            .addColumn("labeller_id", "integer", (c) => c.references("labellers.id"))
            .execute();
        }
        // Only the server took leases, for the owner or a registered labeller.
        await sql`update leases set labeller_kind = 'owner' where labeller = 'owner'`.execute(trx);
        await sql`update leases
          set labeller_kind = 'person',
              labeller_id = (select p.id from labellers p where p.name = leases.labeller)
          where labeller <> 'owner'
            and exists (select 1 from labellers p where p.name = leases.labeller)`.execute(trx);
        // An answer given on a lease is its holder's; one recorded directly is a synthetic
        // teacher's (the default), or an import's, whose request ids start 'import:'.
        await sql`update answers set labeller_kind = 'import'
          where request_id like 'import:%'`.execute(trx);
        await sql`update answers
          set labeller_kind = (select l.labeller_kind from leases l where l.answer_id = answers.id),
              labeller_id = (select l.labeller_id from leases l where l.answer_id = answers.id)
          where exists (select 1 from leases l where l.answer_id = answers.id)`.execute(trx);
        await trx.schema
          .createIndex("answers_labeller_ref")
          .on("answers")
          .columns(["labeller_kind", "labeller_id", "labeller", "id"])
          .execute();
        await trx.schema
          .createIndex("leases_labeller_ref")
          .on("leases")
          .columns(["labeller_kind", "labeller_id", "labeller", "expires_at"])
          .execute();
      });
    },
  },
  {
    // Concurrent servers on Postgres take leases with FOR UPDATE SKIP LOCKED. For that, whether a
    // query is leased must be on the query row itself: a transaction that locks a row another
    // one leased and committed meanwhile re-checks only that row's columns. `leased_until` is
    // when the query's current unanswered lease ends (null: none, or answered).
    name: "0005_leased_until",
    async up(db) {
      await db.schema.alterTable("queries").addColumn("leased_until", "bigint").execute();
      await sql`update queries set leased_until = (
          select max(l.expires_at) from leases l
          where l.query_id = queries.id and l.answer_id is null)`.execute(db);
    },
  },
];

/** Runs `fn` in a transaction, or in the one `db` already is (Postgres migrations run in one). */
async function inOneTransaction(
  db: Kysely<unknown>,
  fn: (trx: Kysely<unknown>) => Promise<void>,
): Promise<void> {
  if (db.isTransaction) await fn(db);
  else await db.transaction().execute(fn);
}

/** Applies the migrations `db` lacks. Returns the names applied now, in order. */
export async function migrate<DB>(
  db: Kysely<DB>,
  flavor: SqlFlavor,
  migrations: StoreMigration[] = MIGRATIONS,
  /** Postgres: the run's schema, which also holds the record of applied migrations. */
  schema?: string,
): Promise<string[]> {
  const provider: MigrationProvider = {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const m of migrations) out[m.name] = { up: (d) => m.up(d, flavor) };
      return out;
    },
  };
  // Kysely runs migrations sorted by name; the list must already be in that order.
  const names = migrations.map((m) => m.name);
  const sorted = [...names].sort();
  if (names.some((n, i) => n !== sorted[i])) {
    throw new Error(`migrations must be listed in name order: ${names.join(", ")}`);
  }
  // On Postgres the record lives in the run's own schema: Kysely would otherwise take another
  // run's `kysely_migration` table, in any schema, for this one's.
  const migrator = new Migrator({ db, provider, migrationTableSchema: schema });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName;
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`store migration ${failed ?? "?"} failed: ${detail}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/** Names of the migrations recorded as applied, in order. */
export async function appliedMigrations<DB>(db: Kysely<DB>): Promise<string[]> {
  const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
    db,
  );
  return rows.rows.map((r) => r.name);
}
