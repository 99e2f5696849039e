/**
 * The dashboard: training curves (uPlot, fed by /api/metrics), the current policy playing live
 * with its r̂ bar, recent answers that replay on click, and, for the run's owner, answers per
 * labeller and how often labellers agree on repeated queries.
 */
/**
 * @import UPlot from "uplot"
 * @import { RecentAnswerView, RunProgress, SessionView } from "../../src/server/api_types.ts"
 * @import { Api } from "./api.js"
 */
import { $, ANSWERS, errorMessage, exposeProbe, startPage, toast } from "./page.js";
import { ClipPlayer, Clock, prepareClip, renderLegend, rewardScale } from "./player.js";
import { formatDuration, renderStatus } from "./run_status.js";

/** The uPlot global, from /vendor/uPlot.iife.min.js (dashboard.html loads it before this). */
const uPlot = /** @type {Window & {uPlot: typeof UPlot}} */ (window).uPlot;
/** The dashboard's messages are longer than the labelling page's: they stay up longer. */
const TOAST_MS = 6000;

const COLORS = {
  true: "#2f9e44",
  predicted: "#2764d8",
  labels: "#7048e8",
  accuracy: "#e8590c",
  correlation: "#1098ad",
};

/** What tests read: how far the charts and the live clip have got. */
const probe = {
  metricsRows: 0,
  /** @type {{returns?: number, labels?: number, reward?: number}} */
  charts: {},
  /** @type {number | null} */
  liveVersion: null,
  liveFrame: -1,
  liveShown: 0,
  /** @type {number | undefined} */
  replayed: undefined,
};
exposeProbe(probe);

/**
 * Columns of the metrics rows, x = env steps.
 * @typedef {{
 *   steps: number[], labels: (number | null)[], trueReturn: (number | null)[],
 *   predictedReturn: (number | null)[], acc: (number | null)[], corr: (number | null)[],
 *   clipCorr: (number | null)[],
 * }} Columns
 */

/**
 * @typedef {object} DashState
 * @property {Api} api
 * @property {SessionView} session
 * @property {RunProgress | null} run  the trainer's progress, from the latest /api/stats
 * @property {Columns} cols
 * @property {number} after  metrics rows read so far
 * @property {{returns: UPlot, labels: UPlot, reward: UPlot}} charts
 * @property {ClipPlayer} livePlayer
 * @property {Clock} liveClock
 * @property {string | null} liveKey
 * @property {{players: {left: ClipPlayer, right: ClipPlayer}, clock: Clock} | null} replay
 * @property {number | null} activeAnswer
 */

/**
 * The dashboard's state, made by main() once the session is open; nothing else runs before then.
 * @type {DashState}
 */
let dash;

main().catch((err) => {
  console.error(err);
  toast(`Something went wrong: ${errorMessage(err)}`, { ms: TOAST_MS });
});

async function main() {
  const started = await startPage({
    title: "Dashboard",
    signIn: (problem) =>
      toast(
        problem === "no_token"
          ? "Open the dashboard from the link printed by `backflip serve` (it holds your token)."
          : "This link's token is not valid for this run.",
        { ms: TOAST_MS },
      ),
  });
  if (!started) return;
  const { api, session, run } = started;

  const charts = makeCharts();
  const livePlayer = new ClipPlayer($("live-player"), run);
  renderLegend($("live-legend"), run);
  const liveClock = new Clock((i) => {
    livePlayer.show(i);
    probe.liveFrame = i;
  });
  dash = {
    api,
    session,
    run: null,
    cols: emptyColumns(),
    after: 0,
    charts,
    livePlayer,
    liveClock,
    liveKey: null,
    replay: null,
    activeAnswer: null,
  };

  poll(pollStatus, 3000);
  poll(pollMetrics, 2000);
  poll(pollLive, 3000);
  poll(pollRecent, 4000);
  if (dash.session.isOwner) {
    wireRunControls();
    $("labellers-panel").hidden = false;
    poll(pollLabellers, 10000);
  }
}

/**
 * Runs `fn` now and then every `ms` after each run ends; errors wait for the next round.
 * @param {() => Promise<void>} fn
 * @param {number} ms
 */
function poll(fn, ms) {
  const loop = async () => {
    try {
      await fn();
    } catch (err) {
      console.warn(err);
    }
    setTimeout(loop, ms);
  };
  loop();
}

// ---- the trainer ------------------------------------------------------------------------------

