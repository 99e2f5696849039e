/**
 * Schemas of every request the labelling API accepts (docs/api.md). Objects are strict: an
 * unknown field is an error, so a client typo is reported rather than ignored.
 */
import { z } from "zod";
import { HttpError, truncate } from "./http.ts";

const id = z.string().min(1).max(200);

export const ANSWERS = ["left", "right", "equal", "cant_tell"] as const;

export const emptyBody = z.strictObject({});

export const leaseBody = z.strictObject({ queryId: id });

export const answerBody = z.strictObject({
  leaseId: id,
  answer: z.enum(ANSWERS),
  /** Chosen by the client, the same on every retry of one submit: printable ASCII. */
  requestId: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces"),
});

const count = (max: number) =>
  z
    .string()
    .regex(/^\d{1,10}$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(0).max(max));

export const metricsParams = z.strictObject({ after: count(1e9).optional() });

export const recentParams = z.strictObject({
  limit: count(100).pipe(z.number().min(1, "must be at least 1")).optional(),
});

export const noParams = z.strictObject({});

/** Parses `value` with `schema`, or throws a 400 naming every problem found. */
export function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => {
    const where = i.path.length ? i.path.join(".") : what;
    return `${where}: ${i.message}`;
  });
  throw new HttpError(
    400,
    `invalid_${what}`,
    truncate(`invalid ${what}: ${problems.join("; ")}`, 400),
  );
}

/** Query-string parameters as an object; a repeated name is an error. */
export function searchParams(search: URLSearchParams): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of search) {
    if (Object.hasOwn(out, k))
      throw new HttpError(400, "invalid_query", `parameter '${truncate(k, 40)}' is given twice`);
    out[k] = v;
  }
  return out;
}
