/**
 * The labelling page in Chromium against the real server: keyboard answers, undo, background
 * submits that survive lost responses and reloads, the waiting state, and the time from an
 * answer's keypress to the next pair playing (reported, not asserted).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import type { Answer } from "../../src/core/types.ts";
import {
  buildRun,
  launchBrowser,
  type RunningServer,
  startServer,
  type TestRun,
  waitFor,
} from "./harness.ts";

type Probe = {
  state: string;
  queryId: string | null;
  lastSwapMs: number | null;
  swaps: { ms: number; ready: boolean }[];
  ready: number;
  pendingAnswers: number;
  error?: string;
};

const KEY: Record<Answer, string> = {
  left: "ArrowLeft",
  right: "ArrowRight",
  equal: "ArrowUp",
  cant_tell: "ArrowDown",
};

let browser: Browser;
const pageErrors = new WeakMap<Page, string[]>();
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

async function withRun(
  options: Parameters<typeof buildRun>[0],
  body: (run: TestRun, server: RunningServer) => Promise<void>,
): Promise<void> {
  const run = await buildRun(options);
  const server = await startServer(run);
  try {
    await body(run, server);
  } finally {
    await server.close();
    await run.cleanup();
  }
}

async function openPage(server: RunningServer, token: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  pageErrors.set(page, errors);
  await page.goto(`${server.url}/#token=${token}`);
  return page;
}

const probe = (page: Page) =>
  page.evaluate(() => (window as unknown as { __backflip: Probe }).__backflip);

async function showing(page: Page, queryId: string, ready = 0): Promise<void> {
  await waitFor(async () => {
    const p = await probe(page);
    return p.state === "labelling" && p.queryId === queryId && p.ready >= ready;
  }, `the page to show ${queryId}`);
}

/**
 * Presses the key for `answer` once `queryId` is on screen and `ready` more pairs are prepared
 * behind it (as when a labeller takes a moment to watch the clips).
 */
async function answerWithKey(page: Page, queryId: string, answer: Answer, ready = 0) {
  await showing(page, queryId, ready);
  await page.keyboard.press(KEY[answer]);
}

const ANSWERS: Answer[] = ["left", "right", "equal", "left", "cant_tell", "right", "left"];

test("labelling 20 queries by keyboard with one undo stores 20 answers, attributed", async (t) => {
  await withRun({ queries: 24, labellers: ["ada"] }, async (run, server) => {
    const page = await openPage(server, run.tokens.ada);
    // The token left the address bar and stays in localStorage.
    await showing(page, "q-0001");
    assert.equal(new URL(page.url()).hash, "");
    assert.equal(await page.evaluate(() => localStorage.getItem("backflip.token")), run.tokens.ada);
    assert.match((await page.textContent("#rubric")) ?? "", /pole upright/);

    // Playback speed: + and − step through 0.25×–4×.
    const speed = () => page.textContent(".seg.active");
    assert.equal(await speed(), "1×");
    await page.keyboard.press("=");
    assert.equal(await speed(), "2×");
    await page.keyboard.press("-");
    await page.keyboard.press("-");
    assert.equal(await speed(), "½×");
    await page.keyboard.press("=");

    // Two submits lose their response after the server stored them: the page must resend with the
    // same requestId, and the store must keep one answer each.
    const sent: string[] = [];
    const dropped = new Set<string>();
    await page.route("**/api/answers", async (route) => {
      const { requestId } = route.request().postDataJSON() as { requestId: string };
      sent.push(requestId);
      const distinct = new Set(sent).size;
      if ((distinct === 5 || distinct === 6) && !dropped.has(requestId)) {
        dropped.add(requestId);
        await route.fetch(); // the server stores it …
        await route.abort("connectionreset"); // … but the page never hears back
        return;
      }
      await route.continue();
    });

    const expected = new Map<string, Answer>();
    const ids = run.queries.map((q) => q.id);
    let undoneId: string | null = null;
    for (let i = 0; i < 20; i++) {
      const answer = ANSWERS[i % ANSWERS.length];
      await answerWithKey(page, ids[i], answer, 1);
      expected.set(ids[i], answer);
      if (i === 11) {
        // Undo the 12th answer: the page shows that pair again, and we answer it differently.
        await waitFor(async () => (await probe(page)).state === "labelling", "the next pair");
        await page.keyboard.press("u");
        undoneId = ids[i];
        const replacement: Answer = answer === "left" ? "right" : "left";
        await answerWithKey(page, ids[i], replacement, 1);
        expected.set(ids[i], replacement);
      }
    }
    await waitFor(
      async () => (await probe(page)).pendingAnswers === 0,
      "every answer to be stored",
    );
    assert.equal(dropped.size, 2, "two responses were dropped on the way");
    for (const id of dropped) {
      assert.equal(sent.filter((s) => s === id).length, 2, "resent once, with the same requestId");
    }

    const live = await run.store.answersSince(0);
    assert.equal(live.length, 20);
    assert.ok(live.every((a) => a.labeller === "ada"));
    assert.deepEqual(new Set(live.map((a) => a.queryId)), new Set(ids.slice(0, 20)));
    for (const a of live) assert.equal(a.answer, expected.get(a.queryId), a.queryId);
    assert.equal(new Set(live.map((a) => a.requestId)).size, 20);

    // The undone answer is kept in the record, marked undone.
    const rows = await run.store.kysely
      .selectFrom("answers")
      .selectAll()
      .where("query_id", "=", undoneId!)
      .orderBy("id")
      .execute();
    assert.equal(rows.length, 2);
    assert.notEqual(rows[0].undone_at, null);
    assert.equal(rows[1].undone_at, null);
    assert.equal(await run.store.countAnswers(), 20);

    // The counters show what the server counted for this labeller.
    await waitFor(
      async () => (await page.textContent("#count-today"))?.trim() === "20",
      "the counter to show 20 answers today",
    );
    // The run wants 60 answers; 40 remain, and after 20 answers the page knows this pace.
    await waitFor(
      async () => (await page.textContent("#count-remaining"))?.trim() === "40",
      "the page to show the 40 answers still wanted",
    );
    assert.match((await page.textContent("#count-eta")) ?? "", /about .* at your pace/);
    assert.equal((await page.textContent("#run-status .run-status-text"))?.trim(), "Training");

    // Answer → next pair playing, measured in the page (performance marks): reported only.
    const { swaps } = await probe(page);
    assert.equal(swaps.length, 21);
    t.diagnostic(`answer→next pair playing in Chromium: ${describeSwaps(swaps)}`);
    assert.deepEqual(pageErrors.get(page), []);
    await page.context().close();
  });
});

