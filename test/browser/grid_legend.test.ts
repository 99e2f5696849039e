/**
 * Pixel games on the page: the run says what each channel holds and its colour (RunInfo.legend,
 * as the trainer publishes it), the labelling page and the dashboard's live view show that
 * legend, and the grid renderer draws every cell crisply in the legend's colours.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { GridGameEnv } from "../../src/envs/arcade/grid_game.ts";
import { listEnvIds, makeEnv } from "../../src/envs/index.ts";
import { describeRun } from "../../src/loop/preference_loop.ts";
import { defaultRubric } from "../../src/loop/rubrics.ts";
import { CHANNEL_COLORS, type RunInfo } from "../../src/store/index.ts";
import {
  buildRun,
  launchBrowser,
  type RunningServer,
  startServer,
  type TestRun,
  waitFor,
} from "./harness.ts";

const ENV_ID = "MinAtar/Breakout-v1";

let browser: Browser;
let run: TestRun;
let server: RunningServer;
let info: RunInfo;

before(async () => {
  browser = await launchBrowser();
  run = await buildRun({ envId: ENV_ID, queries: 3, clipSteps: 25, rubric: "Break bricks." });
  info = describeRun({ envId: ENV_ID, seed: 1, rubric: "Break bricks." });
  await run.store.setMeta("run", info);
  server = await startServer(run);
});
after(async () => {
  await browser?.close();
  await server?.close();
  await run?.cleanup();
});

test("the trainer publishes one legend entry per channel of a pixel game, none for others", () => {
  const env = makeEnv(ENV_ID);
  assert.ok(env instanceof GridGameEnv);
  assert.deepEqual(
    info.legend?.map((e) => e.name),
    [...env.game.channels],
  );
  const colors = info.legend?.map((e) => e.color) ?? [];
  assert.equal(new Set(colors).size, colors.length, "each channel has its own colour");
  assert.deepEqual(colors, CHANNEL_COLORS.slice(0, colors.length));
  // The game with the most channels still gets distinct colours.
  const seaquest = describeRun({ envId: "MinAtar/Seaquest-pref-v1", seed: 1, rubric: "" });
  const sq = seaquest.legend?.map((e) => e.color) ?? [];
  assert.equal(sq.length, 10);
  assert.equal(new Set(sq).size, 10);
  assert.equal(describeRun({ envId: "CartPole-v1", seed: 1, rubric: "" }).legend, undefined);
});

test("every pixel game, and its preference-ready variant, has its own rubric", () => {
  const ids = listEnvIds().filter((id) => id.startsWith("MinAtar/"));
  assert.ok(ids.length >= 10, ids.join(", "));
  const fallback = defaultRubric("Nothing-v0", "oracle");
  const texts = new Map<string, string>();
  for (const id of ids) {
    const text = defaultRubric(id, "oracle");
    assert.notEqual(text, fallback, `${id} has a rubric`);
    texts.set(id.replace("-pref", ""), text);
  }
  assert.equal(new Set(texts.values()).size, texts.size, "each game's rubric is its own");
  assert.match(defaultRubric("MinAtar/Seaquest-pref-v1", "oracle"), /surface.*oxygen/);
  assert.match(defaultRubric("MinAtar/Seaquest-pref-v1", "oracle"), /divers/);
});

type Legend = { names: string[]; colors: string[]; visible: boolean };

async function readLegend(page: Page, selector: string): Promise<Legend> {
  const raw = await page.evaluate((selector) => {
    const el = document.querySelector(selector) as HTMLElement;
    const items = [...el.querySelectorAll(".legend-item")];
    return {
      names: items.map((i) => i.querySelector(".legend-name")?.textContent ?? ""),
      colors: items.map(
        (i) => getComputedStyle(i.querySelector(".legend-swatch") as HTMLElement).backgroundColor,
      ),
      visible: !el.hidden && el.getBoundingClientRect().height > 0,
    };
  }, selector);
  return { ...raw, colors: raw.colors.map(hex) };
}

/** `rgb(r, g, b)` as `#rrggbb`. */
function hex(css: string): string {
  const [r, g, b] = (css.match(/\d+/g) ?? []).map(Number);
  return `#${[r, g, b].map((v) => v.toString(16).padStart(2, "0")).join("")}`;
}

