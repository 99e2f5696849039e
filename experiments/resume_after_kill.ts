/**
 * Does `backflip resume` carry on a run killed with SIGKILL at any moment? Three uninterrupted
 * Pendulum-v1 oracle runs (seeds 1–3) give the reference wall time and eval return; ten runs with
 * `--checkpoint-every 2` are then killed at moments spread over that wall time (one before the
 * first checkpoint, two in the middle of a checkpoint write), resumed, and their stores checked.
 * Last, a human run is killed after 20 answers, answered through `backflip serve` while it is
 * down, and resumed on the same link. Writes experiments/results/resume_after_kill.{json,md}.
 *
 *   node --import tsx experiments/resume_after_kill.ts
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import Database from "better-sqlite3";
import { PreferenceStore } from "../src/store/index.ts";
import { OracleTeacher } from "../src/teachers/oracle.ts";

const BIN = join(import.meta.dirname, "..", "bin", "backflip.js");
const RESULTS = join(import.meta.dirname, "results");
const SEEDS = [1, 2, 3];
const ORACLE = { labels: 500, steps: 100_000 };
const HUMAN = { labels: 40, steps: 20_000, killAfter: 20 };
/** How often the watcher looks at the run folder while waiting for its moment. */
const POLL_MS = 2;
/** Tries for a kill that must land in a given window (a checkpoint write, before the first one). */
const TRIES = 5;

// ---- the commands (the only place they are built) ------------------------------------------

const command = {
  train: (run: string, seed: number, extra: string[] = []) => [
    "train",
    ...["--env", "Pendulum-v1", "--teacher", "oracle"],
    ...["--labels", String(ORACLE.labels), "--steps", String(ORACLE.steps)],
    ...["--seed", String(seed), "--json", "--run", run, ...extra],
  ],
  killable: (run: string, seed: number) => command.train(run, seed, ["--checkpoint-every", "2"]),
  resume: (run: string) => ["resume", run, "--json"],
  humanTrain: (run: string) => [
    "train",
    ...["--env", "Pendulum-v1", "--teacher", "human"],
    ...["--labels", String(HUMAN.labels), "--steps", String(HUMAN.steps), "--run", run],
  ],
  serve: (run: string, port: number) => ["serve", run, "--port", String(port)],
};

// ---- processes -------------------------------------------------------------------------------

type Exit = { code: number | null; signal: NodeJS.Signals | null };
type Proc = {
  child: ChildProcess;
  /** Date.now() when it was spawned. */
  startedAt: number;
  out: () => string;
  err: () => string;
  exited: Promise<Exit>;
};

function start(args: string[]): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => {
    out += d;
  });
  child.stderr!.on("data", (d) => {
    err += d;
  });
  const exited = new Promise<Exit>((done) =>
    child.on("exit", (code, signal) => done({ code, signal })),
  );
  return { child, startedAt: Date.now(), out: () => out, err: () => err, exited };
}

/** The `--json` result line of a finished run. */
function jsonResult(proc: Proc): RunResult {
  return JSON.parse(proc.out().trim().split("\n").at(-1)!) as RunResult;
}

