/**
 * The dashboard in Chromium against the real server: curves drawn from metrics.jsonl (and
 * extended as rows are appended), the live policy playing, recent answers that replay, and the
 * owner's labeller table.
 */
import assert from "node:assert/strict";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { buildRun, launchBrowser, metricsLines, startServer, waitFor } from "./harness.ts";

type Probe = {
  metricsRows: number;
  charts: Record<string, number>;
  liveVersion: number | null;
  liveFrame: number;
  replayed?: number;
};

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

const probe = (page: Page) =>
  page.evaluate(() => (window as unknown as { __backflip: Probe }).__backflip);

/** Pixels of a canvas that are not blank (transparent or white). */
function inkedPixels(page: Page, selector: string): Promise<number> {
  return page.$eval(selector, (el) => {
    const canvas = el as HTMLCanvasElement;
    const data = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      const blank = data[i + 3] === 0 || (data[i] > 245 && data[i + 1] > 245 && data[i + 2] > 245);
      if (!blank) n++;
    }
    return n;
  });
}

test("the dashboard shows the curves, the live agent, recent answers and labellers", async () => {
  const run = await buildRun({ queries: 8, labellers: ["ada", "bo"], metricsRows: 40 });
  const server = await startServer(run);
  try {
    // Two answers from ada, stored as the server would.
    for (const answer of ["left", "equal"] as const) {
      const lease = (await run.store.leaseNextQuery(run.people.ada, 60_000))!;
      await run.store.submitLeased({
        leaseId: lease.leaseId,
        answer,
        requestId: `r-${answer}`,
      });
    }

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${server.url}/dashboard.html#token=${run.ownerToken}`);

    // Curves: three uPlot charts, each with all 40 rows, drawn on their canvases.
    await waitFor(async () => (await probe(page)).metricsRows === 40, "the metrics rows");
    assert.deepEqual((await probe(page)).charts, { returns: 40, labels: 40, reward: 40 });
    assert.equal(await page.locator(".uplot canvas").count(), 3);
    for (const id of ["chart-returns", "chart-labels", "chart-reward"]) {
      const inked = await inkedPixels(page, `#${id} canvas`);
      assert.ok(inked > 500, `${id} has drawn curves (${inked} inked pixels)`);
    }
    assert.equal((await page.textContent("#stat-labels"))?.trim(), "300");
    assert.ok(!(await page.isVisible("#stat-goal-counter")), "no goal count without a goal");

    // New rows appended to metrics.jsonl show up without a reload.
    appendFileSync(
      join(run.runDir, "metrics.jsonl"),
      metricsLines(45).split("\n").slice(40).join("\n"),
    );
    await waitFor(async () => (await probe(page)).metricsRows === 45, "the appended rows");

    // The live policy plays: its frame index moves and its canvas is drawn.
    await waitFor(async () => (await probe(page)).liveVersion === 12, "the live clip");
    const f1 = (await probe(page)).liveFrame;
    await page.waitForTimeout(300);
    const f2 = (await probe(page)).liveFrame;
    assert.notEqual(f1, f2, "the live clip is playing");
    assert.ok((await inkedPixels(page, "#live-player canvas")) > 200);
    assert.ok(await page.isVisible("#live-player .rbar-fill"), "the r̂ bar is shown");
    assert.match((await page.textContent("#live-version")) ?? "", /policy v12/);

    // A new live clip replaces the old one.
    const live = await run.store.getMeta("live");
    assert.ok(live);
    await run.store.setMeta("live", { ...live, policyVersion: 13, envStep: 131_072 });
    await waitFor(async () => (await probe(page)).liveVersion === 13, "the new live clip");

    // Recent answers, newest first; clicking one replays its pair.
    await waitFor(async () => (await page.locator("#recent button").count()) === 2, "answers");
    assert.match((await page.textContent("#recent button >> nth=0")) ?? "", /same.*ada.*q-0002/);
    await page.click("#recent button >> nth=1");
    await waitFor(async () => (await probe(page)).replayed !== undefined, "the replay");
    assert.ok(await page.isVisible("#replay"));
    assert.ok((await inkedPixels(page, "#replay-left canvas")) > 100);
    assert.ok((await inkedPixels(page, "#replay-right canvas")) > 100);
    assert.ok(await page.locator("#replay-left.chosen").count(), "the chosen clip is marked");

    // The owner sees answers per labeller.
    await waitFor(async () => page.isVisible("#labellers-panel"), "the labeller table");
    const rows = await page.locator("#labellers tr").allTextContents();
    assert.ok(
      rows.some((r) => /ada\s*2/.test(r)),
      rows.join(" | "),
    );
    assert.ok(
      rows.some((r) => /bo\s*0/.test(r)),
      rows.join(" | "),
    );

    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    await server.close();
    await run.cleanup();
  }
});

test("a labeller's dashboard has no owner table", async () => {
  const run = await buildRun({ queries: 2, labellers: ["ada"] });
  const server = await startServer(run);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${server.url}/dashboard.html#token=${run.tokens.ada}`);
    await waitFor(async () => (await probe(page)).metricsRows > 0, "the curves");
    assert.ok(!(await page.isVisible("#labellers-panel")));
    await page.close();
  } finally {
    await server.close();
    await run.cleanup();
  }
});

test("a goal run's dashboard shows what the goal counts per episode", async () => {
  const run = await buildRun({ metricsRows: 4 });
  const server = await startServer(run);
  try {
    const info = await run.store.getMeta("run");
    assert.ok(info);
    await run.store.setMeta("run", { ...info, goalMeasure: "landed backflips" });
    const row = JSON.parse(metricsLines(5).split("\n")[4]);
    appendFileSync(
      join(run.runDir, "metrics.jsonl"),
      `${JSON.stringify({ ...row, goalCount: 2.4 })}\n`,
    );
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${server.url}/dashboard.html#token=${run.ownerToken}`);
    await waitFor(async () => (await probe(page)).metricsRows === 5, "the metrics rows");
    await waitFor(async () => page.isVisible("#stat-goal-counter"), "the goal count");
    assert.equal((await page.textContent("#stat-goal"))?.trim(), "2.4");
    assert.equal(
      (await page.textContent("#stat-goal-label"))?.trim(),
      "landed backflips / episode",
    );
    await page.close();
  } finally {
    await server.close();
    await run.cleanup();
  }
});