/** The colours on a canvas with how many pixels each covers, as `#rrggbb`. */
async function canvasColours(page: Page, selector: string): Promise<Map<string, number>> {
  const counts = await page.evaluate((selector) => {
    const canvas = document.querySelector(selector) as HTMLCanvasElement;
    const data = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
    const out: Record<number, number> = {};
    for (let i = 0; i < data.length; i += 4) {
      const key = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
      out[key] = (out[key] ?? 0) + 1;
    }
    return out;
  }, selector);
  return new Map(
    Object.entries(counts).map(([k, n]) => [`#${Number(k).toString(16).padStart(6, "0")}`, n]),
  );
}

/** Every pixel is the background, an empty cell or a legend colour, and the game is visible. */
function assertDrawnInLegendColours(colours: Map<string, number>, legend: Legend): void {
  const allowed = new Set([...legend.colors, "#101418", "#1c2228"]);
  const stray = [...colours.keys()].filter((c) => !allowed.has(c));
  assert.deepEqual(stray, [], "no colour outside the legend: cells are crisp, never blended");
  const drawn = legend.colors.filter((c) => (colours.get(c) ?? 0) > 0);
  // Breakout always shows its paddle and bricks.
  const byName = (name: string) => legend.colors[legend.names.indexOf(name)];
  for (const name of ["paddle", "brick"]) {
    assert.ok((colours.get(byName(name)) ?? 0) > 100, `${name} is drawn in its legend colour`);
  }
  assert.ok(drawn.length >= 2);
}

test("the labelling page shows the legend and draws cells in its colours", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  try {
    await page.goto(`${server.url}/#token=${run.ownerToken}`);
    await waitFor(
      () =>
        page.evaluate(
          () => (window as unknown as { __backflip: { state: string } }).__backflip.state,
        ),
      "the page to load",
    );
    await waitFor(
      async () =>
        (await page.evaluate(
          () => (window as unknown as { __backflip: { state: string } }).__backflip.state,
        )) === "labelling",
      "a pair on screen",
    );
    const legend = await readLegend(page, "#legend");
    assert.ok(legend.visible, "the legend is shown");
    assert.deepEqual(legend.names, ["paddle", "ball", "trail", "brick"]);
    assert.deepEqual(
      legend.colors,
      info.legend?.map((e) => e.color),
    );
    for (const side of ["left", "right"]) {
      assertDrawnInLegendColours(await canvasColours(page, `#player-${side} canvas`), legend);
      assert.ok(
        await page.isVisible(`#player-${side} .rbar-track`),
        "the r̂ bar is beside the clip",
      );
    }
    // The legend sits under the two clips, not over them.
    const [pair, box] = await Promise.all([
      page.locator(".pair").boundingBox(),
      page.locator("#legend").boundingBox(),
    ]);
    assert.ok(pair && box && box.y >= pair.y + pair.height - 1, "legend below the clips");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("the dashboard's live view shows the legend next to the live clip", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  try {
    await page.goto(`${server.url}/dashboard.html#token=${run.ownerToken}`);
    await waitFor(
      () =>
        page.evaluate(
          () => (window as unknown as { __backflip: { liveShown: number } }).__backflip.liveShown,
        ),
      "the live clip",
    );
    const legend = await readLegend(page, "#live-legend");
    assert.ok(legend.visible, "the legend is shown");
    assert.deepEqual(legend.names, ["paddle", "ball", "trail", "brick"]);
    assertDrawnInLegendColours(await canvasColours(page, "#live-player canvas"), legend);
    assert.ok(await page.isVisible("#live-player .rbar-track"), "the r̂ bar is beside the clip");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("a run without a legend shows none", async () => {
  const plain = await buildRun({ queries: 1 });
  const plainServer = await startServer(plain);
  const page = await browser.newPage();
  try {
    await page.goto(`${plainServer.url}/#token=${plain.ownerToken}`);
    await waitFor(
      async () =>
        (await page.evaluate(
          () => (window as unknown as { __backflip: { state: string } }).__backflip.state,
        )) === "labelling",
      "a pair on screen",
    );
    assert.equal((await readLegend(page, "#legend")).visible, false);
  } finally {
    await page.close();
    await plainServer.close();
    await plain.cleanup();
  }
});