type RunResult = {
  steps: number;
  labels: number;
  wallSeconds: number;
  evalReturn: { mean: number };
  final: { trueReturn: number | null } | null;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves when `ready()` holds (checked every POLL_MS), or with false once `proc` has exited. */
async function waitFor(proc: Proc, ready: () => boolean): Promise<boolean> {
  let gone = false;
  proc.exited.then(() => {
    gone = true;
  });
  while (!gone) {
    if (ready()) return true;
    await sleep(POLL_MS);
  }
  return false;
}

// ---- the run folder, read from outside -------------------------------------------------------

type Pointer = { dir: string; envSteps: number; savedAt: number };

function readPointer(run: string): Pointer | null {
  try {
    return JSON.parse(readFileSync(join(run, "checkpoint.json"), "utf8")) as Pointer;
  } catch {
    return null;
  }
}

/** Checkpoint folders newer than the one checkpoint.json points at: a write in progress. */
function unpointedFolders(run: string): string[] {
  const dir = join(run, "checkpoints");
  if (!existsSync(dir)) return [];
  const pointed = basename(readPointer(run)?.dir ?? "");
  // Names are `<policy version, 7 digits>-<ms>`: a later checkpoint sorts after an earlier one.
  return readdirSync(dir).filter((name) => name > pointed);
}

/** Env steps of the last complete row of metrics.jsonl (0 without one). */
function stepsInMetrics(run: string): number {
  const path = join(run, "metrics.jsonl");
  if (!existsSync(path)) return 0;
  const lines = readFileSync(path, "utf8").split("\n").filter(Boolean).reverse();
  for (const line of lines) {
    try {
      return (JSON.parse(line) as { steps: number }).steps;
    } catch {} // a row cut off by the kill
  }
  return 0;
}

function liveAnswerCount(run: string): number {
  const path = join(run, "store.sqlite");
  if (!existsSync(path)) return 0;
  let db: Database.Database | null = null;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, timeout: 1 });
    return (db.prepare("select count(*) n from answers").get() as { n: number }).n;
  } catch {
    return 0; // not made yet, or locked for a moment
  } finally {
    db?.close();
  }
}

// ---- the store checks ------------------------------------------------------------------------

type StoreChecks = {
  originals: number;
  liveAnswers: number;
  queriesWithTwoLiveAnswers: number;
  duplicateRequestIds: number;
  /** Stored oracle answers that the oracle would not give on the stored clips. */
  oracleMismatches: number | null;
};

async function checkStore(run: string, oracle: boolean): Promise<StoreChecks> {
  const db = new Database(join(run, "store.sqlite"), { readonly: true });
  const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  const checks: StoreChecks = {
    originals: count("select count(*) n from queries where repeat_of is null"),
    liveAnswers: count("select count(*) n from answers where undone_at is null"),
    queriesWithTwoLiveAnswers: count(
      "select count(*) n from (select query_id from answers where undone_at is null group by query_id having count(*) > 1)",
    ),
    duplicateRequestIds: count(
      "select count(*) n from (select request_id from answers group by request_id having count(*) > 1)",
    ),
    oracleMismatches: null,
  };
  const answers = db
    .prepare("select query_id, answer from answers where undone_at is null")
    .all() as { query_id: string; answer: string }[];
  db.close();
  if (oracle) checks.oracleMismatches = await oracleMismatches(run, answers);
  return checks;
}

/** Relabels every stored query with the oracle, on the clips as stored, and counts disagreements. */
async function oracleMismatches(
  run: string,
  answers: { query_id: string; answer: string }[],
): Promise<number> {
  const store = await PreferenceStore.open(join(run, "store.sqlite"));
  const teacher = new OracleTeacher();
  let mismatches = 0;
  try {
    for (const a of answers) {
      const query = await store.getQuery(a.query_id);
      const [truth] = await teacher.label(query ? [query] : []);
      if (truth?.answer !== a.answer) mismatches++;
    }
  } finally {
    await store.close();
  }
  return mismatches;
}

function oracleChecksPass(c: StoreChecks, result: RunResult | null, exit: Exit): string[] {
  const failed: string[] = [];
  if (exit.code !== 0) failed.push(`exit ${exit.code ?? exit.signal}`);
  if (!result || result.steps < ORACLE.steps) failed.push(`steps ${result?.steps}`);
  if (result?.labels !== ORACLE.labels) failed.push(`result labels ${result?.labels}`);
  if (c.originals !== ORACLE.labels) failed.push(`${c.originals} queries without repeat_of`);
  if (c.liveAnswers !== ORACLE.labels) failed.push(`${c.liveAnswers} live answers`);
  if (c.queriesWithTwoLiveAnswers > 0)
    failed.push(`${c.queriesWithTwoLiveAnswers} doubly answered`);
  if (c.duplicateRequestIds > 0) failed.push(`${c.duplicateRequestIds} duplicate request ids`);
  if (c.oracleMismatches) failed.push(`${c.oracleMismatches} answers wrong for the stored clips`);
  return failed;
}

