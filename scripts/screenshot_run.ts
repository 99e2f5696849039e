/**
 * A screenshot of a real run's dashboard (1280×800), e.g. the Hopper learning a backflip:
 *
 *   node --import tsx scripts/screenshot_run.ts runs/backflip-s1 docs/screenshots/backflip.png
 *
 * Serves the run with `backflip serve` in a child process, opens the dashboard with the owner's
 * token in Debian's Chromium, waits until the live agent has played a while, and saves the PNG.
 */
import { startServerProcess } from "../src/server/index.ts";
import { launchBrowser } from "../test/browser/harness.ts";

const [runDir, out] = process.argv.slice(2);
if (!runDir || !out) throw new Error("usage: screenshot_run.ts RUN_DIR OUT.png");
const server = await startServerProcess(runDir);
const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(server.url.replace("/#", "/dashboard#"));
  await page.waitForSelector("canvas");
  await page.waitForTimeout(4000); // let the curves load and the live clip play into motion
  await page.screenshot({ path: out });
  console.log(`saved ${out}`);
} finally {
  await browser.close();
  await server.stop();
}
