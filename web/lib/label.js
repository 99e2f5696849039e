/**
 * The labelling page: two clips play side by side, in sync and looping; the labeller says which
 * is closer to the goal with ← → ↑ ↓ (or the buttons) and can undo the last answer with U.
 *
 * The next pair is leased and its renderer loaded while the current one plays, so an answer
 * swaps pairs at once; the answer itself is sent in the background by the Outbox.
 */
/**
 * @import {
 *   Answer, ClipView, LeaseView, NextQueryView, SessionView, StatsView, WaitingReason,
 *   WaitingView,
 * } from "../../src/server/api_types.ts"
 * @import { RendererModule } from "../render/index.js"
 * @import { Api } from "./api.js"
 */
import { ApiError, isTransient } from "./api.js";
import { Outbox } from "./outbox.js";
import {
  $,
  ANSWERS,
  answerForKey,
  buttons,
  errorMessage,
  exposeProbe,
  isAnswer,
  retrying,
  startPage,
  toast,
} from "./page.js";
import { ClipPlayer, Clock, prepareClip, renderLegend, rewardScale } from "./player.js";
import { describeRemaining, renderStatus, secondsPerAnswer } from "./run_status.js";

/** Leased pairs kept ready: the one on screen plus this many more. */
const READY_AHEAD = 1;
/** How often the counters and the trainer's state are refreshed. */
const STATS_MS = 3000;
/**
 * What the "no questions" card says, by the server's reason for having none.
 * @type {Record<WaitingReason, [title: string, text: string]>}
 */
const WAITING_TEXT = {
  no_queries: [
    "No questions right now",
    "Training is making more. This page checks by itself and carries on when they arrive.",
  ],
  trainer_not_running: [
    "The trainer is not running",
    "Every question asked so far is answered. When the run resumes (backflip resume), new ones appear here by themselves.",
  ],
  labelling_ended: [
    "Labelling has ended",
    "Thank you! The agent trains on with the answers given.",
  ],
};
const SPEEDS = [0.25, 0.5, 1, 2, 4];

/**
 * What the page is doing; `document.body.dataset.state` and the probe show it.
 * @typedef {"loading" | "fetching" | "waiting" | "labelling" | "undoing" | "signin"} LabelState
 */

/** What tests and benchmarks read: timings and the page's state. */
const probe = {
  /** @type {LabelState} */
  state: "loading",
  /** @type {string | null} */
  queryId: null,
  /** @type {number | null} */
  lastSwapMs: null,
  /**
   * Every swap: {ms, ready}; ready is false when the answer came before the next pair had loaded.
   * @type {{ms: number, ready: boolean}[]}
   */
  swaps: [],
  shown: 0,
  /** Pairs leased and prepared behind the one on screen. */
  ready: 0,
  pendingAnswers: 0,
  /** @type {string | undefined} */
  error: undefined,
};
exposeProbe(probe);

/**
 * A leased pair made ready to show.
 * @typedef {object} Prepared
 * @property {string} leaseId
 * @property {number} expiresAt
 * @property {string} queryId
 * @property {ClipView} left
 * @property {ClipView} right
 * @property {RendererModule} leftMod
 * @property {RendererModule} rightMod
 * @property {number} scale  r̂ scale shared by both clips
 * @property {number} fps
 * @property {number} length
 */

/**
 * @typedef {object} PageState
 * @property {Api} api
 * @property {SessionView} session
 * @property {Outbox} outbox
 * @property {{left: ClipPlayer, right: ClipPlayer}} players
 * @property {Clock} clock
 * @property {Prepared[]} queue  prepared pairs; [0] is on screen
 * @property {boolean} fetching
 * @property {ReturnType<typeof setTimeout> | undefined} waitTimer
 * @property {boolean} busy
 * @property {StatsView | null} stats
 * @property {boolean} statsPending
 * @property {ReturnType<typeof setInterval> | undefined} statsTimer
 * @property {number} speed
 * @property {Map<string, string>} leases  the newest lease this page holds for each query id (leases can be renewed)
 * @property {{queryId: string, answer: Answer}[]} given  answers given on this page, newest last, to name what an undo withdrew
 * @property {number | null} pendingSwapFrom  set when an answer emptied the queue: the swap is timed when the next pair arrives
 * @property {number[]} answerTimes  when this labeller answered, on this page (ms), for their pace
 */