// ---- 1. uninterrupted runs -------------------------------------------------------------------

type Reference = {
  seed: number;
  evalReturn: number;
  /** True return of the episodes in the last update's rollout (training, not eval). */
  trainReturn: number | null;
  /** Seconds from spawn to exit. */
  processSeconds: number;
  /** Seconds from spawn until config.json appears: the run folder exists from then. */
  setupSeconds: number;
  result: RunResult;
  checks: StoreChecks;
};

async function uninterrupted(scratch: string, seed: number): Promise<Reference> {
  const run = join(scratch, `full-s${seed}`);
  const proc = start(command.train(run, seed));
  await waitFor(proc, () => existsSync(join(run, "config.json")));
  const setupSeconds = (Date.now() - proc.startedAt) / 1000;
  const exit = await proc.exited;
  if (exit.code !== 0) throw new Error(`uninterrupted seed ${seed} failed: ${proc.err()}`);
  const result = jsonResult(proc);
  return {
    seed,
    evalReturn: result.evalReturn.mean,
    trainReturn: result.final?.trueReturn ?? null,
    processSeconds: (Date.now() - proc.startedAt) / 1000,
    setupSeconds,
    result,
    checks: await checkStore(run, true),
  };
}

// ---- 2. kills --------------------------------------------------------------------------------

/**
 * When to kill: `time` at `fraction` of the reference run's time after its folder appeared;
 * `checkpoint-write` at the first checkpoint write that starts after that moment;
 * `before-first-checkpoint` once answers are stored but no checkpoint is.
 */
type Trigger = "time" | "checkpoint-write" | "before-first-checkpoint";
type KillPlan = { seed: number; fraction: number; trigger: Trigger };

type KillRow = {
  seed: number;
  trigger: Trigger;
  /** Planned moment, as a share of the uninterrupted run's process time. */
  plannedFraction: number;
  /** Moment the SIGKILL was sent, as a share of the uninterrupted run's process time. */
  killFraction: number;
  killSeconds: number;
  attempts: number;
  stepsAtKill: number;
  answersAtKill: number;
  checkpointSteps: number | null;
  lostSteps: number;
  /** From the checkpoint's savedAt (or the spawn, without one) to the kill. */
  lostSeconds: number;
  duringCheckpointWrite: boolean;
  /** What shows the kill landed mid-write: the folder left behind, unpointed, and its files. */
  checkpointEvidence: string | null;
  resumeExit: number | null;
  finalSteps: number | null;
  finalReturn: number | null;
  finalTrainReturn: number | null;
  labels: number | null;
  resumeWallSeconds: number | null;
  store: StoreChecks;
  failedChecks: string[];
  checksPassed: boolean;
};

function killPlans(): KillPlan[] {
  const fractions = [0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95];
  return fractions.map((fraction, i) => ({
    seed: SEEDS[i % SEEDS.length],
    fraction,
    trigger: i === 0 ? "before-first-checkpoint" : i === 2 || i === 7 ? "checkpoint-write" : "time",
  }));
}

type Killed = {
  run: string;
  killAt: number;
  startedAt: number;
  stepsAtKill: number;
  answersAtKill: number;
  pointer: Pointer | null;
  unpointed: string[];
  /** What a kill mid-write left behind, read before the resume tidies it away. */
  evidence: string | null;
};

