/**
 * The preference exchange file (docs/preferences-format.md): a run's answered comparisons as JSON
 * Lines, so that the labels people gave one run can be read anywhere and added to another run.
 */
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { z } from "zod";
import type { Clip, Frame } from "../core/types.ts";
import { encodeClipArrays } from "./clip_codec.ts";
import type { AnsweredComparison, ComparisonImport, PreferenceStore } from "./preference_store.ts";
import { hasRunStore, openRunStore } from "./run_store.ts";

export const PREFERENCE_FORMAT = "backflip-preferences";
export const PREFERENCE_FORMAT_VERSION = 1;

/** Non-finite values are written as null (JSON has no NaN) and read back as NaN. */
const numbers = z.array(z.number().nullable());
const count = z.number().int().min(0);

const headerSchema = z.object({
  format: z.literal(PREFERENCE_FORMAT),
  version: z.literal(PREFERENCE_FORMAT_VERSION),
  sourceRun: z.string(),
  envId: z.string().min(1),
  exportedAt: count,
  exportedAtIso: z.string(),
  count,
});

const clipSchema = z
  .object({
    id: z.string().min(1),
    envId: z.string().min(1),
    policyVersion: count,
    envStep: count,
    steps: count,
    obsSize: count,
    actSize: count,
    obs: z.array(numbers),
    actions: z.array(numbers),
    rewards: numbers,
    unhealthy: z.array(z.union([z.literal(0), z.literal(1)])).optional(),
    signals: z.record(z.string(), numbers).optional(),
    // Passed through untouched (not rebuilt by zod), so that the JSON of a frame keeps its key order.
    frames: z.array(z.unknown()),
  })
  .superRefine((clip, ctx) => {
    const problem = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: "custom", path, message });
    const perStep = (name: "obs" | "actions", width: number) => {
      const rows = clip[name];
      if (rows.length !== clip.steps) {
        return problem([name], `has ${rows.length} rows; steps is ${clip.steps}`);
      }
      const bad = rows.findIndex((row) => row.length !== width);
      if (bad >= 0) problem([name, bad], `has ${rows[bad].length} values; expected ${width}`);
    };
    perStep("obs", clip.obsSize);
    perStep("actions", clip.actSize);
    const lengths: [(string | number)[], number][] = [[["rewards"], clip.rewards.length]];
    if (clip.unhealthy) lengths.push([["unhealthy"], clip.unhealthy.length]);
    for (const [name, values] of Object.entries(clip.signals ?? {})) {
      lengths.push([["signals", name], values.length]);
    }
    for (const [path, n] of lengths) {
      if (n !== clip.steps) problem(path, `has ${n} values; steps is ${clip.steps}`);
    }
    if (clip.frames.length !== 0 && clip.frames.length !== clip.steps) {
      problem(["frames"], `has ${clip.frames.length} frames; expected 0 or ${clip.steps}`);
    }
    const badFrame = clip.frames.findIndex(
      (f) => typeof f !== "object" || f === null || typeof (f as Frame).kind !== "string",
    );
    if (badFrame >= 0) problem(["frames", badFrame], "must be an object with a string 'kind'");
  });

const comparisonSchema = z.object({
  queryId: z.string().min(1),
  answer: z.enum(["left", "right", "equal", "cant_tell"]),
  labeller: z.string().min(1),
  time: count,
  timeIso: z.string(),
  phase: z.enum(["pretrain", "online"]),
  disagreement: z.number(),
  left: clipSchema,
  right: clipSchema,
});

export type PreferenceFileHeader = z.infer<typeof headerSchema>;
export type ClipRecord = z.infer<typeof clipSchema>;
export type ComparisonRecord = z.infer<typeof comparisonSchema>;
export type PreferenceFile = { header: PreferenceFileHeader; comparisons: ComparisonRecord[] };

/** A line of a preference file that could not be read: which file, which line, which field. */
export class PreferenceFileError extends Error {
  constructor(
    readonly path: string,
    readonly line: number,
    readonly field: string | null,
    detail: string,
  ) {
    super(`${path} line ${line}${field ? `, field ${field}` : ""}: ${detail}`);
    this.name = "PreferenceFileError";
  }
}

export type ExportInfo = {
  /** The run the comparisons come from (its directory); written to the header as given. */
  sourceRun: string;
  envId: string;
  /** Clock for the header's export time; defaults to Date.now. */
  now?: () => number;
};

const PAGE = 200;

