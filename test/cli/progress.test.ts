import assert from "node:assert/strict";
import { test } from "node:test";
import { Progress } from "../../src/cli/progress.ts";
import type { MetricsRow } from "../../src/loop/metrics.ts";

function row(steps: number, trueReturn: number | null): MetricsRow {
  return {
    steps,
    labels: 10,
    trueReturn,
    rewardValAccuracy: 0.9,
    stepsPerSecond: 1000,
  } as MetricsRow;
}

test("a log line shows the latest finished episode's return, not a dash, between episodes", () => {
  const lines: string[] = [];
  const error = console.error;
  console.error = (line: string) => lines.push(line);
  try {
    const progress = new Progress(100, true);
    progress.update(row(10, -94.8));
    progress.update(row(20, null));
    progress.update(row(30, null));
  } finally {
    console.error = error;
  }
  assert.equal(lines.length, 3);
  assert.match(lines[0], /true return -94\.8/);
  assert.match(lines[2], /true return -94\.8/);
});

test("before any episode has finished the log says so with a dash", () => {
  const lines: string[] = [];
  const error = console.error;
  console.error = (line: string) => lines.push(line);
  try {
    new Progress(100, true).update(row(10, null));
  } finally {
    console.error = error;
  }
  assert.match(lines[0], /true return –/);
});
