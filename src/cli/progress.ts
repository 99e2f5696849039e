import cliProgress from "cli-progress";
import type { MetricsRow } from "../loop/metrics.ts";
import type { TrainerStatus } from "../store/index.ts";

/**
 * A progress bar on stderr when it is a terminal; otherwise a line every 10% of the run, so a
 * log file still shows how a long run is going.
 */
export class Progress {
  private readonly bar: cliProgress.SingleBar | null;
  private nextLogAt = 0.1;
  private stopped = false;
  private waiting = false;
  private lastAnswered = -1;
  /** Long episodes (a pixel game's 2,000 steps) end in few rollouts: show the latest one's return. */
  private lastReturn = "–";

  constructor(
    private readonly total: number,
    private readonly enabled: boolean,
  ) {
    this.bar =
      enabled && process.stderr.isTTY
        ? new cliProgress.SingleBar(
            {
              stream: process.stderr,
              format:
                "{bar} {percentage}% | {value}/{total} {unit} | {labels} labels | r̂ acc {acc} | true return {ret} | {sps} steps/s | {note}",
              hideCursor: true,
              barsize: 24,
            },
            cliProgress.Presets.shades_classic,
          )
        : null;
    this.bar?.start(total, 0, { unit: "steps", labels: 0, acc: "–", ret: "–", sps: "–", note: "" });
  }

  note(text: string): void {
    if (!this.enabled) return;
    if (this.bar) this.bar.update({ note: text });
    else console.error(text);
  }

  /**
   * The trainer's heartbeat. While RL waits for people's answers the bar counts answers against
   * the questions asked; the next `update` turns it back into a bar of env steps.
   */
  status(status: TrainerStatus): void {
    if (!this.enabled || status.state !== "waiting") return;
    const { answered, wanted } = status;
    if (this.bar) {
      this.bar.setTotal(Math.max(wanted, 1));
      this.bar.update(answered, {
        unit: "answers",
        labels: answered,
        note: "the agent is waiting for your answers on the labelling page",
      });
      this.waiting = true;
    } else if (answered !== this.lastAnswered) {
      console.error(`the agent is waiting for your answers: ${answered}/${wanted} answered`);
    }
    this.lastAnswered = answered;
  }

  update(row: MetricsRow): void {
    if (!this.enabled) return;
    if (row.trueReturn !== null) this.lastReturn = row.trueReturn.toFixed(1);
    const payload = {
      labels: row.labels,
      acc: row.rewardValAccuracy === null ? "–" : row.rewardValAccuracy.toFixed(2),
      ret: this.lastReturn,
      sps: Math.round(row.stepsPerSecond),
      unit: "steps",
      note: "training",
    };
    if (this.bar) {
      if (this.waiting) {
        this.bar.setTotal(this.total);
        this.waiting = false;
      }
      this.bar.update(Math.min(row.steps, this.total), payload);
    } else if (row.steps >= this.nextLogAt * this.total) {
      this.nextLogAt = Math.floor((row.steps / this.total) * 10 + 1) / 10;
      console.error(
        `${row.steps}/${this.total} steps, ${payload.labels} labels, r̂ accuracy ${payload.acc}, true return ${payload.ret}, ${payload.sps} steps/s`,
      );
    }
  }

  /** Env steps taken before any label is asked for (PEBBLE's exploration). */
  exploring(steps: number): void {
    if (!this.enabled) return;
    if (this.bar)
      this.bar.update(Math.min(steps, this.total), { unit: "steps", note: "exploring" });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.bar?.stop();
  }
}