test("the waiting state appears when no query is left and clears when more arrive", async () => {
  await withRun({ queries: 2 }, async (run, server) => {
    const page = await openPage(server, run.ownerToken);
    await answerWithKey(page, "q-0001", "left");
    await answerWithKey(page, "q-0002", "right");
    await waitFor(async () => (await probe(page)).state === "waiting", "the waiting state");
    assert.ok(await page.isVisible("#waiting"));
    assert.match((await page.textContent("#waiting")) ?? "", /No questions right now/);
    assert.ok(await page.isDisabled('[data-answer="left"]'));
    // A keypress while waiting changes nothing.
    await page.keyboard.press("ArrowLeft");

    await run.addQueries(2);
    await showing(page, "q-0003");
    assert.ok(!(await page.isVisible("#waiting")));
    // Buttons answer too, and hand focus back to the page so the keys keep working.
    await page.click('[data-answer="equal"]');
    await answerWithKey(page, "q-0004", "cant_tell");
    await waitFor(async () => (await probe(page)).pendingAnswers === 0, "the answer to be stored");
    const answers = await run.store.answersSince(0);
    assert.deepEqual(
      answers.map((a) => [a.queryId, a.answer, a.labeller]),
      [
        ["q-0001", "left", "owner"],
        ["q-0002", "right", "owner"],
        ["q-0003", "equal", "owner"],
        ["q-0004", "cant_tell", "owner"],
      ],
    );
    await page.context().close();
  });
});

test("an answer given while the server is unreachable is sent after a reload", async () => {
  await withRun({ queries: 6 }, async (run, server) => {
    const page = await openPage(server, run.ownerToken);
    await showing(page, "q-0001");
    await page.context().setOffline(true);
    await page.keyboard.press("ArrowRight");
    await showing(page, "q-0002");
    // The answer waits in the page's outbox (kept in localStorage) …
    await waitFor(
      async () =>
        JSON.parse(
          (await page.evaluate(() => localStorage.getItem("backflip.outbox.owner"))) ?? "[]",
        ).length === 1,
      "the outbox to hold the answer",
    );
    assert.equal(await run.store.countAnswers(), 0);
    // … and is sent by the next page load.
    await page.context().setOffline(false);
    await page.reload();
    await waitFor(async () => (await run.store.countAnswers()) === 1, "the answer to be stored");
    const [stored] = await run.store.answersSince(0);
    assert.equal(stored.queryId, "q-0001");
    assert.equal(stored.answer, "right");
    await page.context().close();
  });
});

test("a reloaded page takes back at once the pairs its last load held", async () => {
  await withRun({ queries: 4 }, async (run, server) => {
    const page = await openPage(server, run.ownerToken);
    // q-0001 on screen and q-0002 prepared behind it: both leases live, the most allowed.
    await showing(page, "q-0001", 1);
    await page.reload();
    // Without taking them back, the page would wait for those leases to expire (minutes).
    await answerWithKey(page, "q-0001", "left");
    await answerWithKey(page, "q-0002", "right");
    await answerWithKey(page, "q-0003", "equal");
    await waitFor(async () => (await probe(page)).pendingAnswers === 0, "the answers to be stored");
    const answers = await run.store.answersSince(0);
    assert.deepEqual(
      answers.map((a) => [a.queryId, a.answer]),
      [
        ["q-0001", "left"],
        ["q-0002", "right"],
        ["q-0003", "equal"],
      ],
    );
    assert.deepEqual(pageErrors.get(page), []);
    await page.context().close();
  });
});

/** Median, p90 and max of the swap times, split by whether the next pair was already loaded. */
function describeSwaps(swaps: { ms: number; ready: boolean }[]): string {
  const summary = (xs: number[]) => {
    if (xs.length === 0) return "none";
    const sorted = [...xs].sort((a, b) => a - b);
    const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    return `median ${pick(0.5).toFixed(1)} ms, p90 ${pick(0.9).toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms (n=${xs.length})`;
  };
  const ready = swaps.filter((s) => s.ready).map((s) => s.ms);
  const waited = swaps.filter((s) => !s.ready).map((s) => s.ms);
  return `next pair prefetched: ${summary(ready)}; answered before it had loaded: ${summary(waited)}`;
}
