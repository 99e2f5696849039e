/**
 * The trainer's state in words, for the labelling page and the dashboard alike. `progress` is the
 * `run` object of /api/stats (docs/api.md), or null before any trainer has started.
 */

/** @import { RunProgress } from "../../src/server/api_types.ts" */

/** @typedef {"idle" | "ok" | "attention" | "done" | "down"} Tone */

/**
 * Tone (a colour in style.css) and text for the status strip.
 * @param {RunProgress | null} progress
 * @returns {{tone: Tone, text: string}}
 */
export function describeRun(progress) {
  if (!progress) return { tone: "idle", text: "Waiting for the trainer to start" };
  if (progress.labellingEnded && progress.trainer !== "finished") {
    return {
      tone: progress.trainer === "not_running" ? "down" : "ok",
      text:
        progress.trainer === "not_running"
          ? "Labelling has ended, and the trainer is not running"
          : "Labelling has ended; the agent keeps training on the answers given",
    };
  }
  switch (progress.trainer) {
    case "training":
      return { tone: "ok", text: "Training" };
    case "waiting":
      return { tone: "attention", text: "The agent is waiting for your answers" };
    case "starting":
      return { tone: "idle", text: "The trainer is starting" };
    case "finished":
      return { tone: "done", text: "This run is finished. Thank you!" };
    case "stopped":
      return {
        tone: "down",
        text: "The run was stopped. Answers given now count when it resumes (backflip resume)",
      };
    default:
      return {
        tone: "down",
        text: "The trainer is not running. Answers given now count when it resumes (backflip resume)",
      };
  }
}

/**
 * `progress.remaining` as a phrase, with a time at `secondsPerAnswer` when that is known.
 * @param {RunProgress | null} progress
 * @param {number | null} secondsPerAnswer
 */
export function describeRemaining(progress, secondsPerAnswer) {
  if (!progress) return { count: "–", eta: "" };
  const n = progress.remaining;
  if (n === 0) return { count: "0", eta: "no more answers wanted" };
  if (secondsPerAnswer === null || !(secondsPerAnswer > 0))
    return { count: String(n), eta: "answers still wanted" };
  return {
    count: String(n),
    eta: `answers still wanted · about ${formatDuration(n * secondsPerAnswer)} at your pace`,
  };
}

/** @param {number} seconds */
export function formatDuration(seconds) {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds / 10) * 10)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/**
 * A labeller's pace: the median gap between their recent answers, leaving out breaks (gaps over
 * two minutes). `times` are milliseconds, oldest first. Null until there are three answers.
 * @param {number[]} times
 * @returns {number | null}
 */
export function secondsPerAnswer(times) {
  const gaps = [];
  for (let i = Math.max(1, times.length - 20); i < times.length; i++) {
    const gap = (times[i] - times[i - 1]) / 1000;
    if (gap > 0 && gap <= 120) gaps.push(gap);
  }
  if (gaps.length < 2) return null;
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)];
}

/**
 * Fills a status strip: `el` gets the tone as `data-tone` and the text in `.run-status-text`.
 * @param {HTMLElement} el
 * @param {RunProgress | null} progress
 */
export function renderStatus(el, progress) {
  const { tone, text } = describeRun(progress);
  el.dataset.tone = tone;
  const textEl = el.querySelector(".run-status-text");
  if (textEl) textEl.textContent = text;
  el.hidden = false;
}