/**
 * The page's state, made by main() once the session is open; nothing else runs before then.
 * @type {PageState}
 */
let page;

main().catch((err) => fatal(err));

async function main() {
  const started = await startPage({
    title: "Label",
    retry: true,
    signIn: (problem) =>
      signIn(
        problem === "no_token"
          ? "This page needs your labelling link: open the one that backflip serve printed"
          : "This labelling link is no longer valid. Ask the run's owner for a new one",
      ),
  });
  if (!started) return;
  const { api, session, run } = started;
  $("rubric").textContent = run?.rubric || "Pick the clip that is closer to the goal.";

  renderLegend($("legend"), run);
  const players = {
    left: new ClipPlayer($("player-left"), run),
    right: new ClipPlayer($("player-right"), run),
  };
  const clock = new Clock((i, progress) => {
    players.left.show(i);
    players.right.show(i);
    $("progress-fill").style.transform = `scaleX(${progress})`;
  });
  const outbox = new Outbox(api, `backflip.outbox.${session.labeller}`, {
    onChange: (n) => {
      probe.pendingAnswers = n;
      renderCounters();
    },
    onStored: () => {
      $("saving").hidden = true;
      refreshStats();
    },
    onRetry: () => {
      $("saving").hidden = false;
    },
    onDropped: (_item, reason) =>
      toast(`An answer could not be saved: ${reason}.`, { tone: "error" }),
    onAuth: () => signIn("Your labelling link stopped working; answers are kept until it works"),
    latestLease: (queryId) => page.leases.get(queryId),
  });
  page = {
    api,
    session,
    outbox,
    players,
    clock,
    queue: [],
    fetching: false,
    waitTimer: undefined,
    busy: false,
    stats: null,
    statsPending: false,
    statsTimer: undefined,
    speed: 1,
    leases: new Map(),
    given: [],
    pendingSwapFrom: null,
    answerTimes: [],
  };
  setSpeed(readSpeed());
  page.outbox.run();

  wireControls();
  $("main").focus();
  setState("fetching");
  refreshStats();
  page.statsTimer = setInterval(refreshStats, STATS_MS);
  setInterval(refreshExpired, 10000);
  fill();
}

// ---- the queue of prepared pairs ---------------------------------------------------------------

/** Leases pairs until READY_AHEAD are waiting behind the one on screen. */
async function fill() {
  if (page.fetching) return;
  page.fetching = true;
  clearTimeout(page.waitTimer);
  try {
    while (page.queue.length < READY_AHEAD + 1) {
      let res;
      try {
        res = await page.api.post("/api/queries/next", {});
      } catch (err) {
        if (err instanceof ApiError && err.code === "lease_limit") {
          // This labeller holds as many pairs as allowed. Pairs this page neither shows nor has
          // an answer on its way for were leased by a page that is gone (a reload, a crash):
          // take one back rather than wait for its lease to run out. Otherwise: no query now.
          /** @type {WaitingView} */
          const none = { waiting: true, retryAfterMs: 1000, reason: "no_queries" };
          res = (await reclaimLease(err.held)) ?? none;
        } else {
          if (!isTransient(err)) throw err;
          toast("The server is not answering; trying again…", { tone: "warn" });
          page.waitTimer = setTimeout(fill, 2000);
          return;
        }
      }
      if (isWaiting(res)) {
        if (page.queue.length === 0) {
          page.pendingSwapFrom = null;
          const [title, text] = WAITING_TEXT[res.reason] ?? WAITING_TEXT.no_queries;
          $("waiting-title").textContent = title;
          $("waiting-text").textContent = text;
          setState("waiting");
        }
        const ms = Math.min(10000, Math.max(500, Number(res.retryAfterMs) || 2000));
        page.waitTimer = setTimeout(fill, ms);
        return;
      }
      const item = await prepare(res);
      page.queue.push(item);
      probe.ready = page.queue.length - 1;
      if (page.queue.length === 1) {
        showCurrent();
        if (page.pendingSwapFrom !== null) measureSwap(page.pendingSwapFrom, false);
        page.pendingSwapFrom = null;
      }
    }
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      signIn("Your labelling link stopped working. Ask the run's owner for a new one");
    } else {
      fatal(err);
    }
  } finally {
    page.fetching = false;
  }
}