async function pollStatus() {
  const { run } = await dash.api.get("/api/stats");
  dash.run = run;
  renderStatus($("run-status"), run);
  $("run-detail").textContent = run
    ? `${run.answered} of ${run.labels} answers · ${run.pace === "wait" ? "paced by its teacher" : "not paced"}` +
      (run.waitedSeconds > 0 ? ` · waited ${formatDuration(run.waitedSeconds)} for answers` : "")
    : "";
  const active = run !== null && ["starting", "training", "waiting"].includes(run.trainer);
  $("stop-run", HTMLButtonElement).disabled = !active;
  $("end-labelling", HTMLButtonElement).disabled = !active || run.labellingEnded;
}

/** The owner's buttons: stop the run (policy and reward model kept) or end labelling early. */
function wireRunControls() {
  /**
   * @param {"/api/run/stop" | "/api/run/end-labelling"} path
   * @param {string} question
   * @param {string} done
   */
  const request = (path, question, done) => async () => {
    if (!window.confirm(question)) return;
    try {
      await dash.api.post(path, {});
      toast(done, { ms: TOAST_MS });
      await pollStatus();
    } catch (err) {
      toast(`The trainer did not get the request: ${errorMessage(err)}`, { ms: TOAST_MS });
    }
  };
  $("stop-run").hidden = false;
  $("stop-run").addEventListener(
    "click",
    request(
      "/api/run/stop",
      "Stop training now? The policy and the reward model are saved; backflip resume continues the run.",
      "Stopping after the current update; the policy and the reward model are saved.",
    ),
  );
  $("end-labelling").hidden = false;
  $("end-labelling").addEventListener(
    "click",
    request(
      "/api/run/end-labelling",
      "End labelling? No more questions are asked; the agent trains to the end on the answers given.",
      "Labelling ended; training goes on.",
    ),
  );
}

// ---- curves -----------------------------------------------------------------------------------

/** @returns {DashState["charts"]} */
function makeCharts() {
  /** @type {UPlot.Axis} */
  const stepsAxis = {
    label: "env steps",
    labelSize: 18,
    size: 38,
    values: (_u, ticks) => ticks.map(shortNumber),
  };
  /** @param {number} height */
  const base = (height) => ({
    height,
    scales: { x: { time: false } },
    cursor: { drag: { x: true, y: false }, points: { size: 6 } },
    legend: { live: true },
  });

  const returns = chart("chart-returns", {
    ...base(210),
    scales: { x: { time: false }, ret: {}, rhat: {} },
    series: [
      { label: "steps", value: legendValue(shortNumber) },
      line("true return", COLORS.true, "ret", { spanGaps: true }),
      line("predicted return (r̂)", COLORS.predicted, "rhat", { dash: [6, 4] }),
    ],
    axes: [
      stepsAxis,
      { scale: "ret", label: "true return", labelSize: 18, size: 50, stroke: COLORS.true },
      {
        scale: "rhat",
        side: 1,
        label: "predicted return",
        labelSize: 18,
        size: 50,
        grid: { show: false },
        stroke: COLORS.predicted,
      },
    ],
  });
  const labels = chart("chart-labels", {
    ...base(170),
    series: [
      { label: "steps", value: legendValue(shortNumber) },
      line("labels", COLORS.labels, "y", { fill: "rgba(112,72,232,0.08)" }),
    ],
    axes: [stepsAxis, { size: 44 }],
  });
  const reward = chart("chart-reward", {
    ...base(170),
    scales: { x: { time: false }, y: { range: [0, 1] } },
    series: [
      { label: "steps", value: legendValue(shortNumber) },
      line("val. accuracy", COLORS.accuracy, "y", { spanGaps: true }),
      line("r̂ vs reward corr. (steps)", COLORS.correlation, "y", { spanGaps: true, dash: [5, 4] }),
      line("r̂ vs reward corr. (clips)", COLORS.correlation, "y", { spanGaps: true }),
    ],
    axes: [stepsAxis, { size: 40 }],
  });
  return { returns, labels, reward };
}

/**
 * @param {string} label
 * @param {string} stroke
 * @param {string} scale
 * @param {UPlot.Series} extra
 * @returns {UPlot.Series}
 */
function line(label, stroke, scale, extra = {}) {
  return {
    label,
    stroke,
    scale,
    width: 2,
    points: { show: false },
    value: legendValue(formatNumber),
    ...extra,
  };
}

/**
 * Legend values: the hovered point's, else the latest value (so the legend reads as a summary).
 * @param {(v: number) => string} format
 * @returns {UPlot.Series.Value}
 */
