/**
 * A sweep survives a worker killed with kill -9. Six Pendulum-v1 oracle runs (seeds 1–6, 20k steps,
 * 100 labels) are queued with `backflip sweep add`; two `backflip worker`s share one runs folder.
 * Once worker A is into its second run and that run has a checkpoint of RL steps, A is killed with
 * SIGKILL. Worker B (`--drain`) declares A lost when its lease runs out, takes the run over and
 * resumes it from the checkpoint, and trains what is left. Checks: all 6 runs done, each finished
 * by exactly one attempt, each with its full steps and labels, and no two attempts at a run
 * overlapping. Writes experiments/results/sweep_worker_killed.{json,md} and prints `sweep status`.
 *
 *   node --import tsx experiments/sweep_worker_killed.ts [--db postgres://…] [--lease 10]
 *
 * Without --db (or BACKFLIP_SWEEP_DB) it starts a throwaway Postgres (test/support/postgres.ts).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  type AttemptRow,
  listAttempts,
  listRuns,
  type RunRow,
  SweepDb,
} from "../src/sweep/index.ts";
import { freshDatabase } from "../test/support/postgres.ts";

const { values } = parseArgs({
  options: { db: { type: "string" }, lease: { type: "string", default: "10" } },
});
const SPEC = {
  name: `killed-${new Date().toISOString().replace(/\D/g, "").slice(0, 14)}`,
  env: ["Pendulum-v1"],
  teacher: ["oracle"],
  labels: [100],
  seeds: [1, 2, 3, 4, 5, 6],
  steps: 20_000,
  flags: { "checkpoint-every": 2 },
};
const BIN = join(import.meta.dirname, "..", "bin", "backflip.js");
const RESULTS = join(import.meta.dirname, "results");

type Proc = { child: ChildProcess; log: () => string; exited: Promise<number | null> };

function start(args: string[]): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const keep = (d: Buffer) => {
    log += d;
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  return { child, log: () => log, exited };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether the process runs: a zombie (dead, not yet reaped by init) does not count. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
  } catch {
    return process.platform !== "linux";
  }
}

/** Env steps of the last complete row of metrics.jsonl (0 without one). */
function stepsInMetrics(runDir: string): number {
  const path = join(runDir, "metrics.jsonl");
  if (!existsSync(path)) return 0;
  for (const line of readFileSync(path, "utf8").split("\n").filter(Boolean).reverse()) {
    try {
      return (JSON.parse(line) as { steps: number }).steps;
    } catch {} // a row cut off by the kill
  }
  return 0;
}

