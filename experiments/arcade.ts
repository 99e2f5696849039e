/**
 * The pixel-game table (issue 10): on each MinAtar game,
 *
 *   - true-reward PPO on the preference-ready variant (`MinAtar/<Game>-pref-v1`, what preference
 *     runs train on), the RL baseline;
 *   - `backflip train --env MinAtar/<Game>-pref-v1 --teacher oracle --labels 3300` for the same
 *     number of env steps;
 *   - on RoadRace, `--teacher goal:keep-pace` with the same labels and steps (kind `keep-pace`);
 *   - the oracle run with `--validation out-of-bag` (kind `oracle-oob`, issue 12's option, an
 *     extra row beside the oracle's, not in the summary);
 *   - a uniformly random policy (kind `random`, no training), the zero of the normalised share
 *     (oracle − random) / (true − random), the usual Atari normalisation, which still means
 *     something where the true-reward return on -pref is negative (Seaquest, Asterix).
 *
 * Both policies are scored the same way, over deterministic episodes: by the return on the
 * preference-ready game and on the standard `-v1` game behind it; on Seaquest also by surfacings
 * per episode (the env's `surfaced` signal: coming up with a diver aboard), on both games; on
 * RoadRace also by the share of steps spent level with another car (`level_with_car`).
 *
 * Runs go one at a time (true-reward PPO in this process, the oracle run as a `backflip train`
 * child). Each finished run is merged into experiments/results/arcade.json (a later invocation
 * replaces the row of the same game, kind and seed; the file is read again before each merge, so
 * several invocations may run at once), and the table of all rows is rewritten to
 * experiments/results/arcade.md, so the grid can be grown over several sittings (`--kinds none`
 * only rewrites the table).
 *
 *   node --import tsx experiments/arcade.ts [--games Breakout,SpaceInvaders,...] [--seeds 1,2,3]
 *     [--kinds true,oracle,oracle-oob,keep-pace,random] [--steps 1000000] [--labels 3300]
 *     [--episodes 20] [--out DIR]
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Rng } from "../src/core/rng.ts";
import { flatSize } from "../src/core/spaces.ts";
import { makeEnv, makeVecEnv } from "../src/envs/index.ts";
import { latestModelDir } from "../src/loop/checkpoint.ts";
import {
  type Actor,
  learn,
  PpoAgent,
  type PpoConfig,
  playEpisodes,
  ppoPreset,
} from "../src/rl/index.ts";
import { backflipJson } from "./backflip_cli.ts";
import { commit, machine } from "./provenance.ts";

const GAMES = ["Breakout", "SpaceInvaders", "Seaquest", "Freeway", "Asterix", "Pong", "RoadRace"];

const { values } = parseArgs({
  options: {
    games: { type: "string", default: GAMES.join(",") },
    seeds: { type: "string", default: "1" },
    kinds: { type: "string", default: "true,oracle" },
    steps: { type: "string", default: "1000000" },
    labels: { type: "string", default: "3300" },
    episodes: { type: "string", default: "20" },
    /** Where arcade.json and arcade.md live (a scratch folder for a smoke test). */
    out: { type: "string", default: join(import.meta.dirname, "results") },
  },
});

const KINDS = ["true", "oracle", "oracle-oob", "keep-pace", "random"] as const;
type Kind = (typeof KINDS)[number];
type TaughtKind = Exclude<Kind, "true" | "random">;

/** The teacher and extra `backflip train` flags of each kind that runs the preference loop. */
const TAUGHT: Record<TaughtKind, { teacher: string; name: string; flags: string[] }> = {
  oracle: { teacher: "oracle", name: "oracle", flags: [] },
  "oracle-oob": {
    teacher: "oracle",
    name: "oracle, out-of-bag",
    flags: ["--validation", "out-of-bag"],
  },
  "keep-pace": { teacher: "goal:keep-pace", name: "goal:keep-pace", flags: [] },
};
const kinds = values.kinds.split(",").filter((k): k is Kind => KINDS.includes(k as Kind));
const games = values.games.split(",").filter((g) => g !== "");
for (const game of games) {
  if (!GAMES.includes(game)) throw new Error(`unknown game '${game}' (one of ${GAMES.join(", ")})`);
}
const seeds = values.seeds.split(",").map(Number);
const steps = Number(values.steps);
const labels = Number(values.labels);
const episodes = Number(values.episodes);

const prefId = (game: string) => `MinAtar/${game}-pref-v1`;
const standardId = (game: string) => `MinAtar/${game}-v1`;

