/**
 * The generic frame kinds in Chromium (docs/frames.md): a `shapes` frame puts each shape where
 * its world coordinates say (y up, aspect kept), an `rgb` frame is scaled up pixel for pixel, and
 * the labelling page plays clips of the example point reacher (examples/point_reacher), an env
 * registered from outside src/ that draws with the shapes frame.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import makePointReacher, { POINT_REACHER_ID } from "../../examples/point_reacher/env.ts";
import type { Frame } from "../../src/core/types.ts";
import { hasEnv, registerEnv } from "../../src/envs/index.ts";
import { buildRun, launchBrowser, startServer, waitFor } from "./harness.ts";

if (!hasEnv(POINT_REACHER_ID)) registerEnv(POINT_REACHER_ID, makePointReacher);

let browser: Browser;
let page: Page;
let close: () => Promise<void>;
const errors: string[] = [];

before(async () => {
  browser = await launchBrowser();
  const run = await buildRun({
    envId: POINT_REACHER_ID,
    queries: 2,
    clipSteps: 25,
    labellers: ["ada"],
    rubric: "The blue point should reach the green ring and stay there.",
  });
  const server = await startServer(run);
  close = async () => {
    await server.close();
    await run.cleanup();
  };
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${server.url}/#token=${run.tokens.ada}`);
});
after(async () => {
  await browser?.close();
  await close?.();
});

type Rgb = [number, number, number];

/** Draws `frame` into a 480×320 canvas with the registry's renderer; returns the pixels asked for. */
function drawAndRead(frame: Frame, at: [number, number][]): Promise<Rgb[]> {
  return page.evaluate(
    async ({ frame, at }) => {
      const registry = await import("/render/index.js" as string);
      const canvas = document.createElement("canvas");
      canvas.width = 480;
      canvas.height = 320;
      document.body.append(canvas);
      const renderer = await registry.createRenderer(frame.kind, canvas, {});
      renderer.draw(frame);
      const probe = document.createElement("canvas");
      probe.width = canvas.width;
      probe.height = canvas.height;
      const ctx = probe.getContext("2d")!;
      ctx.drawImage(canvas, 0, 0);
      const out = at.map(([x, y]) => {
        const d = ctx.getImageData(x, y, 1, 1).data;
        return [d[0], d[1], d[2]] as [number, number, number];
      });
      canvas.remove();
      return out;
    },
    { frame, at },
  );
}

function near(actual: Rgb, expected: Rgb, what: string, tolerance = 12): void {
  const off = Math.max(...actual.map((v, i) => Math.abs(v - expected[i])));
  assert.ok(off <= tolerance, `${what}: rgb(${actual}) is not rgb(${expected})`);
}

test("a shapes frame draws each shape at its world position, y up, aspect kept", async () => {
  // View 10 × 10 in a 480 × 320 canvas: 32 px per unit, x from 80 px, y = 0 at the bottom (320).
  const px = (x: number, y: number): [number, number] => [80 + 32 * x, 320 - 32 * y];
  const frame: Frame = {
    kind: "shapes",
    view: [0, 0, 10, 10],
    background: "#ffffff",
    shapes: [
      { type: "circle", x: 2, y: 2, r: 1, color: "#ff0000" },
      { type: "box", x: 7, y: 7, w: 3, h: 1, angle: Math.PI / 2, color: "rgb(0, 0, 255)" },
      { type: "line", points: [1, 8, 4, 8, 4, 9], width: 0.3, color: "#00a000" },
      { type: "circle", x: 8, y: 2, r: 1, color: "#ff00ff", fill: false, width: 0.2 },
    ],
  };
  const [circle, boxTop, boxSide, line, ringCentre, ringEdge, empty, margin] = await drawAndRead(
    frame,
    [
      px(2, 2),
      px(7, 8.2), // the 3 × 1 box turned a quarter: 3 tall
      px(7.9, 7), // outside it now
      px(2.5, 8),
      px(8, 2),
      px(9, 2),
      px(2, 8.5),
      [20, 160], // left of the view box
    ],
  );
  near(circle, [255, 0, 0], "circle");
  near(boxTop, [0, 0, 255], "turned box");
  near(boxSide, [255, 255, 255], "beside the turned box");
  near(line, [0, 160, 0], "line");
  near(ringCentre, [255, 255, 255], "inside an outline-only circle");
  near(ringEdge, [255, 0, 255], "the outline", 60);
  near(empty, [255, 255, 255], "background");
  near(margin, [0xe9, 0xec, 0xef], "margin outside the view");
});