function legendValue(format) {
  return (u, v, sidx, idx) => {
    if (idx == null) {
      const col = u.data[sidx] ?? [];
      for (let i = col.length - 1; i >= 0; i--) {
        const value = col[i];
        if (value != null) return format(value);
      }
      return "–";
    }
    return v == null ? "–" : format(v);
  };
}

/**
 * @param {string} id
 * @param {Omit<UPlot.Options, "width">} opts
 */
function chart(id, opts) {
  const el = $(id);
  const u = new uPlot(
    { ...opts, width: Math.max(200, el.clientWidth) },
    // One empty column per series: the x values, then each line's.
    [[], ...opts.series.slice(1).map(() => [])],
    el,
  );
  new ResizeObserver(() => {
    const w = Math.max(200, el.clientWidth);
    if (Math.abs(w - u.width) > 1) u.setSize({ width: w, height: opts.height });
  }).observe(el);
  return u;
}

async function pollMetrics() {
  const res = await dash.api.get(`/api/metrics?after=${dash.after}`);
  const rows = res.rows ?? [];
  if (res.next < dash.after) {
    // The file was replaced: start over.
    dash.cols = emptyColumns();
  }
  dash.after = res.next;
  if (rows.length === 0) return;
  const c = dash.cols;
  for (const r of rows) {
    c.steps.push(r.steps);
    c.labels.push(r.labels ?? null);
    c.trueReturn.push(finiteOrNull(r.trueReturn));
    c.predictedReturn.push(finiteOrNull(r.predictedReturn));
    c.acc.push(finiteOrNull(r.rewardValAccuracy));
    c.corr.push(finiteOrNull(r.rewardCorrelation));
    c.clipCorr.push(finiteOrNull(r.rewardClipCorrelation));
  }
  dash.charts.returns.setData([c.steps, c.trueReturn, c.predictedReturn]);
  dash.charts.labels.setData([c.steps, c.labels]);
  dash.charts.reward.setData([c.steps, c.acc, c.corr, c.clipCorr]);
  const hasTrue = c.trueReturn.some((v) => v !== null);
  dash.charts.returns.setSeries(1, { show: hasTrue });
  probe.metricsRows = c.steps.length;
  probe.charts = {
    returns: dash.charts.returns.data[0].length,
    labels: dash.charts.labels.data[0].length,
    reward: dash.charts.reward.data[0].length,
  };

  const last = rows[rows.length - 1];
  $("stat-steps").textContent = shortNumber(last.steps);
  $("stat-labels").textContent = String(last.labels ?? "–");
  const lastTrue = [...c.trueReturn].reverse().find((v) => v !== null);
  $("stat-return").textContent = lastTrue == null ? "–" : formatNumber(lastTrue);
  const lastAcc = [...c.acc].reverse().find((v) => v !== null);
  $("stat-acc").textContent = lastAcc == null ? "–" : `${Math.round(lastAcc * 100)}%`;
  // A goal's own count (landed backflips per episode), from the latest rollout that finished one.
  const label = dash.session.run?.goalMeasure;
  const lastCount = [...rows].reverse().find((r) => r.goalCount != null)?.goalCount;
  $("stat-goal-counter").hidden = !label;
  if (label) {
    $("stat-goal-label").textContent = `${label} / episode`;
    $("stat-goal").textContent = lastCount == null ? "–" : lastCount.toFixed(1);
  }
}

// ---- the live policy --------------------------------------------------------------------------

async function pollLive() {
  const { live } = await dash.api.get("/api/live");
  if (!live?.frames?.length) {
    $("live-status").textContent = "no clip yet: training has not recorded one";
    return;
  }
  const key = `${live.policyVersion}:${live.envStep}:${live.frames.length}`;
  if (key === dash.liveKey) return;
  dash.liveKey = key;
  const mod = await prepareClip(live, dash.session.run);
  dash.livePlayer.load(live, mod, rewardScale(live));
  dash.liveClock.start(live.fps || dash.session.run?.fps || 30, live.frames.length);
  probe.liveVersion = live.policyVersion;
  probe.liveShown++;
  $("live-status").textContent = "playing live, looping";
  $("live-version").textContent = `policy v${live.policyVersion}`;
  $("live-step").textContent = `recorded at ${shortNumber(live.envStep)} steps`;
  const p = live.predicted?.filter(Number.isFinite) ?? [];
  $("live-return").textContent = p.length
    ? `Σr̂ over the clip ${formatNumber(p.reduce((a, b) => a + b, 0))}`
    : "";
}

// ---- recent answers and replay ----------------------------------------------------------------