type Row = {
  game: string;
  kind: Kind;
  seed: number;
  steps: number;
  labels?: number;
  /** Mean return over `episodes` deterministic episodes on the preference-ready game. */
  prefReturn: number;
  /** The same policy on the standard game. */
  standardReturn: number;
  episodes: number;
  /** Seaquest only: surfacings with a diver aboard per episode, on each game. */
  prefSurfacings?: number;
  standardSurfacings?: number;
  /** RoadRace only: share of steps level with another car, on each game. */
  prefLevelShare?: number;
  standardLevelShare?: number;
  /** Env steps per second of training (true-reward runs: collect + update only). */
  stepsPerSecond: number;
  wallSeconds: number;
  cpu: string;
  date: string;
  /** The code that ran; absent on rows made before it was recorded (2026-12-01). */
  commit?: string;
};

type Score = { mean: number; surfacings: number; levelShare: number };

/** Deterministic episodes seeded `seed + episode`, as `PpoAgent.evaluate` plays them. */
function score(agent: Actor, envId: string, seed: number): Score {
  let surfacings = 0;
  let level = 0;
  let stepCount = 0;
  const returns = playEpisodes(
    agent,
    () => makeEnv(envId),
    episodes,
    seed,
    episodes,
    (...step) => {
      const signals = step[3].info.signals;
      surfacings += signals?.surfaced ?? 0;
      level += signals?.level_with_car ?? 0;
      stepCount += 1;
    },
  );
  return {
    mean: returns.reduce((a, b) => a + b, 0) / episodes,
    surfacings: surfacings / episodes,
    levelShare: level / stepCount,
  };
}

function scoreRow(agent: Actor, game: string, seed: number) {
  const evalSeed = 1_000_000 + seed;
  const pref = score(agent, prefId(game), evalSeed);
  const standard = score(agent, standardId(game), evalSeed);
  return {
    prefReturn: round(pref.mean),
    standardReturn: round(standard.mean),
    episodes,
    ...(game === "Seaquest" && {
      prefSurfacings: round(pref.surfacings),
      standardSurfacings: round(standard.surfacings),
    }),
    ...(game === "RoadRace" && {
      prefLevelShare: round(pref.levelShare, 3),
      standardLevelShare: round(standard.levelShare, 3),
    }),
  };
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

function trueReward(game: string, seed: number): Row {
  const t0 = performance.now();
  const envId = prefId(game);
  const config: Partial<PpoConfig> = { ...ppoPreset(envId), totalTimesteps: steps };
  const venv = makeVecEnv(envId, config.numEnvs ?? 1);
  const agent = new PpoAgent(config, venv.observationSpace, venv.actionSpace, seed);
  let ppoSeconds = 0;
  let last = performance.now();
  let nextReport = 100_000;
  learn(agent, venv, steps, () => {
    const now = performance.now();
    ppoSeconds += (now - last) / 1000;
    if (agent.envSteps >= nextReport) {
      console.error(`${game} true s${seed}: ${agent.envSteps} steps, ${ppoSeconds.toFixed(0)} s`);
      nextReport += 100_000;
    }
    last = performance.now();
    return undefined;
  });
  venv.close();
  const scores = scoreRow(agent, game, seed);
  const envSteps = agent.envSteps;
  agent.dispose();
  return {
    game,
    kind: "true",
    seed,
    steps: envSteps,
    ...scores,
    stepsPerSecond: Math.round(envSteps / ppoSeconds),
    wallSeconds: round((performance.now() - t0) / 1000, 1),
    cpu: machine,
    date: new Date().toISOString().slice(0, 10),
    commit,
  };
}

/** A policy that picks each action uniformly at random (one action per observation row). */
function randomRow(game: string, seed: number): Row {
  const t0 = performance.now();
  const env = makeEnv(prefId(game));
  const actions = env.actionSpace;
  if (actions.kind !== "discrete") throw new Error(`${game}: expected discrete actions`);
  const obsSize = flatSize(env.observationSpace);
  env.close();
  const rng = new Rng(seed);
  const actor: Actor = {
    act: (obs) => Float32Array.from({ length: obs.length / obsSize }, () => rng.int(actions.n)),
  };
  return {
    game,
    kind: "random",
    seed,
    steps: 0,
    ...scoreRow(actor, game, seed),
    stepsPerSecond: 0,
    wallSeconds: round((performance.now() - t0) / 1000, 1),
    cpu: machine,
    date: new Date().toISOString().slice(0, 10),
    commit,
  };
}

/** A `backflip train` run with a synthetic teacher: the oracle, or (kind keep-pace) the goal. */
async function taught(game: string, kind: TaughtKind, seed: number, scratch: string): Promise<Row> {
  const t0 = performance.now();
  const run = join(scratch, `${game}-${kind}-s${seed}`);
  const args = [
    ...["train", "--env", prefId(game), "--teacher", TAUGHT[kind].teacher, ...TAUGHT[kind].flags],
    ...["--labels", String(labels), "--steps", String(steps), "--seed", String(seed)],
    ...["--run", run, "--json"],
  ];
  const result = await backflipJson<{ stopped?: boolean; steps?: number; labels?: number }>(
    args,
    `${kind} ${game} s${seed}`,
  );
  const trainWall = (performance.now() - t0) / 1000;
  if (result.stopped) throw new Error(`${kind} ${game} s${seed}: the run stopped early`);
  const policyDir = latestModelDir(run, "policy");
  if (!policyDir) throw new Error(`${kind} ${game} s${seed}: no policy saved in ${run}`);
  const agent = PpoAgent.load(policyDir);
  const scores = scoreRow(agent, game, seed);
  agent.dispose();
  const envSteps = Number(result.steps ?? steps);
  return {
    game,
    kind,
    seed,
    steps: envSteps,
    labels: Number(result.labels ?? labels),
    ...scores,
    stepsPerSecond: Math.round(envSteps / trainWall),
    wallSeconds: round((performance.now() - t0) / 1000, 1),
    cpu: machine,
    date: new Date().toISOString().slice(0, 10),
    commit,
  };
}

const resultsDir = values.out;
const resultsFile = join(resultsDir, "arcade.json");
mkdirSync(resultsDir, { recursive: true });
const readRows = (): Row[] =>
  existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, "utf8")) : [];