/**
 * Writes every live answer in `store` (undone ones left out; cant_tell kept) with its two clips
 * to `outPath` as a preference file, and returns how many. The file is written under
 * `outPath.tmp` and renamed into place once complete, so `outPath` never holds half a file.
 */
export async function exportPreferences(
  store: PreferenceStore,
  outPath: string,
  info: ExportInfo,
): Promise<number> {
  const tmp = `${outPath}.tmp`;
  // The count goes in the header, before the lines, but answers may come and go while we page
  // through a live run; so the lines go to a side file first and are copied after the header.
  const body = `${outPath}.body.tmp`;
  try {
    let count = 0;
    const fd = openSync(body, "w");
    try {
      for (let afterId = 0; ; ) {
        const page = await store.answeredComparisons({ afterId, limit: PAGE });
        if (page.length === 0) break;
        const text = page.map((c) => `${JSON.stringify(comparisonToRecord(c))}\n`).join("");
        writeSync(fd, text);
        count += page.length;
        afterId = page[page.length - 1].id;
      }
    } finally {
      closeSync(fd);
    }
    const exportedAt = (info.now ?? Date.now)();
    const header: PreferenceFileHeader = {
      format: PREFERENCE_FORMAT,
      version: PREFERENCE_FORMAT_VERSION,
      sourceRun: info.sourceRun,
      envId: info.envId,
      exportedAt,
      exportedAtIso: new Date(exportedAt).toISOString(),
      count,
    };
    const out = openSync(tmp, "w");
    try {
      writeSync(out, `${JSON.stringify(header)}\n`);
      copyInto(out, body);
      fsyncSync(out);
    } finally {
      closeSync(out);
    }
    renameSync(tmp, outPath);
    return count;
  } finally {
    rmSync(body, { force: true });
    rmSync(tmp, { force: true });
  }
}

/**
 * Reads and checks a whole preference file. Throws PreferenceFileError naming the line (1 is the
 * header) and the field of the first problem: bad JSON, a missing or mistyped field, arrays whose
 * lengths disagree with `steps`, a format version this code does not know, or a count in the
 * header that does not match the lines (a truncated file).
 */
export function readPreferenceFile(path: string): PreferenceFile {
  if (!existsSync(path)) {
    throw new Error(`${path} does not exist; pass a file written by 'backflip export'`);
  }
  const parse = <T>(schema: z.ZodType<T>, text: string, line: number): T => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new PreferenceFileError(path, line, null, `not valid JSON (${why})`);
    }
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    const field = issue.path.length ? formatPath(issue.path) : null;
    throw new PreferenceFileError(path, line, field, issue.message);
  };

  let header: PreferenceFileHeader | null = null;
  const comparisons: ComparisonRecord[] = [];
  let line = 0;
  const lines = readLines(path);
  for (;;) {
    let next: IteratorResult<string>;
    try {
      next = lines.next();
    } catch {
      throw new PreferenceFileError(
        path,
        line + 1,
        null,
        "not UTF-8 text (at this line or a later one)",
      );
    }
    if (next.done) break;
    const text = next.value;
    line++;
    if (header === null) {
      if (text.trim() === "") {
        throw new PreferenceFileError(path, 1, null, "empty; expected the header line");
      }
      checkFormat(path, text);
      header = parse(headerSchema, text, line);
    } else if (text.trim() !== "") {
      comparisons.push(parse(comparisonSchema, text, line));
    }
  }
  if (header === null) throw new PreferenceFileError(path, 1, null, "the file is empty");
  if (comparisons.length !== header.count) {
    throw new PreferenceFileError(
      path,
      1,
      "count",
      `the header says ${header.count} comparisons but the file holds ${comparisons.length}; ` +
        "it is incomplete or was edited: export it again",
    );
  }
  return { header, comparisons };
}

export type ImportResult = {
  /** Comparisons in the source. */
  comparisons: number;
  /** Answers added to the store. */
  added: number;
  /** Answers the store already had (the same comparison, labeller and all): not added again. */
  skipped: number;
};

/**
 * Adds the answered comparisons of `source` (a preference file, or a run directory, whose store
 * is read directly: its `store.sqlite`, or the Postgres store its `store.json` names) to `store`, in one transaction. Every clip must be of env
 * `envId`; otherwise this throws, listing the env ids found, and writes nothing.
 *
 * Answers keep their labeller and time. Clips are matched by content: a clip the store already
 * holds (this run's own, or imported before) keeps its id; a new one gets "imp-" and 16 hex
 * digits of a hash of its content, which no run's own ids look like. So importing a comparison
 * that is already here, from the same file, another export, the run directory, or even this
 * run's own export, adds nothing.
 */
