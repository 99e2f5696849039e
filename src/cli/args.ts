/**
 * Command-line options from one table. Each command describes its options once (name, kind of
 * value, default, one line of help) and gets from that table the `util.parseArgs` options, the
 * `--help` text and typed values: `--steps 5` reads as the number 5, a missing `--labels` as its
 * default.
 */
import { isIP } from "node:net";
import { type ParseArgsConfig, parseArgs } from "node:util";

/** A mistake in how the command was called: printed without a stack trace, exit code 2. */
export class UsageError extends Error {}

type Common = {
  /** One line of help (wrapped to the terminal width in `--help`). */
  help: string;
  /** Where the value lands in the run's config (`noise.beta`), so that errors there name the flag. */
  field?: string;
  /** A tag the command uses to check which options go together (e.g. `human`). */
  group?: string;
};

/** What `--help` says when the option has no fixed default. */
type Unset = {
  /**
   * The default when it depends on other options, shown as "(default: TEXT)"; the parsed value
   * is `undefined` when the flag is absent, and the command works the default out.
   */
  defaultText?: string;
  /**
   * Shown as "(required)", or "(required TEXT)" for a string. The command checks it, as it may
   * depend on other options.
   */
  required?: true | string;
};

export type BooleanOption = Common & { kind: "boolean"; short?: string };
export type StringOption = Common &
  Unset & {
    kind: "string";
    /** The value's name in the help, e.g. `DIR` (likewise for int and number options). */
    value: string;
    default?: string;
  };
export type IntOption = Common &
  Unset & { kind: "int"; value: string; default?: number; min?: number; max?: number };
/** A number; `Infinity` and `-Infinity` are accepted where `min` and `max` allow them. */
export type NumberOption = Common &
  Unset & { kind: "number"; value: string; default?: number; min?: number; max?: number };
export type ChoiceOption = Common &
  Unset & { kind: "choice"; choices: readonly string[]; default?: string };

export type OptionSpec = BooleanOption | StringOption | IntOption | NumberOption | ChoiceOption;
export type OptionTable = Record<string, OptionSpec>;

type ValueOf<S> = S extends { kind: "boolean" }
  ? boolean
  : S extends { kind: "int" | "number" }
    ? number
    : S extends { kind: "choice"; choices: readonly (infer C)[] }
      ? C
      : string;

/** A parsed option: booleans are false when absent, others their default or `undefined`. */
export type OptionValue<S> = S extends { kind: "boolean" }
  ? boolean
  : S extends { default: unknown }
    ? ValueOf<S>
    : ValueOf<S> | undefined;

/** The typed values of a table's options, with `help` (every command has `-h, --help`). */
export type OptionValues<T extends OptionTable> = {
  -readonly [K in keyof T]: OptionValue<T[K]>;
} & {
  help: boolean;
};

/** What `parseOptions` returns. */
export type ParsedOptions<T extends OptionTable> = {
  values: OptionValues<T>;
  positionals: string[];
  /** The flags given on the command line (the rest hold their defaults). */
  given: ReadonlySet<keyof T | "help">;
};

/** A command's help: its synopsis, its option table, and any notes after the options. */
export type CommandSpec<T extends OptionTable> = {
  /** `train`, as in `backflip train`. */
  name: string;
  /** The first lines of `--help`: how to call the command and what it does. */
  synopsis: string;
  options: T;
  /** Text after the options. */
  notes?: string;
};

/** Keeps the literal types of a command's table (choices, defaults) for `OptionValues`. */
export function defineCommand<const T extends OptionTable>(spec: CommandSpec<T>): CommandSpec<T> {
  return spec;
}

const HELP_OPTION: BooleanOption = { kind: "boolean", short: "h", help: "show this help" };

/**
 * Parses `argv` by the command's table: unknown flags, bad numbers and bad choices are
 * UsageErrors that name the flag. Negative numbers work as values (`--skip-threshold -600`).
 */
export function parseOptions<T extends OptionTable>(
  command: CommandSpec<T>,
  argv: string[],
): ParsedOptions<T> {
  const table = { ...command.options, help: HELP_OPTION } as OptionTable;
  const parseConfig: NonNullable<ParseArgsConfig["options"]> = {};
  for (const [name, spec] of Object.entries(table)) {
    parseConfig[name] =
      spec.kind === "boolean"
        ? { type: "boolean", ...(spec.short ? { short: spec.short } : {}) }
        : { type: "string" };
  }
  const { values: raw, positionals } = parseCommand(command.name, argv, parseConfig);
  const values: Record<string, unknown> = {};
  const given = new Set<string>();
  for (const [name, spec] of Object.entries(table)) {
    const value = raw[name] as string | boolean | undefined;
    if (value !== undefined) given.add(name);
    try {
      values[name] = readValue(name, spec, value);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      throw new UsageError(`backflip ${command.name}: ${error.message}`);
    }
  }
  return { values: values as OptionValues<T>, positionals, given };
}

function readValue(name: string, spec: OptionSpec, raw: string | boolean | undefined): unknown {
  if (spec.kind === "boolean") return raw === true;
  if (raw === undefined) return spec.default;
  const text = raw as string;
  switch (spec.kind) {
    case "string":
      return text;
    case "choice":
      return choiceFlag(name, text, spec.choices, spec.default ?? text);
    case "int":
      return intFlag(name, text, 0, spec.min ?? Number.NEGATIVE_INFINITY, spec.max);
    case "number":
      return numberFlag(name, text, 0, spec.min, spec.max);
  }
}