let rows = readRows();

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const runsOf = (game: string, kind: Kind) =>
  rows.filter((r) => r.game === game && r.kind === kind).sort((a, b) => a.seed - b.seed);

/** `part` as a share of `whole`, or "–" where the whole is not above 0 (no share to speak of). */
const share = (part: number, whole: number) =>
  whole > 0 ? `${Math.round((100 * part) / whole)}%` : "–";

/**
 * `part` as a share of `whole`, both measured from the random policy's level `zero`, or "–"
 * where the whole is not above it.
 */
const normalisedShare = (part: number, whole: number, zero: number) =>
  share(part - zero, whole - zero);

/** The mean of `pick` over a game's runs of one kind, or undefined where none ran. */
function meanOf(game: string, kind: Kind, pick: (r: Row) => number): number | undefined {
  const runs = runsOf(game, kind);
  return runs.length > 0 ? mean(runs.map(pick)) : undefined;
}

/**
 * `value` as a share of the true-reward mean of `pick` on `game`: plain, and from the random
 * policy's level.
 */
function sharesOfTrue(game: string, value: number, pick: (r: Row) => number): [string, string] {
  const truth = meanOf(game, "true", pick);
  const zero = meanOf(game, "random", pick);
  if (truth === undefined) return ["–", "–"];
  return [share(value, truth), zero === undefined ? "–" : normalisedShare(value, truth, zero)];
}

/**
 * One line per game: each kind's mean return over its seeds (each seed's in parentheses) on both
 * games, and the oracle's mean as a share of the true-reward mean, plain and from the random
 * policy's level.
 */
function summaryLines(): string[] {
  const lines = [
    "| game | random policy: -pref / -v1 | true-reward PPO: -pref / -v1 | oracle, 3,300 labels: -pref / -v1 | oracle / true: -pref / -v1 | from random: -pref / -v1 |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  const cell = (runs: Row[]) => {
    if (runs.length === 0) return "not run";
    const each = (pick: (r: Row) => number) =>
      runs.length > 1 ? ` (${runs.map((r) => pick(r).toFixed(1)).join(", ")})` : "";
    const pref = mean(runs.map((r) => r.prefReturn));
    const standard = mean(runs.map((r) => r.standardReturn));
    const seeds = runs.length > 1 ? `, ${runs.length} seeds` : `, seed ${runs[0].seed}`;
    return `${pref.toFixed(1)}${each((r) => r.prefReturn)} / ${standard.toFixed(1)}${each((r) => r.standardReturn)}${seeds}`;
  };
  const shares = (game: string, pick: (r: Row) => number): [string, string] => {
    const taught = meanOf(game, "oracle", pick);
    return taught === undefined ? ["–", "–"] : sharesOfTrue(game, taught, pick);
  };
  for (const game of GAMES) {
    const [plainPref, fromRandomPref] = shares(game, (r) => r.prefReturn);
    const [plainStandard, fromRandomStandard] = shares(game, (r) => r.standardReturn);
    lines.push(
      `| ${game} | ${cell(runsOf(game, "random"))} | ${cell(runsOf(game, "true"))} | ${cell(runsOf(game, "oracle"))} | ${plainPref} / ${plainStandard} | ${fromRandomPref} / ${fromRandomStandard} |`,
    );
  }
  return lines;
}