/**
 * A new lease on the first of `held` that this page neither queues nor has an answer waiting
 * for in its outbox, or null when there is none or it cannot be had now (answered meanwhile, or
 * the server not answering: the caller asks again in a second either way).
 * @param {string[]} held
 * @returns {Promise<LeaseView | null>}
 */
async function reclaimLease(held) {
  const mine = new Set([
    ...page.queue.map((item) => item.queryId),
    ...page.outbox.items.map((item) => item.queryId),
  ]);
  const queryId = held.find((id) => !mine.has(id));
  if (queryId === undefined) return null;
  try {
    return await page.api.post("/api/queries/lease", { queryId });
  } catch {
    return null;
  }
}

/**
 * True when /api/queries/next had no query to give (a lease without an id counts as none).
 * @param {NextQueryView} res
 * @returns {res is WaitingView}
 */
function isWaiting(res) {
  return "waiting" in res || !res.leaseId;
}

/**
 * A leased pair made ready to show: renderers loaded, r̂ scale shared by both clips.
 * @param {LeaseView} lease
 * @returns {Promise<Prepared>}
 */
async function prepare(lease) {
  const run = page.session.run;
  const { left, right } = lease.query;
  const [leftMod, rightMod] = await Promise.all([prepareClip(left, run), prepareClip(right, run)]);
  page.leases.set(lease.query.id, lease.leaseId);
  return {
    leaseId: lease.leaseId,
    expiresAt: lease.expiresAt,
    queryId: lease.query.id,
    left,
    right,
    leftMod,
    rightMod,
    scale: rewardScale(left, right),
    fps: left.fps || right.fps || run?.fps || 30,
    length: Math.max(left.frames.length, right.frames.length),
  };
}

function showCurrent() {
  probe.ready = Math.max(0, page.queue.length - 1);
  const item = page.queue[0];
  if (!item) return;
  page.players.left.load(item.left, item.leftMod, item.scale);
  page.players.right.load(item.right, item.rightMod, item.scale);
  page.clock.start(item.fps, item.length);
  probe.queryId = item.queryId;
  probe.shown++;
  setState("labelling");
}

// ---- answering and undo ------------------------------------------------------------------------

/**
 * @param {Answer} kind
 * @param {number} startedAt
 */
function answer(kind, startedAt = performance.now()) {
  const item = page.queue[0];
  if (!item || page.busy || probe.state !== "labelling") return;
  performance.mark("backflip:answer");
  flashButton(kind);
  page.given.push({ queryId: item.queryId, answer: kind });
  page.answerTimes.push(Date.now());
  if (page.given.length > 50) page.given.shift();
  page.outbox.add({ leaseId: item.leaseId, queryId: item.queryId, answer: kind });
  page.queue.shift();
  probe.ready = Math.max(0, page.queue.length - 1);
  if (page.queue.length > 0) {
    showCurrent();
    measureSwap(startedAt, true);
  } else {
    setState("fetching");
    page.pendingSwapFrom = startedAt;
  }
  fill();
}

/**
 * Time from the keypress to the first painted frame of the next pair.
 * @param {number} startedAt
 * @param {boolean} ready
 */