export async function importPreferences(
  store: PreferenceStore,
  source: string,
  options: { envId: string },
): Promise<ImportResult> {
  const records =
    existsSync(source) && statSync(source).isDirectory()
      ? await readRunDirectory(source)
      : readPreferenceFile(source).comparisons;
  checkEnv(source, records, options.envId);
  const items = await toImports(store, options.envId, records);
  const { added, skipped } = await store.importComparisons(items);
  return { comparisons: records.length, added, skipped };
}

// ---- records ---------------------------------------------------------------------------------

export function comparisonToRecord(c: AnsweredComparison): ComparisonRecord {
  return {
    queryId: c.queryId,
    answer: c.answer,
    labeller: c.labeller,
    time: c.time,
    timeIso: new Date(c.time).toISOString(),
    phase: c.phase,
    disagreement: c.disagreement,
    left: clipToRecord(c.left),
    right: clipToRecord(c.right),
  };
}

export function clipToRecord(clip: Clip): ClipRecord {
  const steps = clip.rewards.length;
  const record: ClipRecord = {
    id: clip.id,
    envId: clip.envId,
    policyVersion: clip.policyVersion,
    envStep: clip.envStep,
    steps,
    obsSize: clip.obsSize,
    actSize: clip.actSize,
    obs: rows(clip.obs, steps, clip.obsSize),
    actions: rows(clip.actions, steps, clip.actSize),
    rewards: shortest(clip.rewards),
    frames: clip.frames,
  };
  if (clip.unhealthy) record.unhealthy = Array.from(clip.unhealthy, (u) => (u ? 1 : 0));
  if (clip.signals) {
    record.signals = {};
    for (const [name, values] of Object.entries(clip.signals)) {
      record.signals[name] = shortest(values);
    }
  }
  return record;
}

/** The clip a record describes. */
export function recordToClip(record: ClipRecord): Clip {
  const floats = (values: (number | null)[]) =>
    Float32Array.from(values, (v) => (v === null ? Number.NaN : v));
  const clip: Clip = {
    id: record.id,
    envId: record.envId,
    obs: floats(record.obs.flat()),
    obsSize: record.obsSize,
    actions: floats(record.actions.flat()),
    actSize: record.actSize,
    rewards: floats(record.rewards),
    frames: record.frames as Frame[],
    policyVersion: record.policyVersion,
    envStep: record.envStep,
  };
  if (record.unhealthy) clip.unhealthy = Uint8Array.from(record.unhealthy);
  if (record.signals) {
    clip.signals = {};
    for (const [name, values] of Object.entries(record.signals)) {
      clip.signals[name] = floats(values);
    }
  }
  return clip;
}

/**
 * The comparisons as the store imports them, each clip under the id of the stored clip with the
 * same content, or else under its content id. A query's id hashes its two clips' ids.
 */
async function toImports(
  store: PreferenceStore,
  envId: string,
  records: ComparisonRecord[],
): Promise<ComparisonImport[]> {
  const envSteps = records.flatMap((r) => [r.left.envStep, r.right.envStep]);
  const stored = new Map<string, string>();
  for (const clip of await store.clipsRecordedAt(envId, envSteps)) {
    // Normalised as a file would carry it, so a clip compares equal to its own export.
    const digest = clipDigest(recordToClip(clipToRecord(clip)));
    if (!stored.has(digest)) stored.set(digest, clip.id);
  }
  const clipFor = (record: ClipRecord): Clip => {
    const clip = recordToClip(record);
    const digest = clipDigest(clip);
    clip.id = stored.get(digest) ?? contentId(digest);
    return clip;
  };
  return records.map((r) => {
    const left = clipFor(r.left);
    const right = clipFor(r.right);
    const queryId = contentId(`query\0${left.id}\0${right.id}`);
    return {
      query: { id: queryId, left, right, disagreement: r.disagreement },
      phase: r.phase,
      answer: r.answer,
      labeller: r.labeller,
      time: r.time,
      requestId: `import:${queryId}:${r.labeller}`,
    };
  });
}