function writeTable(): string {
  const fmt = (x: number | undefined, digits = 1) => (x === undefined ? "–" : x.toFixed(digits));
  const lines = [
    "The pixel games (issue 10): true-reward PPO on the preference-ready game (`-pref-v1`, the",
    "RL baseline) and the oracle teacher with 3,300 labels for the same env steps. Each policy is",
    "scored over deterministic episodes on the preference-ready game and on the standard `-v1`",
    "game; on Seaquest also by surfacings with a diver aboard per episode, on RoadRace by the",
    'share of steps level with another car (pref / standard). "% of true": the return on -pref',
    "as a share of the true-reward runs' mean return on -pref for that game.",
    "A -pref episode is 2,000 steps in which a lost game restarts at once (with the end penalty),",
    "so its return sums several games; a -v1 episode is one game (capped at 10,000 steps).",
    "Steps/s: training env steps per second (true-reward: collect + update; oracle: whole run);",
    "it and wall seconds depend on what else the machine was running. Code: the commit that ran;",
    'oracle rows without one ("before fix") ran before 0e2403b, so their RL started on an',
    "untrained r̂ (the pretraining phase never trained it).",
    "Regenerate or extend with `node --import tsx experiments/arcade.ts` (see its header).",
    "",
    "By game, means over the seeds run (each seed's return in parentheses). Oracle / true: the",
    "oracle's mean as a share of the true-reward mean, given only where that mean is above zero.",
    "From random: the same share measured from the random policy's mean, (oracle − random) /",
    "(true − random), given where true-reward PPO beats the random policy:",
    "",
    ...summaryLines(),
    "",
    "Every run:",
    "",
    "| game | kind | seed | steps | return on -pref | % of true | % from random | return on -v1 | surfacings / level share | steps/s | wall s | machine | code |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  const sorted = [...rows].sort(
    (a, b) =>
      GAMES.indexOf(a.game) - GAMES.indexOf(b.game) ||
      a.kind.localeCompare(b.kind) ||
      a.seed - b.seed,
  );
  for (const r of sorted) {
    const kind =
      r.kind === "true"
        ? "true-reward PPO"
        : r.kind === "random"
          ? "random policy"
          : `${TAUGHT[r.kind].name}, ${r.labels ?? labels} labels`;
    const extra =
      r.prefSurfacings !== undefined
        ? `${fmt(r.prefSurfacings, 2)} / ${fmt(r.standardSurfacings, 2)}`
        : r.prefLevelShare !== undefined
          ? `${fmt(r.prefLevelShare, 3)} / ${fmt(r.standardLevelShare, 3)}`
          : "–";
    const code = r.commit ?? (r.kind === "true" ? "–" : "before fix");
    const [plain, fromRandom] =
      r.kind === "oracle" || r.kind === "oracle-oob"
        ? sharesOfTrue(r.game, r.prefReturn, (x) => x.prefReturn)
        : ["–", "–"];
    lines.push(
      `| ${r.game} | ${kind} | ${r.seed} | ${r.steps.toLocaleString("en")} | ${fmt(r.prefReturn, 2)} | ${plain} | ${fromRandom} | ${fmt(r.standardReturn, 2)} | ${extra} | ${r.stepsPerSecond} | ${fmt(r.wallSeconds, 0)} | ${r.cpu} | ${code} |`,
    );
  }
  writeFileSync(join(resultsDir, "arcade.md"), `${lines.join("\n")}\n`);
  return lines.join("\n");
}

const scratch = mkdtempSync(join(tmpdir(), "backflip-arcade-"));
for (const game of games) {
  for (const kind of kinds) {
    for (const seed of seeds) {
      if (kind === "keep-pace" && game !== "RoadRace") continue;
      const row =
        kind === "true"
          ? trueReward(game, seed)
          : kind === "random"
            ? randomRow(game, seed)
            : await taught(game, kind, seed, scratch);
      rows = [
        ...readRows().filter((r) => !(r.game === game && r.kind === kind && r.seed === seed)),
        row,
      ];
      writeFileSync(resultsFile, `${JSON.stringify(rows, null, 1)}\n`);
      writeTable();
      console.log(JSON.stringify(row));
    }
  }
}
console.log(writeTable());