/** The default as `--help` shows it: "(default 500)", "(default: the task's preset)", "(required)"; null for booleans. */
export function describeDefault(spec: OptionSpec): string | null {
  if (spec.kind === "boolean") return null;
  if (spec.default !== undefined) return `(default ${spec.default})`;
  if (spec.required !== undefined)
    return spec.required === true ? "(required)" : `(required ${spec.required})`;
  if (spec.defaultText !== undefined) return `(default: ${spec.defaultText})`;
  return "(default: none)";
}

/** `--name VALUE` as the help's left column shows it. */
export function describeFlag(name: string, spec: OptionSpec): string {
  const flag = spec.kind === "boolean" && spec.short ? `-${spec.short}, --${name}` : `--${name}`;
  if (spec.kind === "boolean") return flag;
  return `${flag} ${spec.kind === "choice" ? spec.choices.join("|") : spec.value}`;
}

const WIDTH = 100;

/** The command's `--help`: synopsis, then each option of the table with its help and default. */
export function formatHelp<T extends OptionTable>(command: CommandSpec<T>): string {
  const rows = Object.entries({ ...command.options, help: HELP_OPTION } as OptionTable);
  const left = rows.map(([name, spec]) => describeFlag(name, spec));
  const column = Math.min(30, Math.max(...left.map((l) => l.length)) + 2);
  const lines = [command.synopsis, "", "Options:"];
  rows.forEach(([, spec], i) => {
    const text = [spec.help, describeDefault(spec)].filter(Boolean).join(" ");
    const flag = `  ${left[i]}`;
    const indent = " ".repeat(column + 2);
    const wrapped = wrap(text, WIDTH - indent.length);
    if (flag.length + 2 > indent.length) lines.push(flag, ...wrapped.map((w) => indent + w));
    else
      lines.push(
        flag.padEnd(indent.length) + wrapped[0],
        ...wrapped.slice(1).map((w) => indent + w),
      );
  });
  if (command.notes) lines.push("", command.notes);
  return lines.join("\n");
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines;
}

/** An address to bind: an IP address or `localhost`. */
export function checkHost(command: string, name: string, host: string): void {
  if (host !== "localhost" && isIP(host) === 0) {
    throw new UsageError(
      `backflip ${command}: --${name} must be an IP address or localhost, got '${host}'`,
    );
  }
}

/** A value that starts with a dash but is a number, not a flag: `-600`, `-.5`, `-1e3`, `-Infinity`. */
const NEGATIVE_NUMBER = /^-(\d|\.\d|Infinity$)/;

/**
 * `util.parseArgs` in strict mode, with its errors turned into UsageErrors that name the
 * command, so `backflip train --lables 5` says what was wrong and where to look. A negative
 * number after a flag that takes a value is that flag's value (`parseArgs` alone calls
 * `--skip-threshold -600` ambiguous and wants `--skip-threshold=-600`).
 */
export function parseCommand<const T extends NonNullable<ParseArgsConfig["options"]>>(
  command: string,
  argv: string[],
  options: T,
): ReturnType<
  typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>
> {
  try {
    return parseArgs({
      args: joinNegativeValues(argv, options),
      options,
      allowPositionals: true as const,
      strict: true as const,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new UsageError(`backflip ${command}: ${message}. See 'backflip ${command} --help'.`);
  }
}

/** `--x -600` → `--x=-600` for options that take a value; arguments after `--` are left alone. */
function joinNegativeValues(
  argv: string[],
  options: NonNullable<ParseArgsConfig["options"]>,
): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      out.push(...argv.slice(i));
      break;
    }
    const name = arg.startsWith("--") && !arg.includes("=") ? arg.slice(2) : null;
    const next = argv[i + 1];
    if (
      name !== null &&
      Object.hasOwn(options, name) &&
      options[name].type === "string" &&
      next !== undefined &&
      NEGATIVE_NUMBER.test(next)
    ) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

export function intFlag(
  name: string,
  value: string | undefined,
  fallback: number,
  min = 0,
  max = Number.POSITIVE_INFINITY,
): number {
  if (value === undefined) return fallback;
  const n = value.trim() === "" ? Number.NaN : Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    const range =
      max === Number.POSITIVE_INFINITY
        ? min === Number.NEGATIVE_INFINITY
          ? ""
          : ` ≥ ${min}`
        : ` in [${min}, ${max}]`;
    throw new UsageError(`--${name} must be an integer${range}, got '${value}'`);
  }
  return n;
}

/** A number, `Infinity` or `-Infinity` included unless `min`/`max` rule them out. */
export function numberFlag(
  name: string,
  value: string | undefined,
  fallback: number,
  min = Number.NEGATIVE_INFINITY,
  max = Number.POSITIVE_INFINITY,
): number {
  if (value === undefined) return fallback;
  const n = value.trim() === "" ? Number.NaN : Number(value);
  if (Number.isNaN(n)) throw new UsageError(`--${name} must be a number, got '${value}'`);
  if (n < min || n > max) {
    const range =
      max === Number.POSITIVE_INFINITY
        ? `≥ ${min}`
        : min === Number.NEGATIVE_INFINITY
          ? `≤ ${max}`
          : `in [${min}, ${max}]`;
    throw new UsageError(`--${name} must be a number ${range}, got '${value}'`);
  }
  return n;
}

export function choiceFlag<T extends string>(
  name: string,
  value: string | undefined,
  choices: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${choices.join(", ")}; got '${value}'`);
  }
  return value as T;
}
