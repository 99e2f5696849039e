/**
 * Postgres for tests: a fresh database per test file, dropped after.
 *
 * The server is BACKFLIP_TEST_PG (a URL to any database on it, e.g. the one `.ci/run` starts:
 * postgres://postgres@localhost:PORT/postgres). Without it, a throwaway cluster is started from an
 * installed PostgreSQL (Debian's /usr/lib/postgresql/N/bin, or initdb on the PATH) in a temporary
 * folder on a free port; as root it runs as the `postgres` user, since Postgres refuses root. Only
 * when neither is possible are the tests skipped, with the reason.
 *
 *   const pg = await freshDatabase("sweep");
 *   describe("sweeps", { skip: pg.skip }, () => { after(() => pg.drop()); … pg.url … });
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export type TestDatabase = {
  /** postgres://… of a database made for this file; empty when skipped. */
  url: string;
  /** Why the tests cannot run (give it to `describe`'s or `test`'s `skip`); false when they can. */
  skip: string | false;
  /** Drops the database. Safe to call twice. A cluster this process started stops when it exits. */
  drop(): Promise<void>;
};

const HOW =
  "set BACKFLIP_TEST_PG=postgres://user@host:port/db, or install PostgreSQL (apt-get install postgresql-15); see the README";

/** A new, empty database named after `label`; `skip` says why not when no server can be had. */
export async function freshDatabase(label: string): Promise<TestDatabase> {
  let server: Server;
  try {
    server = await findServer();
  } catch (error) {
    if (error instanceof NoPostgres) {
      const skip = `no Postgres: ${error.message}; ${HOW}`;
      console.error(`# skipped: ${skip}`);
      return { url: "", skip, drop: async () => {} };
    }
    throw error;
  }
  const name = `backflip_test_${label.replace(/\W+/g, "_")}_${randomBytes(4).toString("hex")}`;
  await admin(server.url, `create database ${name}`);
  let dropped = false;
  return {
    url: withDatabase(server.url, name),
    skip: false,
    async drop() {
      if (dropped) return;
      dropped = true;
      await admin(server.url, `drop database if exists ${name} with (force)`);
    },
  };
}

type Server = { url: string };

/** No server is given and none can be started here; the message says why. */
class NoPostgres extends Error {}

let started: Promise<Server> | null = null;

async function findServer(): Promise<Server> {
  const given = process.env.BACKFLIP_TEST_PG;
  if (given) {
    // Given on purpose (CI does): a server that cannot be reached is a failure, not a skip.
    await admin(given, "select 1").catch((error: Error) => {
      throw new Error(`BACKFLIP_TEST_PG=${given} cannot be reached: ${error.message}`);
    });
    return { url: given };
  }
  started ??= startCluster();
  return started;
}

/** A throwaway cluster in a temporary folder, stopped and removed when this process exits. */
async function startCluster(): Promise<Server> {
  const bin = postgresBin();
  const root = process.getuid?.() === 0;
  if (root && spawnSync("id", ["-u", "postgres"]).status !== 0) {
    throw new NoPostgres("running as root, and there is no 'postgres' user to run a cluster as");
  }
  const asPostgres = (tool: string, args: string[]) =>
    root
      ? execFileSync("runuser", ["-u", "postgres", "--", join(bin, tool), ...args], {
          stdio: "pipe",
        })
      : execFileSync(join(bin, tool), args, { stdio: "pipe" });
  const dir = mkdtempSync(join(tmpdir(), "backflip-pg-"));
  if (root) chownSync(dir, Number(execFileSync("id", ["-u", "postgres"]).toString().trim()), -1);
  const data = join(dir, "data");
  const port = await freePort();
  try {
    asPostgres("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
    const options = `-p ${port} -k ${dir} -c listen_addresses=localhost -c fsync=off`;
    asPostgres("pg_ctl", ["-D", data, "-o", options, "-l", join(dir, "log"), "-w", "start"]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`could not start a Postgres cluster with ${bin}: ${stderr || error}`);
  }
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      asPostgres("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  };
  process.on("exit", stop);
  // A process ended by a signal runs no exit handlers: stop the cluster, then die of the signal.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      stop();
      process.kill(process.pid, signal);
    });
  }
  return { url: `postgres://postgres@localhost:${port}/postgres` };
}

/** The folder of initdb and pg_ctl: the newest of Debian's, else the one on the PATH. */
function postgresBin(): string {
  const debian = "/usr/lib/postgresql";
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => existsSync(join(debian, v, "bin", "initdb")))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length > 0) return join(debian, versions[0], "bin");
  }
  const found = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" });
  if (found.status === 0 && existsSync(join(found.stdout.trim(), "initdb"))) {
    return found.stdout.trim();
  }
  throw new NoPostgres("BACKFLIP_TEST_PG is not set and no PostgreSQL is installed");
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The same server URL with another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
