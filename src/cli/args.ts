/**
 * A small declarative flag parser: each command lists its flags with a type, a default and a
 * help line. Unknown flags, missing values and bad values are `UsageError`s that name the flag.
 */

export class UsageError extends Error {
  override name = "UsageError";
}

export type FlagType = "int" | "number" | "string" | "boolean" | "ints";

export interface FlagSpec {
  type: FlagType;
  help: string;
  default?: number | string | boolean | number[];
  /** Allowed values for a string flag. */
  choices?: readonly string[];
  /** Smallest allowed value for numbers (and each of `ints`). */
  min?: number;
  /**
   * What the command writes at this path, checked before any work: a file (its folder exists and
   * is writable, it is not a folder) or a folder (a folder, or creatable in a writable one).
   */
  output?: "file" | "folder";
}

export type FlagValue = number | string | boolean | number[] | undefined;
export type ParsedFlags = Record<string, FlagValue>;

function parseValue(flag: string, spec: FlagSpec, raw: string): FlagValue {
  const bad = (why: string): UsageError => new UsageError(`--${flag}: ${why}, got "${raw}"`);
  const checkMin = (value: number): number => {
    if (spec.min !== undefined && value < spec.min) throw bad(`must be at least ${spec.min}`);
    return value;
  };
  switch (spec.type) {
    case "int": {
      if (!/^-?\d+$/.test(raw)) throw bad("expected an integer");
      return checkMin(Number(raw));
    }
    case "number": {
      const value = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(value)) throw bad("expected a finite number");
      return checkMin(value);
    }
    case "ints": {
      const parts = raw.split(",");
      if (parts.some((p) => !/^\d+$/.test(p.trim()))) throw bad("expected comma-separated integers such as 400 or 512,256");
      return parts.map((p) => checkMin(Number(p)));
    }
    case "boolean": {
      if (raw === "true") return true;
      if (raw === "false") return false;
      throw bad("expected true or false");
    }
    case "string": {
      if (spec.choices && !spec.choices.includes(raw)) throw bad(`expected one of ${spec.choices.join(", ")}`);
      return raw;
    }
  }
}

/** The flags each parse result was given on the command line (the rest hold their defaults). */
const givenFlags = new WeakMap<ParsedFlags, Set<string>>();

/** True when `--name` was on the command line, not just defaulted. */
export function flagGiven(flags: ParsedFlags, name: string): boolean {
  return givenFlags.get(flags)?.has(name) === true;
}

/**
 * A copy of `flags` in which every flag of `values` not given on the command line takes that
 * value and counts as given (a preset's settings: explicit flags win over them).
 */
export function withValues(flags: ParsedFlags, values: Readonly<ParsedFlags>): ParsedFlags {
  const given = new Set(givenFlags.get(flags));
  const out: ParsedFlags = { ...flags };
  for (const [name, value] of Object.entries(values)) {
    if (given.has(name)) continue;
    out[name] = value;
    given.add(name);
  }
  givenFlags.set(out, given);
  return out;
}

/** Parse `--name value`, `--name=value` and bare boolean `--name` against `specs`. */
export function parseFlags(argv: readonly string[], specs: Readonly<Record<string, FlagSpec>>): ParsedFlags {
  const flags: ParsedFlags = {};
  const given = new Set<string>();
  givenFlags.set(flags, given);
  for (const [name, spec] of Object.entries(specs)) flags[name] = spec.default;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith("--")) throw new UsageError(`unexpected argument "${arg}" (flags start with --)`);
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const spec = specs[name];
    if (!spec) throw new UsageError(`unknown flag --${name}; see --help`);
    let raw = inline;
    if (raw === undefined) {
      const next = argv[i + 1];
      if (spec.type === "boolean" && (next === undefined || next.startsWith("--"))) raw = "true";
      else if (next === undefined) throw new UsageError(`--${name}: missing value`);
      else raw = argv[++i];
    }
    flags[name] = parseValue(name, spec, raw as string);
    given.add(name);
  }
  return flags;
}

/** The help text of one command: usage line, description, flags with defaults. */
export function formatHelp(command: string, description: string, specs: Readonly<Record<string, FlagSpec>>): string {
  const lines = [`Usage: elbo ${command} [flags]`, "", description, "", "Flags:"];
  for (const [name, spec] of Object.entries(specs)) {
    const shown = Array.isArray(spec.default) ? spec.default.join(",") : spec.default;
    const defaultText = shown === undefined ? "" : ` (default: ${shown})`;
    const choices = spec.choices ? ` [${spec.choices.join("|")}]` : "";
    lines.push(`  --${name.padEnd(14)} ${spec.help}${choices}${defaultText}`);
  }
  lines.push(`  --${"help".padEnd(14)} show this help`);
  return lines.join("\n");
}

/** Typed getters: the parser guarantees the type once a flag has a default or was given. */
export function flagNumber(flags: ParsedFlags, name: string): number {
  const value = flags[name];
  if (typeof value !== "number") throw new UsageError(`--${name} is required`);
  return value;
}

export function flagString(flags: ParsedFlags, name: string): string {
  const value = flags[name];
  if (typeof value !== "string") throw new UsageError(`--${name} is required`);
  return value;
}

export function flagOptionalString(flags: ParsedFlags, name: string): string | undefined {
  const value = flags[name];
  return typeof value === "string" ? value : undefined;
}

export function flagInts(flags: ParsedFlags, name: string): number[] {
  const value = flags[name];
  if (!Array.isArray(value)) throw new UsageError(`--${name} is required`);
  return value;
}

export function flagOptionalInts(flags: ParsedFlags, name: string): number[] | undefined {
  const value = flags[name];
  return Array.isArray(value) ? value : undefined;
}

export function flagBoolean(flags: ParsedFlags, name: string): boolean {
  return flags[name] === true;
}