function checkpointSteps(runDir: string): number | null {
  try {
    return (
      JSON.parse(readFileSync(join(runDir, "checkpoint.json"), "utf8")) as { envSteps: number }
    ).envSteps;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const given = values.db ?? process.env.BACKFLIP_SWEEP_DB;
  const throwaway = given ? null : await freshDatabase("sweep_worker_killed");
  if (throwaway?.skip) throw new Error(throwaway.skip);
  const url = given ?? throwaway!.url;
  const scratch = mkdtempSync(join(tmpdir(), "backflip-sweep-killed-"));
  const runs = join(scratch, "runs");
  const specPath = join(scratch, "spec.json");
  writeFileSync(specPath, JSON.stringify(SPEC, null, 2));

  const added = spawnSync(process.execPath, [BIN, "sweep", "add", specPath, "--db", url], {
    encoding: "utf8",
  });
  if (added.status !== 0) throw new Error(`sweep add failed: ${added.stderr}`);
  console.log(added.stdout.trim());

  const db = await SweepDb.open(url);
  const startedAt = Date.now();
  const worker = (...extra: string[]) =>
    start(["worker", "--db", url, "--runs", runs, "--lease", values.lease, ...extra]);
  const a = worker();
  const b = worker("--drain");

  // Kill A once it is into its second run, a second after that run checkpointed a quarter of
  // its steps: some RL is saved, some is lost and done again.
  let victim: {
    run: string;
    childLingerSeconds: number;
    checkpointSteps: number;
    stepsAtKill: number;
    atSeconds: number;
    aFinished: number;
  } | null = null;
  let due: { run: string; at: number } | null = null;
  while (victim === null) {
    const rows = await listRuns(db, SPEC.name);
    const attempts = await listAttempts(db, SPEC.name);
    const aId = workerId(a);
    const mine = aId ? attempts.filter((x) => x.worker === aId) : [];
    const current = mine.find((x) => x.outcome === null);
    if (current && mine.length >= 2) {
      const runDir = join(runs, current.run);
      const steps = checkpointSteps(runDir);
      if (due === null && steps !== null && steps >= SPEC.steps / 4) {
        due = { run: current.run, at: Date.now() + 1000 };
      }
      if (due?.run === current.run && Date.now() >= due.at) {
        const child = Number(readFileSync(join(runDir, "LOCK"), "utf8"));
        a.child.kill("SIGKILL");
        const killedAt = Date.now();
        // The run's process dies with its worker (at once on Linux, by its parent-death signal;
        // elsewhere at its next turn of the event loop): only then is the folder what B finds.
        while (isAlive(child)) await sleep(5);
        victim = {
          run: current.run,
          childLingerSeconds: (Date.now() - killedAt) / 1000,
          checkpointSteps: checkpointSteps(runDir)!,
          stepsAtKill: stepsInMetrics(runDir),
          atSeconds: (killedAt - startedAt) / 1000,
          aFinished: mine.filter((x) => x.outcome === "done").length,
        };
      }
    }
    const failed = rows.filter((r) => r.state === "failed");
    if (failed.length > 0) throw new Error(`${failed[0].name} failed: ${failed[0].error}`);
    if (rows.every((r) => r.state === "done")) throw new Error("A was never caught mid-run");
    await sleep(50);
  }
  await a.exited;
  console.log(
    `killed worker A (kill -9) at ${victim.atSeconds.toFixed(1)} s, during ${victim.run}; its run died ${victim.childLingerSeconds.toFixed(2)} s later at ${victim.stepsAtKill} steps, its checkpoint at ${victim.checkpointSteps}`,
  );

  const bExit = await b.exited;
  const wallSeconds = (Date.now() - startedAt) / 1000;
  const rows = await listRuns(db, SPEC.name);
  const attempts = await listAttempts(db, SPEC.name);
  const workers = (
    await db.pool.query<{ id: string; state: string; heartbeat_at: Date; ended_at: Date | null }>(
      "select id, state, heartbeat_at, ended_at from backflip.sweep_workers where started_at >= $1",
      [new Date(startedAt)],
    )
  ).rows;
  const status = spawnSync(
    process.execPath,
    [BIN, "sweep", "status", "--db", url, "--sweep", SPEC.name, "--attempts"],
    { encoding: "utf8" },
  ).stdout;
  await db.close();
  await throwaway?.drop();

  const perRun = rows.map((r) => checkRun(r, attempts, runs));
  const killedAttempts = attempts.filter((x) => x.run === victim.run);
  const lost = killedAttempts.find((x) => x.outcome === "lost");
  const takeover = killedAttempts.find((x) => x.attempt === (lost?.attempt ?? 0) + 1);
  const aRow = workers.find((w) => w.id === lost?.worker);
  const killedAt = startedAt + victim.atSeconds * 1000;
  const seconds = (from: number, to: Date | string | null | undefined) =>
    to ? (new Date(to).getTime() - from) / 1000 : null;
  const failed = perRun.flatMap((r) => r.failed.map((f) => `${r.name}: ${f}`));
  if (bExit !== 0) failed.push(`worker B exit ${bExit}`);
  if (rows.length !== SPEC.seeds.length) failed.push(`${rows.length} runs`);
  if (!lost) failed.push("no attempt was lost");
  if (takeover?.how !== "resume") failed.push(`the takeover was ${takeover?.how ?? "missing"}`);
  if (aRow?.state !== "lost") failed.push(`worker A is ${aRow?.state}, not lost`);
  const summary = {
    spec: SPEC,
    leaseSeconds: Number(values.lease),
    workers: 2,
    killed: {
      ...victim,
      worker: lost?.worker ?? null,
      workerState: aRow?.state ?? null,
      /** From the kill to B declaring A lost: the lease, less the time since A's last beat, plus up to a beat. */
      killToLostSeconds: seconds(killedAt, aRow?.ended_at),
      /** From the kill to B's attempt at the run (B was busy with its own run until then). */
      killToTakeoverSeconds: seconds(killedAt, takeover?.startedAt),
      resumedFromSteps: takeover?.fromSteps ?? null,
      /** Steps trained after the checkpoint and lost with A. */
      lostSteps: victim.stepsAtKill - victim.checkpointSteps,
    },
    finishedByA: victim.aFinished,
    finishedByB: attempts.filter((x) => x.outcome === "done" && x.worker !== lost?.worker).length,
    wallSeconds,
    runs: perRun,
    attempts,
    status,
    failedChecks: failed,
    checksPassed: failed.length === 0,
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, "sweep_worker_killed.json"), `${JSON.stringify(summary, null, 1)}\n`);
  writeFileSync(join(RESULTS, "sweep_worker_killed.md"), markdown(summary));
  console.log(`\n$ backflip sweep status --sweep ${SPEC.name} --attempts\n${status}`);
  console.log(failed.length === 0 ? "all checks pass" : `FAILED CHECKS:\n  ${failed.join("\n  ")}`);
  if (failed.length > 0) process.exitCode = 1;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The worker id a worker printed when it started. */
function workerId(proc: Proc): string | null {
  return /worker (\S+): runs in/.exec(proc.log())?.[1] ?? null;
}

type RunCheck = {
  name: string;
  seed: number;
  state: string;
  attempts: number;
  doneAttempts: number;
  evalReturn: number | null;
  wallSeconds: number | null;
  steps: number | null;
  labels: number | null;
  failed: string[];
};

function checkRun(row: RunRow, attempts: AttemptRow[], runs: string): RunCheck {
  const mine = attempts.filter((x) => x.run === row.name).sort((p, q) => p.attempt - q.attempt);
  const done = mine.filter((x) => x.outcome === "done");
  const path = join(runs, row.name, "result.json");
  const result = existsSync(path)
    ? (JSON.parse(readFileSync(path, "utf8")) as { steps: number; labels: number })
    : null;
  const failed: string[] = [];
  if (row.state !== "done") failed.push(`state ${row.state}`);
  if (done.length !== 1) failed.push(`${done.length} attempts finished it`);
  if (!result || result.steps < SPEC.steps) failed.push(`steps ${result?.steps}`);
  if (result?.labels !== SPEC.labels[0]) failed.push(`labels ${result?.labels}`);
  for (let i = 1; i < mine.length; i++) {
    const before = mine[i - 1].endedAt;
    if (before === null || Date.parse(before) > Date.parse(mine[i].startedAt)) {
      failed.push(`attempts ${i} and ${i + 1} overlap`);
    }
  }
  return {
    name: row.name,
    seed: row.seed,
    state: row.state,
    attempts: row.attempts,
    doneAttempts: done.length,
    evalReturn: row.evalReturn,
    wallSeconds: row.wallSeconds,
    steps: result?.steps ?? null,
    labels: result?.labels ?? null,
    failed,
  };
}

function markdown(s: {
  spec: typeof SPEC;
  leaseSeconds: number;
  killed: {
    run: string;
    childLingerSeconds: number;
    checkpointSteps: number;
    stepsAtKill: number;
    atSeconds: number;
    killToLostSeconds: number | null;
    killToTakeoverSeconds: number | null;
    resumedFromSteps: number | null;
  };
  finishedByA: number;
  finishedByB: number;
  wallSeconds: number;
  runs: RunCheck[];
  status: string;
  checksPassed: boolean;
  failedChecks: string[];
}): string {
  const f1 = (x: number | null) => (x === null ? "–" : x.toFixed(1));
  return [
    "# A sweep with a worker killed",
    "",
    `Six Pendulum-v1 oracle runs (seeds 1–6, ${s.spec.steps} steps, ${s.spec.labels[0]} labels,`,
    `\`--checkpoint-every ${s.spec.flags["checkpoint-every"]}\`) on two \`backflip worker\`s with a`,
    `${s.leaseSeconds} s lease, one runs folder. Produced by \`experiments/sweep_worker_killed.ts\`.`,
    "",
    `Worker A was killed with kill -9 ${f1(s.killed.atSeconds)} s in, during its second run`,
    `(${s.killed.run}). The run's own process died with it ${s.killed.childLingerSeconds.toFixed(2)} s later (its`,
    `parent-death signal), at ${s.killed.stepsAtKill} steps with its checkpoint at ${s.killed.checkpointSteps}.`,
    `Worker B declared A lost ${f1(s.killed.killToLostSeconds)} s after the kill (its lease ran out),`,
    `put the run back in the queue, took it ${f1(s.killed.killToTakeoverSeconds)} s after the kill, once its`,
    `own run was done, and resumed it from ${s.killed.resumedFromSteps ?? "–"} steps. A finished`,
    `${plural(s.finishedByA, "run")}, B ${s.finishedByB}; the sweep took ${f1(s.wallSeconds)} s. Wall s below runs from a`,
    "run's first start to its end, so the killed run's includes the wait for B. 20k steps are far",
    "too few for Pendulum to learn (it needs about 100k, experiments/core_loop.ts): the returns are",
    "not the point here.",
    "",
    "| run | seed | attempts | attempts that finished it | steps | labels | eval return | wall s | checks |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...s.runs.map(
      (r) =>
        `| ${r.name} | ${r.seed} | ${r.attempts} | ${r.doneAttempts} | ${r.steps ?? "–"} | ${r.labels ?? "–"} | ${f1(r.evalReturn)} | ${f1(r.wallSeconds)} | ${r.failed.length === 0 ? "pass" : r.failed.join("; ")} |`,
    ),
    "",
    s.checksPassed ? "All checks pass." : `FAILED: ${s.failedChecks.join("; ")}`,
    "",
    "`backflip sweep status --attempts` at the end:",
    "",
    "```",
    s.status.trimEnd(),
    "```",
    "",
  ].join("\n");
}

await main();
