/**
 * Reads `metrics.jsonl` incrementally: each call reads only the bytes appended since the last
 * one, keeps the complete lines (as validated JSON text), and leaves a half-written last line for
 * the next call. A file that shrank (replaced or truncated) is read again from the start.
 */
import { open } from "node:fs/promises";
import { RawJson } from "./http.ts";

const READ_CHUNK = 1 << 20;

export class MetricsTail {
  /** JSON text of each complete row, in file order. */
  private rows: string[] = [];
  /** Bytes of the file consumed into `rows` (always at a line boundary). */
  private offset = 0;
  private skipped = 0;
  /** Refreshes run one at a time, so two polls never read the same bytes twice. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly log: (message: string) => void = () => {},
  ) {}

  /**
   * Rows after the first `after` (at most `limit` of them), as `{rows: MetricsRow[], next}`;
   * `next` is the `after` to pass next time.
   */
  async page(after: number, limit: number): Promise<RawJson> {
    await this.refresh();
    // A client ahead of the file (it was replaced) is brought back to its end.
    const start = Math.min(after, this.rows.length);
    const rows = this.rows.slice(start, start + limit);
    return new RawJson(`{"rows":[${rows.join(",")}],"next":${start + rows.length}}`);
  }

  get count(): number {
    return this.rows.length;
  }

  refresh(): Promise<void> {
    this.chain = this.chain
      .then(() => this.readNew())
      .catch((e) => this.log(`metrics: could not read ${this.path}: ${String(e)}`));
    return this.chain;
  }

  private async readNew(): Promise<void> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.path, "r");
    } catch {
      this.reset();
      return;
    }
    try {
      const { size } = await handle.stat();
      if (size < this.offset) this.reset();
      let pending = Buffer.alloc(0);
      let position = this.offset;
      while (position < size) {
        const buffer = Buffer.alloc(Math.min(READ_CHUNK, size - position));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) break;
        position += bytesRead;
        pending = pending.length
          ? Buffer.concat([pending, buffer.subarray(0, bytesRead)])
          : buffer.subarray(0, bytesRead);
        let start = 0;
        for (let nl = pending.indexOf(10, start); nl !== -1; nl = pending.indexOf(10, start)) {
          this.ingest(pending.subarray(start, nl).toString("utf8"));
          this.offset += nl + 1 - start;
          start = nl + 1;
        }
        pending = pending.subarray(start);
      }
    } finally {
      await handle.close();
    }
  }

  private ingest(line: string): void {
    const text = line.trim();
    if (text === "") return;
    try {
      const value: unknown = JSON.parse(text);
      if (value === null || typeof value !== "object" || Array.isArray(value))
        throw new Error("not an object");
      // Re-serialised, so that what is spliced into answers is always one valid JSON value.
      this.rows.push(JSON.stringify(value));
    } catch {
      this.skipped++;
      if (this.skipped <= 3) this.log(`metrics: skipping a malformed line of ${this.path}`);
    }
  }

  private reset(): void {
    this.rows = [];
    this.offset = 0;
  }
}