/** SHA-256 (hex) of everything in a clip but its id. */
function clipDigest(clip: Clip): string {
  const signals = clip.signals
    ? Object.fromEntries(Object.entries(clip.signals).sort(([a], [b]) => (a < b ? -1 : 1)))
    : undefined;
  const meta = JSON.stringify([clip.envId, clip.policyVersion, clip.envStep, clip.frames]);
  const hash = createHash("sha256")
    .update(meta)
    .update(encodeClipArrays({ ...clip, signals }));
  return hash.digest("hex");
}

function contentId(data: string): string {
  return `imp-${createHash("sha256").update(data).digest("hex").slice(0, 16)}`;
}

/** Row-major values as one array per step. */
function rows(values: Float32Array, steps: number, width: number): (number | null)[][] {
  const out: (number | null)[][] = [];
  for (let t = 0; t < steps; t++) out.push(shortest(values.subarray(t * width, (t + 1) * width)));
  return out;
}

/**
 * Each float32 as the shortest decimal that reads back as the same float32 (0.1, not
 * 0.10000000149011612): about half the bytes of printing it as a double. Non-finite → null.
 */
function shortest(values: Float32Array): (number | null)[] {
  return Array.from(values, (v) => {
    if (!Number.isFinite(v)) return null;
    for (let digits = 1; digits < 9; digits++) {
      const r = Number(v.toPrecision(digits));
      if (Math.fround(r) === v) return r;
    }
    return v;
  });
}

// ---- helpers ---------------------------------------------------------------------------------

function checkFormat(path: string, firstLine: string): void {
  let header: { format?: unknown; version?: unknown } | null = null;
  try {
    header = JSON.parse(firstLine);
  } catch {
    // reported by the full parse
  }
  if (header === null || typeof header !== "object") return;
  if (header.format !== PREFERENCE_FORMAT) {
    throw new PreferenceFileError(
      path,
      1,
      "format",
      `is ${JSON.stringify(header.format)}, not '${PREFERENCE_FORMAT}': this is not a preference file`,
    );
  }
  if (typeof header.version === "number" && header.version > PREFERENCE_FORMAT_VERSION) {
    throw new PreferenceFileError(
      path,
      1,
      "version",
      `is ${header.version}, newer than the ${PREFERENCE_FORMAT_VERSION} this backflip reads; upgrade backflip`,
    );
  }
}

function checkEnv(source: string, records: ComparisonRecord[], envId: string): void {
  const found = new Map<string, number>();
  for (const r of records) {
    for (const clip of [r.left, r.right]) found.set(clip.envId, (found.get(clip.envId) ?? 0) + 1);
  }
  const wrong = [...found.keys()].filter((id) => id !== envId);
  if (wrong.length === 0) return;
  const listed = [...found].map(([id, n]) => `${id} (${n} clips)`).join(", ");
  throw new Error(
    `cannot import ${source}: its clips are of ${listed}, but this run's env is ${envId}. ` +
      "Labels carry over only between runs of the same env; nothing was imported.",
  );
}

async function readRunDirectory(dir: string): Promise<ComparisonRecord[]> {
  if (!hasRunStore(dir)) {
    throw new Error(
      `${dir} has no store.sqlite (nor store.json), so it is not a run directory; pass a run directory or a file written by 'backflip export'`,
    );
  }
  const source = await openRunStore(dir);
  try {
    const records: ComparisonRecord[] = [];
    for (let afterId = 0; ; ) {
      const page = await source.answeredComparisons({ afterId, limit: PAGE });
      if (page.length === 0) return records;
      for (const c of page) records.push(comparisonToRecord(c));
      afterId = page[page.length - 1].id;
    }
  } finally {
    await source.close();
  }
}

/** The lines of a file, without their "\n", read in chunks: a large file is never one string. */
function* readLines(path: string): Generator<string> {
  const fd = openSync(path, "r");
  try {
    const decoder = new TextDecoder("utf-8", { fatal: true });
    const buffer = Buffer.alloc(1 << 20);
    let rest = "";
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      rest += decoder.decode(buffer.subarray(0, n), { stream: n > 0 });
      const lines = rest.split("\n");
      rest = lines.pop() ?? "";
      yield* lines;
      if (n === 0) break;
    }
    if (rest !== "") yield rest;
  } finally {
    closeSync(fd);
  }
}

function copyInto(out: number, path: string): void {
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.alloc(1 << 20);
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) return;
      writeSync(out, buffer, 0, n);
    }
  } finally {
    closeSync(fd);
  }
}

function formatPath(path: PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}