/** Starts a killable run and SIGKILLs it at the plan's moment; null if the moment never came. */
async function killOnce(run: string, plan: KillPlan, ref: Reference): Promise<Killed | null> {
  const proc = start(command.killable(run, plan.seed));
  const folder = await waitFor(proc, () => existsSync(join(run, "config.json")));
  if (!folder) throw new Error(`run ${run} ended before its folder appeared: ${proc.err()}`);
  const at = Date.now() + plan.fraction * (ref.processSeconds - ref.setupSeconds) * 1000;
  const moment: Record<Trigger, () => boolean> = {
    time: () => Date.now() >= at,
    "checkpoint-write": () => Date.now() >= at && unpointedFolders(run).length > 0,
    "before-first-checkpoint": () => !readPointer(run) && liveAnswerCount(run) > 0,
  };
  if (!(await waitFor(proc, moment[plan.trigger]))) return null;
  proc.child.kill("SIGKILL");
  const killAt = Date.now();
  await proc.exited;
  const pointer = readPointer(run);
  const unpointed = unpointedFolders(run);
  return {
    run,
    killAt,
    startedAt: proc.startedAt,
    stepsAtKill: stepsInMetrics(run),
    answersAtKill: liveAnswerCount(run),
    pointer,
    unpointed,
    evidence: describeUnpointed(run, pointer, unpointed),
  };
}

/** Whether the kill is where the plan wanted it, judged from what the dead run left. */
function landed(plan: KillPlan, k: Killed): boolean {
  if (plan.trigger === "checkpoint-write") return k.unpointed.length > 0;
  if (plan.trigger === "before-first-checkpoint") return k.pointer === null && k.answersAtKill > 0;
  return true;
}

function describeUnpointed(run: string, pointer: Pointer | null, unpointed: string[]) {
  if (unpointed.length === 0) return null;
  const name = unpointed[0];
  const files = listFiles(join(run, "checkpoints", name));
  return (
    `checkpoints/${name} left behind, checkpoint.json -> ${pointer?.dir ?? "(none)"}; ` +
    `folder holds [${files.join(", ")}]`
  );
}

