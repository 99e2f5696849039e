/**
 * The README's main job at a person's pace: `backflip train --env Pendulum-v1 --teacher human
 * --labels 300 --steps 100000`, with a scripted person who answers one pair every 3 s through the
 * HTTP API, judging only by what the page shows (the pendulum's angle in the frames: upright is
 * better). Prints how long the whole run took, how long RL waited, and the eval return.
 *
 *   node --import tsx experiments/person_pace.ts [seconds-per-answer]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

type Frame = { theta?: number };
type Lease = { leaseId?: string; waiting?: boolean; query: { left: Clip; right: Clip } };
type Clip = { frames: Frame[] };

const secondsPerAnswer = Number(process.argv[2] ?? 3);
const root = join(import.meta.dirname, "..");
const runDir = join(mkdtempSync(join(tmpdir(), "backflip-person-")), "run");
const started = Date.now();
const child = spawn(
  process.execPath,
  [join(root, "bin", "backflip.js"), "train", "--env", "Pendulum-v1", "--teacher", "human"].concat([
    "--labels",
    "300",
    "--steps",
    "100000",
    "--run",
    runDir,
    "--json",
  ]),
  { stdio: ["ignore", "pipe", "pipe"] },
);
let stdout = "";
let stderr = "";
child.stdout.on("data", (d) => {
  stdout += d;
});
let exited = false;
child.on("exit", () => {
  exited = true;
});
const link = await new Promise<string>((resolve) =>
  child.stderr.on("data", (d) => {
    stderr += d;
    const found = /Labelling page: (\S+)/.exec(stderr);
    if (found) resolve(found[1]);
  }),
);
const origin = link.slice(0, link.indexOf("/#"));
const token = link.slice(link.indexOf("token=") + "token=".length);
const api = async <T>(path: string, body?: unknown): Promise<T> => {
  const res = await fetch(origin + path, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await res.json()) as T;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const upright = (clip: Clip) => clip.frames.reduce((sum, f) => sum + Math.cos(f.theta ?? 0), 0);

let answers = 0;
while (!exited) {
  const next = await api<Lease>("/api/queries/next", {}).catch(() => null);
  if (!next?.leaseId) {
    await sleep(1000);
    continue;
  }
  await sleep(secondsPerAnswer * 1000);
  const { left, right } = next.query;
  const answer = upright(left) >= upright(right) ? "left" : "right";
  await api("/api/answers", { leaseId: next.leaseId, answer, requestId: `p${answers}` }).catch(
    () => null,
  );
  answers++;
}
const result = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}");
const row = {
  secondsPerAnswer,
  answers,
  labels: result.labels,
  minutes: Number(((Date.now() - started) / 60_000).toFixed(1)),
  waitedSeconds: Math.round(result.waitedSeconds),
  evalReturn: Number(result.evalReturn?.mean.toFixed(1)),
};
console.log(JSON.stringify(row));
writeFileSync(join(root, "experiments", "results", "person_pace.json"), `${JSON.stringify(row)}\n`);