function measureSwap(startedAt, ready) {
  requestAnimationFrame(() => {
    // A message posted from rAF is handled after the frame is painted.
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      const ms = performance.now() - startedAt;
      performance.mark("backflip:pair-playing");
      probe.lastSwapMs = ms;
      probe.swaps.push({ ms, ready });
      channel.port1.close();
    };
    channel.port2.postMessage(0);
  });
}

async function undo() {
  if (page.busy || !page.session) return;
  page.busy = true;
  $("undo", HTMLButtonElement).disabled = true;
  const previousState = probe.state;
  setState("undoing");
  try {
    await page.outbox.drain();
    let res;
    try {
      res = await retrying(() => page.api.post("/api/answers/undo", {}));
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        toast("Nothing to undo.");
        return;
      }
      throw err;
    }
    const { queryId } = res.undone;
    const lease = await retrying(() => page.api.post("/api/queries/lease", { queryId }));
    if (!lease?.leaseId) {
      toast("Undone, but that pair was handed to someone else in the meantime.", {
        tone: "warn",
      });
      return;
    }
    const item = await prepare(lease);
    page.queue.unshift(item);
    showCurrent();
    const before = page.given.findLast((g) => g.queryId === queryId);
    if (before) page.given.splice(page.given.indexOf(before), 1);
    const what = before ? `“${ANSWERS[before.answer].text}”` : "your last answer";
    toast(`Undone: ${what}. Answer this pair again.`);
    refreshStats();
  } catch (err) {
    toast(`Undo failed: ${errorMessage(err)}`, { tone: "error" });
  } finally {
    page.busy = false;
    $("undo", HTMLButtonElement).disabled = false;
    if (probe.state === "undoing") {
      setState(page.queue.length > 0 ? "labelling" : previousState);
    }
  }
}

/** Drops or renews pairs whose lease ran out while they waited (e.g. the labeller left). */
async function refreshExpired() {
  if (page.busy) return;
  const now = Date.now();
  for (const item of [...page.queue]) {
    if (item.expiresAt > now) continue;
    /** @type {LeaseView | null} */
    let lease = null;
    try {
      lease = await page.api.post("/api/queries/lease", { queryId: item.queryId });
    } catch {
      lease = null;
    }
    if (lease?.leaseId) {
      item.leaseId = lease.leaseId;
      item.expiresAt = lease.expiresAt;
      page.leases.set(item.queryId, lease.leaseId);
      continue;
    }
    const i = page.queue.indexOf(item);
    if (i < 0) continue;
    page.queue.splice(i, 1);
    if (i === 0) {
      if (page.queue.length > 0) showCurrent();
      else setState("fetching");
    }
  }
  fill();
}

// ---- controls ---------------------------------------------------------------------------------

function wireControls() {
  for (const button of buttons("[data-answer]")) {
    const kind = button.dataset.answer;
    if (!isAnswer(kind)) continue;
    button.addEventListener("click", () => {
      answer(kind);
      $("main").focus();
    });
  }
  if (page.session.isOwner) {
    $("end-labelling").hidden = false;
    $("end-labelling").addEventListener("click", endLabelling);
  }
  $("undo").addEventListener("click", () => {
    undo();
    $("main").focus();
  });
  $("pause").addEventListener("click", () => {
    togglePause();
    $("main").focus();
  });
  for (const button of buttons("[data-speed]")) {
    button.addEventListener("click", () => {
      setSpeed(Number(button.dataset.speed));
      $("main").focus();
    });
  }
  document.addEventListener("keydown", onKey);
}

