/**
 * The renderer registry in Chromium: each frame kind of src/core/types.ts has a module that
 * draws real env frames, MuJoCo draws through three.js from the scene description, and an
 * unknown kind falls back to a notice instead of breaking the page.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { Rng } from "../../src/core/rng.ts";
import type { Frame } from "../../src/core/types.ts";
import { makeEnv } from "../../src/envs/index.ts";
import { makeMujocoEnv, sceneDescription } from "../../src/envs/mujoco/index.ts";
import {
  buildRun,
  launchBrowser,
  type RunningServer,
  startServer,
  type TestRun,
} from "./harness.ts";

let browser: Browser;
let run: TestRun;
let server: RunningServer;
let page: Page;

before(async () => {
  browser = await launchBrowser();
  run = await buildRun({ queries: 0 });
  server = await startServer(run);
  page = await browser.newPage({ viewport: { width: 800, height: 600 } });
  // Any page of the server will do: the test loads the registry into it by hand.
  await page.goto(`${server.url}/dashboard.html`);
});
after(async () => {
  await browser?.close();
  await server?.close();
  await run?.cleanup();
});

type Drawn = { inked: number; colours: number; reddish: number };

/** Draws `frames` with the registry's renderer for their kind; returns pixel counts per frame. */
function draw(frames: Frame[], runInfo: unknown): Promise<Drawn[]> {
  return page.evaluate(
    async ({ frames, runInfo }) => {
      const registry = await import("/render/index.js" as string);
      const canvas = document.createElement("canvas");
      canvas.width = 480;
      canvas.height = 320;
      document.body.append(canvas);
      const renderer = await registry.createRenderer(frames[0].kind, canvas, runInfo);
      const probe = document.createElement("canvas");
      probe.width = canvas.width;
      probe.height = canvas.height;
      const ctx = probe.getContext("2d")!;
      const out = [];
      for (const frame of frames) {
        renderer.draw(frame);
        ctx.clearRect(0, 0, probe.width, probe.height);
        ctx.drawImage(canvas, 0, 0);
        const data = ctx.getImageData(0, 0, probe.width, probe.height).data;
        const first = [data[0], data[1], data[2]];
        const colours = new Set<number>();
        let inked = 0;
        let reddish = 0;
        for (let i = 0; i < data.length; i += 4) {
          const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
          if (Math.abs(r - first[0]) + Math.abs(g - first[1]) + Math.abs(b - first[2]) > 30)
            inked++;
          if (r - b > 40 && r > 120) reddish++;
          colours.add((r << 16) | (g << 8) | b);
        }
        out.push({ inked, colours: colours.size, reddish });
      }
      renderer.dispose?.();
      canvas.remove();
      return out;
    },
    { frames, runInfo },
  );
}

function classicFrames(envId: string, steps: number): Frame[] {
  const env = makeEnv(envId);
  const rng = new Rng(3);
  env.reset(3);
  const frames: Frame[] = [];
  for (let t = 0; t < steps; t++) {
    frames.push(env.frame());
    const space = env.actionSpace;
    env.step(space.kind === "discrete" ? [rng.int(2)] : [space.high[0]]);
  }
  return frames;
}

for (const envId of [
  "CartPole-v1",
  "CartPole-pref-v1",
  "Pendulum-v1",
  "MountainCarContinuous-v0",
]) {
  test(`${envId} frames are drawn, and differ as the state changes`, async () => {
    const frames = classicFrames(envId, 30);
    const drawn = await draw([frames[0], frames[29]], { envId });
    for (const d of drawn) assert.ok(d.inked > 300, `${envId}: ${d.inked} inked pixels`);
    assert.notDeepEqual(drawn[0], drawn[1], `${envId}: the picture moves`);
  });
}

test("grid frames are drawn in both cell layouts", async () => {
  const h = 10;
  const w = 10;
  const c = 4;
  const index = Array.from({ length: h * w }, (_, i) => (i % 7 === 0 ? 1 + (i % c) : 0));
  const onehot = new Array(h * w * c).fill(0);
  index.forEach((v, i) => {
    if (v > 0) onehot[i * c + v - 1] = 1;
  });
  const drawn = await draw(
    [
      { kind: "grid", channels: c, height: h, width: w, cells: index },
      { kind: "grid", channels: c, height: h, width: w, cells: onehot },
    ],
    { envId: "Grid-test" },
  );
  assert.ok(drawn[0].colours >= 4, `${drawn[0].colours} colours`);
  assert.deepEqual(drawn[0], drawn[1], "the two layouts draw the same picture");
});

test("MuJoCo frames are drawn with three.js from the scene description", async () => {
  const envId = "Hopper-v5";
  const env = makeMujocoEnv(envId);
  const rng = new Rng(5);
  env.reset(5);
  const frames: Frame[] = [];
  for (let t = 0; t < 40; t++) {
    frames.push(env.frame());
    env.step(Float32Array.from({ length: 3 }, () => rng.uniform(-1, 1)));
  }
  env.close();
  const drawn = await draw([frames[0], frames[39]], {
    envId,
    frameKind: "mujoco",
    scene: sceneDescription(envId),
  });
  // The hopper's capsules are a warm tan (rgba 0.8, 0.6, 0.4); floor and sky are not.
  for (const d of drawn) assert.ok(d.reddish > 1000, `${d.reddish} hopper-coloured pixels`);
  assert.notDeepEqual(drawn[0], drawn[1], "the hopper moves");

  // Without a scene description the page still works and says why nothing is drawn.
  const [notice] = await draw([frames[0]], { envId, frameKind: "mujoco", scene: null });
  assert.ok(notice.inked > 100);
});

test("an unknown frame kind falls back to a notice", async () => {
  const [d] = await draw([{ kind: "holodeck" } as unknown as Frame], { envId: "X" });
  assert.ok(d.inked > 100, "the notice is drawn");
  const bad = await page.evaluate(async () => {
    const registry = await import("/render/index.js" as string);
    const mod = await registry.rendererModule("../lib/api");
    return typeof mod.create === "function";
  });
  assert.ok(bad, "a kind that is not a plain name loads nothing and falls back");
});
