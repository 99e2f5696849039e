/**
 * Why some pixel games miss with the oracle teacher (experiments/results/arcade.md): for each
 * finished `backflip train --teacher oracle` run on a `MinAtar/<Game>-pref-v1` game, this
 *
 *   1. summarises metrics.jsonl at about 10%, 50% and 100% of the steps: the reward model's
 *      held-out accuracy, its per-step and clip-window correlation with the true reward, and the
 *      policy's entropy;
 *   2. plays the final policy (sampling, as in training, and deterministic) on the -pref game
 *      and scores the final reward model over 25-step windows, the clips the teacher compares:
 *      Pearson correlation of the summed r̂ with the summed true reward, and with its two parts,
 *      the game score and the end penalty; the same for score alone over windows where no game
 *      ended; the share of windows whose true return is exactly 0 (a pair of those is a tie for
 *      the oracle); the mean score and the game ends per window; and what a game end is worth
 *      in points of score to r̂ (a least-squares fit of Σr̂ on score and ends) and to the truth;
 *   3. does the same for a uniformly random policy, close to the untrained policy whose clips the
 *      pretraining labels came from: r̂ wrong only where the policy goes, or never right;
 *   4. averages r̂ over the steps around each game end and each scoring step, to show where in
 *      time r̂ puts the reward (on the step that earns it, before it, or on the frames after it).
 *
 * It also counts the run's answers and ties by phase, from store.sqlite (opened read-only).
 * The score is separated from the penalty by a twin of each env built on the same game with no
 * end penalty, seeded alike and given the same actions (the penalty is not exported).
 * The default 32,000 steps are one whole -pref episode (2,000 steps) in each of the 16 envs.
 * Each run's result replaces the same game and seed's in experiments/results/arcade_diagnosis.json, and
 * arcade_diagnosis.md is rewritten from it; the text from its "## Interpretation" heading on is
 * kept, as it is written by hand.
 *
 *   node --import tsx experiments/arcade_diagnose.ts RUN_DIR [RUN_DIR ...] [--steps 32000]
 *     [--out DIR]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { Rng } from "../src/core/rng.ts";
import { GridGameEnv } from "../src/envs/arcade/index.ts";
import { makeEnv, makeVecEnv, SyncVecEnv } from "../src/envs/index.ts";
import { latestModelDir } from "../src/loop/checkpoint.ts";
import { type MetricsRow, pearson } from "../src/loop/metrics.ts";
import { readRunConfig } from "../src/loop/run_config.ts";
import { RewardEnsemble } from "../src/reward/index.ts";
import { PpoAgent } from "../src/rl/index.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    steps: { type: "string", default: "32000" },
    out: { type: "string", default: join(import.meta.dirname, "results") },
  },
});
const WINDOW = 25;
const NUM_ENVS = 16;
const SEED = 2_000_001;
const steps = Number(values.steps);

type Checkpoint = Pick<
  MetricsRow,
  "steps" | "rewardValAccuracy" | "rewardCorrelation" | "rewardClipCorrelation" | "policyEntropy"
>;

type Windows = {
  policy: "sampled" | "deterministic" | "random";
  windows: number;
  /** Pearson of Σr̂ with Σ true reward, with Σ score and with Σ end penalty, per window. */
  corrTrue: number | null;
  corrScore: number | null;
  corrEnd: number | null;
  /** Σr̂ with Σ score over the windows in which no game ended. */
  corrScoreNoEnd: number | null;
  zeroShare: number;
  meanScore: number;
  meanTrue: number;
  endsPerWindow: number;
  /**
   * What a game end costs in points of score: by r̂ (from a least-squares fit of Σr̂ on Σ score
   * and game ends per window) and by the true reward. Null where no game ended.
   */
  endInPoints: number | null;
  trueEndInPoints: number | null;
  /**
   * Where in time r̂ puts a reward: its mean per step at each offset in PROFILE_OFFSETS from a
   * game end and from a step that scored, less its mean over all steps, in its per-step std.
   * Null where no such event happened.
   */
  endProfile: number[] | null;
  scoreProfile: number[] | null;
};

/** Steps before (negative) and after a game end or a scoring step, for the r̂ profiles. */
const PROFILE_OFFSETS = Array.from({ length: 13 }, (_, i) => i - 4);

/** Answers by phase: all of them and the ties ("equal", equal true returns for the oracle). */
type Labels = { phase: string; answers: number; ties: number }[];

type Diagnosis = {
  game: string;
  /** The run's seed (absent in rows from before 2026-12-01, all of seed 1). */
  seed?: number;
  run: string;
  labels: Labels;
  metrics: Checkpoint[];
  rollouts: Windows[];
  seconds: number;
};