async function pollRecent() {
  const { answers } = await dash.api.get("/api/answers/recent?limit=30");
  const list = $("recent");
  const signature = answers.map((a) => a.answerId).join(",");
  if (list.dataset.signature === signature) return;
  list.dataset.signature = signature;
  list.replaceChildren(
    ...answers.map((a) => {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.answerId = String(a.answerId);
      button.classList.toggle("active", dash.activeAnswer === a.answerId);
      const badge = document.createElement("span");
      badge.className = `badge badge-${a.answer.replace("_", "-")}`;
      badge.textContent = ANSWERS[a.answer]?.short ?? a.answer;
      const who = document.createElement("span");
      who.textContent = `${a.labeller} · ${a.queryId}`;
      const when = document.createElement("span");
      when.className = "muted";
      when.textContent = timeAgo(a.time);
      button.append(badge, who, when);
      button.addEventListener("click", () => replay(a));
      li.append(button);
      return li;
    }),
  );
  if (answers.length === 0) {
    const li = document.createElement("li");
    li.className = "muted";
    li.textContent = "No answers yet.";
    list.append(li);
  }
}

/** @param {RecentAnswerView} a */
async function replay(a) {
  dash.activeAnswer = a.answerId;
  for (const b of $("recent").querySelectorAll("button")) {
    b.classList.toggle("active", b.dataset.answerId === String(a.answerId));
  }
  const [left, right] = await Promise.all([
    dash.api.get(`/api/clips/${encodeURIComponent(a.leftClipId)}`),
    dash.api.get(`/api/clips/${encodeURIComponent(a.rightClipId)}`),
  ]);
  const run = dash.session.run;
  if (!dash.replay) {
    const players = {
      left: new ClipPlayer($("replay-left"), run),
      right: new ClipPlayer($("replay-right"), run),
    };
    const clock = new Clock((i) => {
      players.left.show(i);
      players.right.show(i);
    });
    dash.replay = { players, clock };
  }
  $("replay").hidden = false;
  const [lm, rm] = await Promise.all([prepareClip(left, run), prepareClip(right, run)]);
  const scale = rewardScale(left, right);
  dash.replay.players.left.load(left, lm, scale);
  dash.replay.players.right.load(right, rm, scale);
  dash.replay.clock.start(
    left.fps || run?.fps || 30,
    Math.max(left.frames.length, right.frames.length),
  );
  $("replay-left").classList.toggle("chosen", a.answer === "left");
  $("replay-right").classList.toggle("chosen", a.answer === "right");
  $("replay-caption").textContent =
    `${a.queryId}: ${a.labeller} answered “${ANSWERS[a.answer]?.short ?? a.answer}” ${timeAgo(a.time)}`;
  probe.replayed = a.answerId;
}

// ---- labellers (owner) ------------------------------------------------------------------------

async function pollLabellers() {
  const { labellers, repeats } = await dash.api.get("/api/labellers");
  $("labellers").replaceChildren(
    ...labellers.map((l) => {
      const tr = document.createElement("tr");
      const cells = [l.name, String(l.answers), l.lastAnswerAt ? timeAgo(l.lastAnswerAt) : "–"];
      cells.forEach((text, i) => {
        const td = document.createElement("td");
        td.textContent = text;
        if (i > 0) td.className = "num";
        tr.append(td);
      });
      return tr;
    }),
  );
  $("repeats").textContent =
    repeats?.pairs > 0
      ? `Repeated queries answered by two labellers: ${repeats.pairs}; the same answer on ${repeats.agreed} (${Math.round((repeats.rate ?? 0) * 100)}%).`
      : "No repeated query has been answered by two labellers yet.";
}

// ---- formatting -------------------------------------------------------------------------------

/**
 * @param {number | null | undefined} v
 * @returns {number | null}
 */
function finiteOrNull(v) {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** @param {number | null | undefined} v */
function shortNumber(v) {
  if (v == null || !Number.isFinite(v)) return "–";
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(a >= 1e7 ? 0 : 1)}M`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(a >= 1e4 ? 0 : 1)}k`;
  return String(Math.round(v * 100) / 100);
}

/** @param {number} v */
function formatNumber(v) {
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/** @param {number} ms */
function timeAgo(ms) {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return new Date(ms).toLocaleDateString();
}

/** @returns {Columns} */
function emptyColumns() {
  return {
    steps: [],
    labels: [],
    trueReturn: [],
    predictedReturn: [],
    acc: [],
    corr: [],
    clipCorr: [],
  };
}
