/**
 * The MuJoCo figures (the paper's robotics results), each run in its own process so that
 * several can run at once on a machine with many cores:
 *
 *   - true-reward PPO on the preference-ready Hopper, HalfCheetah and Walker2d, with respawn
 *     as preference runs have it (experiments/ppo_true_reward.ts);
 *   - the oracle teacher with 700 labels on the same tasks, as a share of that seed's
 *     true-reward return on the same task (the paper's comparison); both policies are also
 *     scored on the standard task.
 *
 * The backflip has its own script, experiments/backflip.ts.
 *
 * Prints one JSON line per run and merges it into experiments/results/mujoco.json (a later
 * invocation replaces rows of the same kind, task and seed), then writes the table of all rows to
 * experiments/results/mujoco.md, so the grid can be filled in over several sittings
 * (`--kinds none` only rewrites the table).
 *
 *   node --import tsx experiments/mujoco.ts [--envs Hopper,HalfCheetah,Walker2d] [--seeds 1,2,3]
 *     [--kinds true,oracle] [--steps 1000000] [--parallel 2]
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    envs: { type: "string", default: "Hopper,HalfCheetah,Walker2d" },
    seeds: { type: "string", default: "1,2,3" },
    steps: { type: "string", default: "1000000" },
    parallel: { type: "string", default: String(Math.max(1, availableParallelism())) },
    kinds: { type: "string", default: "true,oracle" },
  },
});
const kinds = new Set(values.kinds.split(","));
const envs = values.envs.split(",");
const seeds = values.seeds.split(",").map(Number);
const steps = values.steps;
const here = import.meta.dirname;
const bin = join(here, "..", "bin", "backflip.js");
const scratch = mkdtempSync(join(tmpdir(), "backflip-mujoco-"));

type Kind = "true" | "oracle";
type Job = { kind: Kind; env: string; seed: number; args: string[] };

/** `backflip train` of one task with one teacher, into a scratch run directory. */
function train(env: string, teacher: string, labels: number, seed: number): string[] {
  const run = join(scratch, `${env}-${teacher.replace(":", "_")}-s${seed}`);
  const common = ["--labels", String(labels), "--steps", steps, "--seed", String(seed)];
  return [bin, "train", "--env", env, "--teacher", teacher, ...common, "--run", run, "--json"];
}

const jobs: Job[] = [];
for (const env of envs) {
  for (const seed of seeds) {
    const trueReward = [join(here, "ppo_true_reward.ts"), "--env", `${env}-pref-v5`, "--respawn"];
    jobs.push({
      kind: "true",
      env,
      seed,
      args: [...trueReward, "--seeds", String(seed), "--steps", steps, "--episodes", "50"],
    });
    jobs.push({ kind: "oracle", env, seed, args: train(`${env}-pref-v5`, "oracle", 700, seed) });
  }
}
const wanted = jobs.filter((job) => kinds.has(job.kind));

/** `value`: the return on the env trained in; `standard`: on the standard task. */
type Row = {
  kind: Kind;
  env: string;
  seed: number;
  value: number;
  standard?: number;
  wallSeconds: number;
};

function runJob({ args, ...job }: Job): Promise<Row> {
  const extraArgs = job.kind === "true" ? ["--import", "tsx"] : [];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...extraArgs, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.on("exit", async (code) => {
      if (code !== 0)
        return reject(new Error(`${job.kind} ${job.env} s${job.seed}: ${err.slice(-500)}`));
      const last = JSON.parse(out.trim().split("\n").at(-1)!);
      if (job.kind === "true") {
        const { evalMean: value, standardEvalMean: standard, wallSeconds } = last;
        return resolve({ ...job, value, standard, wallSeconds });
      }
      resolve({
        ...job,
        value: (last.trainingEnvReturn ?? last.evalReturn).mean,
        standard: last.evalReturn.mean,
        wallSeconds: last.wallSeconds,
      });
    });
  });
}

const resultsDir = join(here, "results");
const resultsFile = join(resultsDir, "mujoco.json");
mkdirSync(resultsDir, { recursive: true });
let rows: Row[] = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, "utf8")) : [];
const find = (kind: Kind, env: string, seed: number) =>
  rows.find((r) => r.kind === kind && r.env === env && r.seed === seed);

const queue = [...wanted];
const workers = Array.from(
  { length: Math.min(Number(values.parallel), wanted.length) },
  async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const row = await runJob(job);
      rows = [...rows.filter((r) => r !== find(row.kind, row.env, row.seed)), row];
      writeFileSync(resultsFile, `${JSON.stringify(rows, null, 1)}\n`);
      console.log(JSON.stringify(row));
    }
  },
);
await Promise.all(workers);

const fmt = (x: number | undefined) => (x === undefined ? "–" : x.toFixed(0));
const lines = [
  `Runs of ${Number(steps).toLocaleString("en")} env steps on the preference-ready tasks (with`,
  "respawn), both policies scored over 50 deterministic episodes: by the preference-ready task's",
  "reward (the paper's measure, and the share), and on the standard task. Wall seconds on a",
  "2-core machine, two runs at once.",
  "",
  "| task | seed | true-reward PPO | oracle, 700 labels | share | standard task: true / oracle | wall s: true / oracle |",
  "| --- | --- | --- | --- | --- | --- | --- |",
];
const tasks = [...new Set(rows.map((r) => r.env))];
for (const env of tasks) {
  const taskSeeds = [...new Set(rows.filter((r) => r.env === env).map((r) => r.seed))].sort();
  for (const seed of taskSeeds) {
    const t = find("true", env, seed);
    const o = find("oracle", env, seed);
    const share = t && o && t.value > 0 ? `${((100 * o.value) / t.value).toFixed(0)}%` : "–";
    const standard = `${fmt(t?.standard)} / ${fmt(o?.standard)}`;
    const wall = `${fmt(t?.wallSeconds)} / ${fmt(o?.wallSeconds)}`;
    lines.push(
      `| ${env} | ${seed} | ${fmt(t?.value)} | ${fmt(o?.value)} | ${share} | ${standard} | ${wall} |`,
    );
  }
}
writeFileSync(join(resultsDir, "mujoco.md"), `${lines.join("\n")}\n`);
console.log(lines.join("\n"));
