/**
 * A screenshot of a pixel game being labelled (1280×800), for the README:
 *
 *   node --import tsx scripts/screenshot_game.ts MinAtar/Seaquest-pref-v1 docs/screenshots/seaquest.png [REWARD_DIR]
 *
 * Builds a temporary run of the game (clips cut from random-policy rollouts), with the run info
 * a real run publishes (its rubric and channel legend). With REWARD_DIR (a run's saved reward
 * model, e.g. RUN/checkpoints/<n>/reward) the bars beside the clips show that model's r̂;
 * without it, the harness's stand-in. Serves it on an ephemeral port and drives Debian's Chromium.
 */
import { makeEnv } from "../src/envs/index.ts";
import { describeRun } from "../src/loop/preference_loop.ts";
import { defaultRubric } from "../src/loop/rubrics.ts";
import { predictClips, RewardEnsemble } from "../src/reward/index.ts";
import { buildRun, launchBrowser, startServer, waitFor } from "../test/browser/harness.ts";

const [envId, out, rewardDir] = process.argv.slice(2);
if (!envId || !out) throw new Error("usage: screenshot_game.ts ENV_ID OUT.png [REWARD_DIR]");

const rubric = defaultRubric(envId, "human");
const run = await buildRun({ envId, queries: 6, clipSteps: 25, seed: 5, rubric });
await run.store.setMeta("run", describeRun({ envId, seed: 1, rubric }));
if (rewardDir) {
  const env = makeEnv(envId);
  const reward = RewardEnsemble.fromSaved(rewardDir, env.observationSpace, env.actionSpace);
  env.close();
  const clips = run.queries.flatMap((q) => [q.left, q.right]);
  const predicted = predictClips(reward, clips);
  await run.store.setClipPredictions(
    clips.map((c, i) => ({ clipId: c.id, predicted: predicted[i] })),
  );
  reward.dispose();
}
const server = await startServer(run);
const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on("pageerror", (e) => console.error("page error:", e.message));
  await page.goto(`${server.url}/#token=${run.ownerToken}`);
  await waitFor(
    async () =>
      page.evaluate(() => {
        const p = (window as unknown as { __backflip: { state: string; ready: number } })
          .__backflip;
        return p.state === "labelling" && p.ready >= 1;
      }),
    "a pair",
  );
  await page.waitForTimeout(1500); // a second and a half into the clips
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await server.close();
  await run.cleanup();
}