test("an rgb frame is scaled up by nearest neighbour; an oversized one draws a notice", async () => {
  // 4 × 2 pixels: top row red, green, blue, white; bottom row black, yellow, cyan, magenta.
  const pixels = [
    [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255],
    [0, 0, 0, 255, 255, 0, 0, 255, 255, 255, 0, 255],
  ].flat();
  const data = Buffer.from(pixels).toString("base64");
  // 480 × 320 canvas: 120 px per image pixel, image 480 × 240 from y = 40.
  const at = (i: number, j: number): [number, number] => [i * 120 + 60, 40 + j * 120 + 60];
  const edge: [number, number] = [119, 100]; // last column of the red pixel: no blending
  const read = await drawAndRead({ kind: "rgb", width: 4, height: 2, data }, [
    at(0, 0),
    at(1, 0),
    at(2, 0),
    at(3, 0),
    at(0, 1),
    at(1, 1),
    at(2, 1),
    at(3, 1),
    edge,
  ]);
  const expected: Rgb[] = [
    [255, 0, 0],
    [0, 255, 0],
    [0, 0, 255],
    [255, 255, 255],
    [0, 0, 0],
    [255, 255, 0],
    [0, 255, 255],
    [255, 0, 255],
    [255, 0, 0],
  ];
  for (const [i, rgb] of read.entries()) near(rgb, expected[i], `pixel ${i}`, 0);

  const big = Buffer.alloc(65 * 65 * 3, 200).toString("base64");
  const [centre] = await drawAndRead({ kind: "rgb", width: 65, height: 65, data: big }, [
    [240, 160],
  ]);
  assert.notDeepEqual(centre, [200, 200, 200], "a 65 × 65 frame is not drawn");
  assert.deepEqual(errors, [], "no page errors");
});

test("the labelling page plays a clip of the point reacher's shapes frames", async () => {
  const counts = await waitFor(async () => {
    const c = await page.evaluate(() => {
      const canvases = [...document.querySelectorAll<HTMLCanvasElement>("canvas.player-canvas")];
      return canvases.map((canvas) => {
        const probe = document.createElement("canvas");
        probe.width = canvas.width;
        probe.height = canvas.height;
        if (probe.width < 2 || probe.height < 2) return { agent: 0, target: 0, arena: 0 };
        const ctx = probe.getContext("2d")!;
        ctx.drawImage(canvas, 0, 0);
        const d = ctx.getImageData(0, 0, probe.width, probe.height).data;
        let agent = 0;
        let target = 0;
        let arena = 0;
        for (let i = 0; i < d.length; i += 4) {
          const [r, g, b] = [d[i], d[i + 1], d[i + 2]];
          // The agent #1c7ed6, the target ring #2f9e44, the arena #f8f9fa.
          if (Math.abs(r - 0x1c) + Math.abs(g - 0x7e) + Math.abs(b - 0xd6) < 30) agent++;
          if (Math.abs(r - 0x2f) + Math.abs(g - 0x9e) + Math.abs(b - 0x44) < 30) target++;
          if (r === 0xf8 && g === 0xf9 && b === 0xfa) arena++;
        }
        return { agent, target, arena };
      });
    });
    return c.length === 2 && c.every((x) => x.agent > 50 && x.target > 50) ? c : null;
  }, "both players to draw the point reacher");
  assert.ok(counts);
  for (const c of counts) assert.ok(c.arena > 10_000, `the arena is drawn (${c.arena} px)`);
  assert.match((await page.textContent("#rubric")) ?? "", /green ring/);
  assert.deepEqual(errors, [], "no page errors");
});