/** The rows nearest 10%, 50% and 100% of the run's steps. */
function checkpoints(run: string): Checkpoint[] {
  const rows = readFileSync(join(run, "metrics.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as MetricsRow);
  const last = rows[rows.length - 1].steps;
  return [0.1, 0.5, 1].map((f) => {
    const row = rows.reduce((a, b) =>
      Math.abs(b.steps - f * last) < Math.abs(a.steps - f * last) ? b : a,
    );
    return {
      steps: row.steps,
      rewardValAccuracy: row.rewardValAccuracy,
      rewardCorrelation: row.rewardCorrelation,
      rewardClipCorrelation: row.rewardClipCorrelation ?? null,
      policyEntropy: row.policyEntropy,
    };
  });
}

/** The answers in the run's store, read-only, by query phase (pretrain, online). */
function labels(run: string): Labels {
  const db = new Database(join(run, "store.sqlite"), { readonly: true });
  try {
    return db
      .prepare(
        `select q.phase as phase, count(*) as answers, sum(a.answer = 'equal') as ties
         from answers a join queries q on q.id = a.query_id
         where a.undone_at is null group by q.phase order by q.phase desc`,
      )
      .all() as Labels;
  } finally {
    db.close();
  }
}

/** Least-squares y ≈ c + a·x1 + b·x2; b is null when x2 is constant. */
function fit(y: number[], x1: number[], x2: number[]): { a: number; b: number | null } {
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const dot = (u: number[], v: number[]) => {
    const mu = mean(u);
    const mv = mean(v);
    return u.reduce((s, x, i) => s + (x - mu) * (v[i] - mv), 0);
  };
  const [s11, s22, s12, s1y, s2y] = [dot(x1, x1), dot(x2, x2), dot(x1, x2), dot(x1, y), dot(x2, y)];
  if (s22 === 0) return { a: s1y / s11, b: null };
  const det = s11 * s22 - s12 * s12;
  return { a: (s1y * s22 - s2y * s12) / det, b: (s2y * s11 - s1y * s12) / det };
}

/**
 * Plays `steps` steps over NUM_ENVS envs and sums r̂, the true reward, its score part and game
 * ends over each env's consecutive 25-step windows. A -pref episode is 2,000 steps, a multiple
 * of 25, so no window spans two episodes.
 */
function play(
  envId: string,
  policy: Windows["policy"],
  act: (obs: Float32Array) => Float32Array,
  reward: RewardEnsemble,
): Windows {
  const real = makeVecEnv(envId, NUM_ENVS);
  const twin = new SyncVecEnv(
    Array.from({ length: NUM_ENVS }, () => {
      const { game } = makeEnv(envId) as GridGameEnv;
      return new GridGameEnv(game, { preferenceReady: true, endPenalty: 0 });
    }),
  );
  let obs = real.reset(SEED);
  twin.reset(SEED);
  const pred: number[] = [];
  const truth: number[] = [];
  const score: number[] = [];
  const ends: number[] = [];
  // Per env, step by step: r̂, game ends and scoring steps, for the profiles.
  const stepPred: number[][] = Array.from({ length: NUM_ENVS }, () => []);
  const stepEnd: boolean[][] = Array.from({ length: NUM_ENVS }, () => []);
  const stepScored: boolean[][] = Array.from({ length: NUM_ENVS }, () => []);
  const blockObs = new Float32Array(WINDOW * NUM_ENVS * real.obsSize);
  const blockAct = new Float32Array(WINDOW * NUM_ENVS * real.actSize);
  for (let block = 0; block < Math.floor(steps / (NUM_ENVS * WINDOW)); block++) {
    const t = new Float64Array(NUM_ENVS);
    const s = new Float64Array(NUM_ENVS);
    const e = new Float64Array(NUM_ENVS);
    for (let k = 0; k < WINDOW; k++) {
      const actions = act(obs);
      blockObs.set(obs, k * obs.length);
      blockAct.set(actions, k * actions.length);
      const r = real.step(actions);
      const w = twin.step(actions);
      for (let i = 0; i < NUM_ENVS; i++) {
        if (r.unhealthy[i] !== w.unhealthy[i])
          throw new Error(`${envId}: the twin fell out of step`);
        t[i] += r.rewards[i];
        s[i] += w.rewards[i];
        e[i] += r.unhealthy[i];
        stepEnd[i].push(r.unhealthy[i] > 0);
        stepScored[i].push(w.rewards[i] > 0);
      }
      obs = r.obs;
    }
    const p = reward.predict(blockObs, blockAct);
    for (let i = 0; i < NUM_ENVS; i++) {
      let sum = 0;
      for (let k = 0; k < WINDOW; k++) {
        sum += p[k * NUM_ENVS + i];
        stepPred[i].push(p[k * NUM_ENVS + i]);
      }
      pred.push(sum);
      truth.push(t[i]);
      score.push(s[i]);
      ends.push(e[i]);
    }
  }
  real.close();
  twin.close();
  const n = pred.length;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const calm = ends.flatMap((x, i) => (x === 0 ? [i] : []));
  const penalty = truth.map((x, i) => x - score[i]);
  const { a, b } = fit(pred, score, ends);
  return {
    policy,
    windows: n,
    corrTrue: pearson(pred, truth),
    corrScore: pearson(pred, score),
    corrEnd: pearson(pred, penalty),
    corrScoreNoEnd: pearson(
      calm.map((i) => pred[i]),
      calm.map((i) => score[i]),
    ),
    zeroShare: truth.filter((x) => x === 0).length / n,
    meanScore: mean(score),
    meanTrue: mean(truth),
    endsPerWindow: mean(ends),
    endInPoints: b === null ? null : -b / a,
    trueEndInPoints: mean(ends) > 0 ? -mean(penalty) / mean(ends) : null,
    endProfile: profile(stepPred, stepEnd),
    scoreProfile: profile(stepPred, stepScored),
  };
}

/** r̂ around the events (see Windows.endProfile); events too near either end are left out. */
function profile(pred: number[][], events: boolean[][]): number[] | null {
  const all = pred.flat();
  const mu = all.reduce((a, b) => a + b, 0) / all.length;
  const sd = Math.sqrt(all.reduce((a, b) => a + (b - mu) ** 2, 0) / all.length);
  const first = PROFILE_OFFSETS[0];
  const last = PROFILE_OFFSETS[PROFILE_OFFSETS.length - 1];
  const sums = PROFILE_OFFSETS.map(() => 0);
  let count = 0;
  events.forEach((series, env) => {
    for (let t = -first; t < series.length - last; t++) {
      if (!series[t]) continue;
      PROFILE_OFFSETS.forEach((k, j) => {
        sums[j] += pred[env][t + k] - mu;
      });
      count++;
    }
  });
  return count === 0 ? null : sums.map((x) => x / count / sd);
}

function diagnose(run: string): Diagnosis {
  const t0 = performance.now();
  const config = readRunConfig(run);
  const policyDir = latestModelDir(run, "policy");
  const rewardDir = latestModelDir(run, "reward");
  if (!policyDir || !rewardDir) throw new Error(`${run}: no saved policy or reward model`);
  const agent = PpoAgent.load(policyDir);
  const reward = RewardEnsemble.fromSaved(rewardDir, agent.observationSpace, agent.actionSpace);
  const actionSpace = agent.actionSpace;
  if (actionSpace.kind !== "discrete") throw new Error(`${run}: not a discrete-action game`);
  const rng = new Rng(SEED);
  const uniform = (obs: Float32Array) =>
    Float32Array.from({ length: obs.length / agent.obsSize }, () => rng.int(actionSpace.n));
  const rollouts = [
    play(config.envId, "sampled", (obs) => agent.act(obs, false), reward),
    play(config.envId, "deterministic", (obs) => agent.act(obs, true), reward),
    play(config.envId, "random", uniform, reward),
  ];
  agent.dispose();
  reward.dispose();
  return {
    game: config.envId.replace(/^MinAtar\/|-pref-v1$/g, ""),
    seed: config.seed,
    run,
    labels: labels(run),
    metrics: checkpoints(run),
    rollouts,
    seconds: Math.round((performance.now() - t0) / 1000),
  };
}

const fmt = (x: number | null | undefined, digits = 2) =>
  x === null || x === undefined ? "–" : x.toFixed(digits);

function markdown(results: Diagnosis[], kept: string): string {
  const lines = [
    "# Why some pixel games miss with the oracle teacher",
    "",
    "Oracle runs of experiments/results/arcade.md (3,300 labels, 1M steps), read back",
    "by `node --import tsx experiments/arcade_diagnose.ts RUN_DIR ...` (see its header).",
    "**Training**: metrics.jsonl near 10%, 50% and 100% of the steps (r̂ held-out accuracy on the",
    "labels; Pearson of r̂ with the true reward per step and over clip windows, on the rollouts of",
    "the policy of the time; policy entropy in nats).",
    `**Windows**: the final policy and reward model on the -pref game, ${steps.toLocaleString("en")} steps each`,
    `(${Math.floor(steps / WINDOW)} windows of 25 steps, the clips the teacher compares). corr: Pearson of Σr̂`,
    "with the true return, with its game score, with its end penalty, and with the score over the",
    "windows in which no game ended. zero: share of windows whose true return is exactly 0.",
    "ends: game ends per window. end in points: what one game end is worth in points of score, to",
    "r̂ (least-squares fit of Σr̂ on Σscore and ends) and to the true reward (its end penalty).",
    "Labels: the run's answers by phase, and the share the oracle answered 'equal' (equal returns).",
    `**r̂ around an event** (sampled policy): r̂'s mean at each step from ${PROFILE_OFFSETS[0]} to +${PROFILE_OFFSETS[PROFILE_OFFSETS.length - 1]} around a game end`,
    "(step 0 is the step that lost the game; the fresh game's first frame is step +1) and around a",
    "step that scored, less r̂'s mean, in r̂'s per-step std: where in time r̂ puts the reward.",
    "",
  ];
  for (const d of results) {
    const ties = d.labels
      .map((l) => `${l.phase} ${l.answers} (${Math.round((100 * l.ties) / l.answers)}% ties)`)
      .join(", ");
    lines.push(
      `## ${d.game}, seed ${d.seed ?? 1}`,
      "",
      `Run \`${d.run}\`; diagnosis took ${d.seconds} s.`,
    );
    lines.push(`Labels: ${ties}.`, "");
    lines.push("| training at step | r̂ val. accuracy | corr per step | corr per clip | entropy |");
    lines.push("| --- | --- | --- | --- | --- |");
    for (const m of d.metrics) {
      lines.push(
        `| ${m.steps.toLocaleString("en")} | ${fmt(m.rewardValAccuracy)} | ${fmt(m.rewardCorrelation)} | ${fmt(m.rewardClipCorrelation)} | ${fmt(m.policyEntropy)} |`,
      );
    }
    lines.push("");
    lines.push(
      "| policy | corr true | corr score | corr end | corr score, no end | zero | mean score | mean true | ends | end in points, r̂ / true |",
    );
    lines.push("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const w of d.rollouts) {
      lines.push(
        `| ${w.policy} | ${fmt(w.corrTrue)} | ${fmt(w.corrScore)} | ${fmt(w.corrEnd)} | ${fmt(w.corrScoreNoEnd)} | ${fmt(w.zeroShare)} | ${fmt(w.meanScore)} | ${fmt(w.meanTrue)} | ${fmt(w.endsPerWindow, 3)} | ${fmt(w.endInPoints, 1)} / ${fmt(w.trueEndInPoints, 1)} |`,
      );
    }
    lines.push("");
    const sampled = d.rollouts.find((w) => w.policy === "sampled");
    if (sampled?.endProfile || sampled?.scoreProfile) {
      const offsets = PROFILE_OFFSETS.map((k) => (k > 0 ? `+${k}` : String(k)));
      lines.push(`| r̂ around | ${offsets.join(" | ")} |`);
      lines.push(`| --- | ${offsets.map(() => "---").join(" | ")} |`);
      for (const [name, p] of [
        ["a game end", sampled.endProfile],
        ["a score", sampled.scoreProfile],
      ] as const) {
        if (p) lines.push(`| ${name} | ${p.map((x) => fmt(x, 1)).join(" | ")} |`);
      }
      lines.push("");
    }
  }
  return `${lines.join("\n")}\n${kept}`;
}

const GAMES = ["Breakout", "SpaceInvaders", "Seaquest", "Freeway", "Asterix", "Pong", "RoadRace"];
const sameRun = (a: Diagnosis, b: Diagnosis) =>
  a.game === b.game && (a.seed ?? 1) === (b.seed ?? 1);
const jsonFile = join(values.out, "arcade_diagnosis.json");
const mdFile = join(values.out, "arcade_diagnosis.md");
mkdirSync(values.out, { recursive: true });
for (const run of positionals) {
  const d = diagnose(run);
  console.log(JSON.stringify(d));
  const old: Diagnosis[] = existsSync(jsonFile) ? JSON.parse(readFileSync(jsonFile, "utf8")) : [];
  const results = [...old.filter((r) => !sameRun(r, d)), d].sort(
    (a, b) => GAMES.indexOf(a.game) - GAMES.indexOf(b.game) || (a.seed ?? 1) - (b.seed ?? 1),
  );
  writeFileSync(jsonFile, `${JSON.stringify(results, null, 1)}\n`);
  const md = existsSync(mdFile) ? readFileSync(mdFile, "utf8") : "";
  const at = md.indexOf("## Interpretation");
  writeFileSync(mdFile, markdown(results, at >= 0 ? md.slice(at) : ""));
}
