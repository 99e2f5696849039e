/**
 * A small sweep through the library API: Pendulum with the oracle at two label budgets, over
 * seeds, one run folder each, then a table of eval returns. In your own project, import from
 * "backflip" instead of the repository's source.
 *
 *   node --import tsx examples/sweep.ts [--labels 100,300] [--seeds 1,2,3] [--steps 100000]
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { train } from "../src/index.ts";

const { values } = parseArgs({
  options: {
    labels: { type: "string", default: "100,300" },
    seeds: { type: "string", default: "1,2,3" },
    steps: { type: "string", default: "100000" },
  },
});
const list = (text: string) => text.split(",").map(Number);
const root = mkdtempSync(join(tmpdir(), "backflip-sweep-"));

const rows: { labels: number; seed: number; evalReturn: number; seconds: number }[] = [];
for (const labels of list(values.labels)) {
  for (const seed of list(values.seeds)) {
    const result = await train({
      env: "Pendulum-v1",
      teacher: "oracle",
      labels,
      seed,
      steps: Number(values.steps),
      evalEpisodes: 10,
      run: join(root, `pendulum-l${labels}-s${seed}`),
    });
    rows.push({ labels, seed, evalReturn: result.evalReturn.mean, seconds: result.wallSeconds });
  }
}
console.log("| labels | seed | eval return | seconds |\n| --- | --- | --- | --- |");
for (const r of rows) {
  console.log(`| ${r.labels} | ${r.seed} | ${r.evalReturn.toFixed(1)} | ${r.seconds.toFixed(1)} |`);
}
console.log(JSON.stringify({ runs: root, rows }));