function listFiles(dir: string, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

async function killAndResume(scratch: string, plan: KillPlan, ref: Reference): Promise<KillRow> {
  let killed: Killed | null = null;
  let attempts = 0;
  while (attempts < TRIES) {
    attempts++;
    const run = join(scratch, `kill-${plan.trigger}-${plan.fraction}-s${plan.seed}-try${attempts}`);
    killed = await killOnce(run, plan, ref);
    if (killed && landed(plan, killed)) break;
  }
  if (!killed) throw new Error(`no kill landed for ${JSON.stringify(plan)}`);
  const k = killed;
  const checkpointSteps = k.pointer?.envSteps ?? null;
  const resumed = start(command.resume(k.run));
  const exit = await resumed.exited;
  const result = exit.code === 0 ? jsonResult(resumed) : null;
  const store = await checkStore(k.run, true);
  const failedChecks = oracleChecksPass(store, result, exit);
  if (exit.code !== 0) failedChecks.push(`resume stderr: ${resumed.err().slice(-500)}`);
  return {
    seed: plan.seed,
    trigger: plan.trigger,
    plannedFraction: plan.fraction,
    killFraction: (k.killAt - k.startedAt) / 1000 / ref.processSeconds,
    killSeconds: (k.killAt - k.startedAt) / 1000,
    attempts,
    stepsAtKill: k.stepsAtKill,
    answersAtKill: k.answersAtKill,
    checkpointSteps,
    lostSteps: k.stepsAtKill - (checkpointSteps ?? 0),
    lostSeconds: (k.killAt - (k.pointer?.savedAt ?? k.startedAt)) / 1000,
    duringCheckpointWrite: k.unpointed.length > 0,
    checkpointEvidence: k.evidence,
    resumeExit: exit.code,
    finalSteps: result?.steps ?? null,
    finalReturn: result?.evalReturn.mean ?? null,
    finalTrainReturn: result?.final?.trueReturn ?? null,
    labels: result?.labels ?? null,
    resumeWallSeconds: result?.wallSeconds ?? null,
    store,
    failedChecks,
    checksPassed: landed(plan, k) && failedChecks.length === 0,
  };
}

// ---- 3. a human run, killed and resumed ------------------------------------------------------

type Labeller = { origin: string; token: string; answered: number };

async function api(l: Labeller, method: string, path: string, body?: unknown) {
  const response = await fetch(`${l.origin}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${l.token}`,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/**
 * Answers questions (left and right in turn) until `enough()`, or until the server waits with
 * the reason `stopOn`; returns that reason, or "unreachable" once the server is gone.
 */
async function answerUntil(
  l: Labeller,
  enough: () => boolean,
  stopOn: string | null = null,
): Promise<string | null> {
  while (!enough()) {
    let next: Awaited<ReturnType<typeof api>>;
    try {
      next = await api(l, "POST", "/api/queries/next", {});
    } catch {
      return "unreachable";
    }
    if (next.body.waiting) {
      if (next.body.reason === stopOn) return stopOn;
      await sleep(100);
      continue;
    }
    const answer = l.answered % 2 === 0 ? "left" : "right";
    const posted = await api(l, "POST", "/api/answers", {
      leaseId: next.body.leaseId,
      answer,
      requestId: randomUUID(),
    });
    if (posted.status !== 200) throw new Error(`answer refused: ${JSON.stringify(posted)}`);
    l.answered++;
  }
  return null;
}

const PAGE_LINE = /Labelling page: (http:\/\/[\d.]+:(\d+))\/#token=(\S+)/;
const SERVE_LINE = /(http:\/\/[\d.]+:(\d+))\/#token=(\S+)/;

async function waitForLine(proc: Proc, stream: "out" | "err", pattern: RegExp) {
  await waitFor(proc, () => pattern.test(proc[stream]()));
  const m = pattern.exec(proc[stream]());
  if (!m) throw new Error(`no page line: ${proc.err().slice(-2000)}`);
  return { url: `${m[1]}/#token=${m[3]}`, origin: m[1], port: Number(m[2]), token: m[3] };
}

async function portClosed(origin: string, withinMs: number): Promise<boolean> {
  const until = Date.now() + withinMs;
  while (Date.now() < until) {
    try {
      await fetch(`${origin}/api/session`);
    } catch {
      return true;
    }
    await sleep(50);
  }
  return false;
}

type HumanOutcome = {
  url: string;
  answeredBeforeKill: number;
  checkpointStepsAtKill: number | null;
  serverDiedWithTrainer: boolean;
  serveSameUrl: boolean;
  answeredWhileDown: number;
  resumeSameUrl: boolean;
  sessionStatusAfterResume: number;
  answeredAfterResume: number;
  resumeExit: number | null;
  finalSteps: number | null;
  labels: number | null;
  store: StoreChecks;
  failedChecks: string[];
  checksPassed: boolean;
};

async function humanRun(scratch: string): Promise<HumanOutcome> {
  const run = join(scratch, "human");
  const train = start(command.humanTrain(run));
  const page = await waitForLine(train, "err", PAGE_LINE);
  const labeller: Labeller = { origin: page.origin, token: page.token, answered: 0 };
  await answerUntil(labeller, () => labeller.answered >= HUMAN.killAfter);
  train.child.kill("SIGKILL");
  await train.exited;
  const answeredBeforeKill = labeller.answered;
  const checkpointStepsAtKill = readPointer(run)?.envSteps ?? null;
  const serverDiedWithTrainer = await portClosed(page.origin, 5000);

  // While the trainer is down: the page on the same port, served on its own.
  const serve = start(command.serve(run, page.port));
  const served = await waitForLine(serve, "out", SERVE_LINE);
  await answerUntil(labeller, () => false, "trainer_not_running");
  const answeredWhileDown = labeller.answered - answeredBeforeKill;
  serve.child.kill("SIGTERM");
  await serve.exited;

  const resume = start(command.resume(run));
  const again = await waitForLine(resume, "err", PAGE_LINE);
  const session = await api(labeller, "GET", "/api/session");
  let finished = false;
  resume.exited.then(() => {
    finished = true;
  });
  await answerUntil(labeller, () => finished);
  const exit = await resume.exited;
  const result = exit.code === 0 ? jsonResult(resume) : null;
  const store = await checkStore(run, false);
  const failedChecks: string[] = [];
  if (!serverDiedWithTrainer) failedChecks.push("server outlived its trainer");
  if (served.url !== page.url) failedChecks.push(`serve printed ${served.url}`);
  if (again.url !== page.url) failedChecks.push(`resume moved the page to ${again.url}`);
  if (session.status !== 200) failedChecks.push(`GET /api/session ${session.status}`);
  if (exit.code !== 0) failedChecks.push(`resume exit ${exit.code}: ${resume.err().slice(-500)}`);
  if (result?.labels !== HUMAN.labels) failedChecks.push(`result labels ${result?.labels}`);
  if (store.originals !== HUMAN.labels) failedChecks.push(`${store.originals} original queries`);
  if (store.queriesWithTwoLiveAnswers > 0) failedChecks.push("a query answered twice");
  return {
    url: page.url.replace(/token=.*/, "token=…"),
    answeredBeforeKill,
    checkpointStepsAtKill,
    serverDiedWithTrainer,
    serveSameUrl: served.url === page.url,
    answeredWhileDown,
    resumeSameUrl: again.url === page.url,
    sessionStatusAfterResume: session.status,
    answeredAfterResume: labeller.answered - answeredBeforeKill - answeredWhileDown,
    resumeExit: exit.code,
    finalSteps: result?.steps ?? null,
    labels: result?.labels ?? null,
    store,
    failedChecks,
    checksPassed: failedChecks.length === 0,
  };
}

// ---- 4. the report ---------------------------------------------------------------------------

const f1 = (x: number | null) => (x === null ? "–" : x.toFixed(1));
const withTrain = (evalReturn: number | null, train: number | null) =>
  `${f1(evalReturn)} (${train === null ? "–" : train.toFixed(0)})`;

function markdown(refs: Reference[], kills: KillRow[], human: HumanOutcome): string {
  const lines = [
    "# Resume after kill -9",
    "",
    "Pendulum-v1, oracle teacher, 500 labels, 100k steps, `--checkpoint-every 2` for killed runs.",
    "Eval return over 50 episodes; in brackets the true return of the last training update.",
    "Produced by `experiments/resume_after_kill.ts`.",
    "",
    "| seed | uninterrupted | resumed after kill (each) | resumed mean (eval) |",
    "| --- | --- | --- | --- |",
  ];
  for (const ref of refs) {
    const mine = kills.filter((k) => k.seed === ref.seed && k.finalReturn !== null);
    const mean = mine.reduce((a, k) => a + k.finalReturn!, 0) / mine.length;
    const each = mine.map((k) => withTrain(k.finalReturn, k.finalTrainReturn)).join(", ");
    const cell = withTrain(ref.evalReturn, ref.trainReturn);
    lines.push(`| ${ref.seed} | ${cell} | ${each} | ${f1(mean)} |`);
  }
  lines.push(
    "",
    "| seed | kill at (share of run) | how | steps at kill | checkpoint steps | lost steps | lost s | mid-checkpoint write | final return | labels | checks |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  );
  for (const k of kills) {
    lines.push(
      `| ${k.seed} | ${(100 * k.killFraction).toFixed(0)}% | ${k.trigger}${k.attempts > 1 ? ` (try ${k.attempts})` : ""} | ${k.stepsAtKill} | ${k.checkpointSteps ?? "none"} | ${k.lostSteps} | ${k.lostSeconds.toFixed(2)} | ${k.duringCheckpointWrite ? "yes" : "no"} | ${f1(k.finalReturn)} | ${k.labels ?? "–"} | ${k.checksPassed ? "pass" : `FAIL: ${k.failedChecks.join("; ")}`} |`,
    );
  }
  lines.push(
    "",
    "Kill moments are shares of the uninterrupted run's time from spawn to exit; a timed kill comes",
    "that share of the uninterrupted run's time from `config.json` to exit after its own",
    "`config.json` appears (the early kill ignores its 5%). Steps at kill: the last row of",
    "metrics.jsonl; lost: those minus the checkpoint's envSteps, and the seconds from its savedAt",
    "(from the spawn without a checkpoint) to the SIGKILL.",
  );
  const evidence = kills.filter((k) => k.checkpointEvidence);
  if (evidence.length > 0) {
    lines.push(
      "",
      "Kills during a checkpoint write: the watcher polled `checkpoints/` every 2 ms and killed as",
      "soon as a folder newer than the one `checkpoint.json` names appeared. After the process was",
      "gone, that folder was still there, unfinished, and `checkpoint.json` still named the older",
      "one, so the kill landed between the folder's creation and the pointer's rename:",
      "",
    );
    for (const k of evidence) lines.push(`- seed ${k.seed}: ${k.checkpointEvidence}`);
  }
  for (const k of kills.filter((k) => k.trigger === "before-first-checkpoint")) {
    lines.push(
      "",
      `Early kill (seed ${k.seed}): ${k.killSeconds.toFixed(2)} s after spawn, with ${k.answersAtKill} answers ` +
        `stored and ${k.checkpointSteps === null ? "no checkpoint.json" : "a checkpoint (missed)"}; ` +
        "`backflip resume` started the run afresh in the same folder with those answers.",
    );
  }
  lines.push(
    "",
    `Human run (${HUMAN.labels} labels, ${HUMAN.steps} steps): killed after ${human.answeredBeforeKill} answers ` +
      `(checkpoint at ${human.checkpointStepsAtKill ?? "none"} steps); its server ${human.serverDiedWithTrainer ? "died with it" : "outlived it"}; ` +
      `\`backflip serve\` on the same port ${human.serveSameUrl ? "gave the same URL" : "gave another URL"} and took ${human.answeredWhileDown} answers while the trainer was down; ` +
      `\`backflip resume\` ${human.resumeSameUrl ? "came back on the same URL" : "moved the page"} (GET /api/session ${human.sessionStatusAfterResume}), ` +
      `took ${human.answeredAfterResume} more answers and finished with ${human.labels ?? "–"} labels at ${human.finalSteps ?? "–"} steps: ` +
      `${human.checksPassed ? "all checks pass" : `FAIL: ${human.failedChecks.join("; ")}`}.`,
  );
  return `${lines.join("\n")}\n`;
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), "backflip-resume-"));
  const refs: Reference[] = [];
  for (const seed of SEEDS) {
    refs.push(await uninterrupted(scratch, seed));
    console.log(JSON.stringify({ uninterrupted: seed, ...refs.at(-1), result: undefined }));
  }
  const kills: KillRow[] = [];
  for (const plan of killPlans()) {
    const ref = refs.find((r) => r.seed === plan.seed)!;
    kills.push(await killAndResume(scratch, plan, ref));
    console.log(JSON.stringify(kills.at(-1)));
  }
  const human = await humanRun(scratch);
  console.log(JSON.stringify(human));
  mkdirSync(RESULTS, { recursive: true });
  const uninterruptedRows = refs.map(({ result, ...rest }) => ({
    ...rest,
    steps: result.steps,
    labels: result.labels,
  }));
  writeFileSync(
    join(RESULTS, "resume_after_kill.json"),
    `${JSON.stringify({ uninterrupted: uninterruptedRows, kills, human }, null, 1)}\n`,
  );
  const md = markdown(refs, kills, human);
  writeFileSync(join(RESULTS, "resume_after_kill.md"), md);
  console.log(md);
}

await main();