/** @param {KeyboardEvent} event */
function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement) return;
  const kind = answerForKey(event.key);
  if (kind) {
    event.preventDefault();
    if (!event.repeat) answer(kind, performance.now());
    return;
  }
  switch (event.key) {
    case "u":
    case "U":
    case "Backspace":
      event.preventDefault();
      if (!event.repeat) undo();
      return;
    case " ":
      event.preventDefault();
      togglePause();
      return;
    case "-":
    case "_":
      setSpeed(SPEEDS[Math.max(0, SPEEDS.indexOf(page.speed) - 1)]);
      return;
    case "+":
    case "=":
      setSpeed(SPEEDS[Math.min(SPEEDS.length - 1, SPEEDS.indexOf(page.speed) + 1)]);
      return;
  }
}

function togglePause() {
  page.clock.paused = !page.clock.paused;
  $("pause").classList.toggle("active", page.clock.paused);
  $("pause-label").textContent = page.clock.paused ? "Play" : "Pause";
}

function readSpeed() {
  try {
    const s = Number(localStorage.getItem("backflip.speed"));
    return SPEEDS.includes(s) ? s : 1;
  } catch {
    return 1;
  }
}

/** @param {number} speed */
function setSpeed(speed) {
  if (!SPEEDS.includes(speed)) return;
  page.speed = speed;
  page.clock.speed = speed;
  for (const b of buttons("[data-speed]")) {
    const on = Number(b.dataset.speed) === speed;
    b.classList.toggle("active", on);
    b.setAttribute("aria-pressed", String(on));
  }
  try {
    localStorage.setItem("backflip.speed", String(speed));
  } catch {
    // not kept across loads
  }
}

/** @param {Answer} kind */
function flashButton(kind) {
  const button = document.querySelector(`[data-answer="${kind}"]`);
  if (!(button instanceof HTMLElement)) return;
  button.classList.remove("flash");
  void button.offsetWidth;
  button.classList.add("flash");
}

// ---- counters and states ----------------------------------------------------------------------

async function refreshStats() {
  if (page.statsPending) return;
  page.statsPending = true;
  try {
    page.stats = await page.api.get("/api/stats");
    renderCounters();
  } catch {
    // The counters stay as they were; the next refresh tries again.
  } finally {
    page.statsPending = false;
  }
}

function renderCounters() {
  const s = page.stats;
  if (!s) return;
  $("count-today").textContent = String(s.answeredToday + (page.outbox?.pending ?? 0));
  $("count-total").textContent = `${s.answeredTotal + (page.outbox?.pending ?? 0)} in all`;
  const remaining = describeRemaining(s.run, secondsPerAnswer(page.answerTimes));
  $("count-remaining").textContent = remaining.count;
  $("count-eta").textContent = remaining.eta;
  renderStatus($("run-status"), s.run);
  $("end-labelling", HTMLButtonElement).disabled = Boolean(s.run?.labellingEnded);
  $("agreement").textContent =
    s.agreement == null ? "–" : `${Math.round(Math.max(0, Math.min(1, s.agreement)) * 100)}%`;
}

/** The owner ends labelling: no more questions; the agent trains on with the answers given. */
async function endLabelling() {
  const ok = window.confirm(
    "End labelling for this run? No more questions will be asked; the agent trains to the end on the answers given so far.",
  );
  if (!ok) return;
  try {
    await retrying(() => page.api.post("/api/run/end-labelling", {}));
    toast("Labelling ended. The agent trains on with your answers.");
    refreshStats();
  } catch (err) {
    toast(`Could not end labelling: ${errorMessage(err)}`, { tone: "error" });
  }
}

/** @param {LabelState} state */
function setState(state) {
  probe.state = state;
  document.body.dataset.state = state;
  $("waiting").hidden = state !== "waiting";
  $("fetching").hidden = state !== "fetching";
  const disabled = state !== "labelling";
  for (const b of buttons("[data-answer]")) b.disabled = disabled;
}

/** @param {string} text */
function signIn(text) {
  setState("signin");
  $("signin-text").textContent = `${text}.`;
  $("signin").hidden = false;
}

/** @param {unknown} err */
function fatal(err) {
  console.error(err);
  probe.error = errorMessage(err);
  toast(`Something went wrong: ${probe.error}`, { tone: "error" });
}
