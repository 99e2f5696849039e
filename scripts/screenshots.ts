/**
 * Screenshots of the labelling page and the dashboard at 1280×800, for the docs:
 * docs/screenshots/labelling.png and docs/screenshots/dashboard.png.
 *
 *   node --import tsx scripts/screenshots.ts
 *
 * Builds a temporary CartPole run (clips from real rollouts, a few answers from two labellers,
 * a training curve), serves it on an ephemeral port and drives Debian's Chromium.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Answer } from "../src/core/types.ts";
import { buildRun, launchBrowser, startServer, waitFor } from "../test/browser/harness.ts";

const OUT = join(import.meta.dirname, "..", "docs", "screenshots");
const VIEWPORT = { width: 1280, height: 800 };

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const run = await buildRun({ queries: 30, labellers: ["ada", "bo"], metricsRows: 60, seed: 11 });
  const server = await startServer(run);
  const browser = await launchBrowser();
  try {
    // Some history: ada and bo answered a few queries; the trainer recorded how often the reward
    // model agrees with each of them.
    const given: [string, Answer][] = [
      ["ada", "left"],
      ["bo", "right"],
      ["ada", "equal"],
      ["ada", "right"],
      ["bo", "left"],
      ["ada", "left"],
    ];
    for (const [i, [who, answer]] of given.entries()) {
      const lease = (await run.store.leaseNextQuery(run.people[who], 60_000))!;
      await run.store.submitLeased({ leaseId: lease.leaseId, answer, requestId: `shot-${i}` });
    }
    await run.store.setMeta("labellerAgreement", {
      owner: { agree: 21, total: 25 },
      ada: { agree: 37, total: 44 },
      bo: { agree: 12, total: 17 },
    });
    await run.store.setMeta("schedule", { wanted: 120, asked: 130 });

    const page = await browser.newPage({ viewport: VIEWPORT });
    page.on("pageerror", (e) => console.error("page error:", e.message));

    // The labelling page, as the owner, after a few answers.
    await page.goto(`${server.url}/#token=${run.ownerToken}`);
    const probe = () =>
      page.evaluate(
        () => (window as unknown as { __backflip: { state: string; ready: number } }).__backflip,
      );
    for (let i = 0; i < 3; i++) {
      await waitFor(async () => {
        const p = await probe();
        return p.state === "labelling" && p.ready >= 1;
      }, "a pair");
      await page.keyboard.press(i === 1 ? "ArrowRight" : "ArrowLeft");
    }
    await waitFor(async () => (await probe()).state === "labelling", "a pair");
    await waitFor(
      async () => (await page.textContent("#count-today"))?.trim() === "3",
      "the counters",
    );
    await page.waitForTimeout(650);
    await page.screenshot({ path: join(OUT, "labelling.png") });

    // The dashboard, with one answer replayed.
    await page.goto(`${server.url}/dashboard.html`);
    await waitFor(
      async () => (await page.locator("#recent button").count()) >= 5,
      "recent answers",
    );
    await page.click("#recent button >> nth=1");
    await page.waitForTimeout(1200);
    await page.screenshot({ path: join(OUT, "dashboard.png") });
    console.log(`wrote ${join(OUT, "labelling.png")} and ${join(OUT, "dashboard.png")}`);
  } finally {
    await browser.close();
    await server.close();
    await run.cleanup();
  }
}

await main();
