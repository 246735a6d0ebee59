/**
 * The bench scripts' one argument parser: `--name value` flags read with a type, `--name`
 * switches, and positional arguments. A bad or unknown argument prints what was wrong and the
 * script's usage to stderr and exits with status 2.
 */

export interface ArgSpec {
  /** The usage text printed under an error. */
  usage: string;
  /** Flags that take a value (`--epochs 10`). */
  values?: readonly string[];
  /** Flags without one (`--tfjs`). */
  switches?: readonly string[];
  /** How many positional arguments are accepted (default 0). */
  positional?: number;
}

export interface BenchArgs {
  /** The positional arguments, in order. */
  readonly positional: readonly string[];
  /** Whether the switch was given. */
  has(flag: string): boolean;
  /** The flag's value, or `fallback` when it was not given. */
  string(flag: string, fallback: string, what?: string): string;
  string(flag: string, fallback?: undefined, what?: string): string | undefined;
  /** The flag's value as an integer >= min, or `fallback` when it was not given. */
  integer(flag: string, fallback: number, min: number): number;
  /** The flag's value, one of `choices`, or `fallback` when it was not given. */
  choice<T extends string>(flag: string, choices: readonly T[], fallback: T): T;
  /** Print `message` and the usage, exit 2. */
  fail(message: string): never;
}

export function parseBenchArgs(argv: readonly string[], spec: ArgSpec): BenchArgs {
  const fail = (message: string): never => {
    process.stderr.write(`${message}\n${spec.usage}\n`);
    process.exit(2);
  };
  const values = new Map<string, string | undefined>();
  const switches = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (spec.values?.includes(arg)) values.set(arg, argv[++i]);
    else if (spec.switches?.includes(arg)) switches.add(arg);
    else if (!arg.startsWith("--") && positional.length < (spec.positional ?? 0)) positional.push(arg);
    else fail(`unknown argument ${arg}`);
  }
  const given = (flag: string): boolean => values.has(flag);
  function string(flag: string, fallback?: string, what = "a value"): string | undefined {
    if (!given(flag)) return fallback;
    return values.get(flag) ?? fail(`${flag}: expected ${what}`);
  }
  return {
    positional,
    has: (flag) => switches.has(flag),
    string: string as BenchArgs["string"],
    integer(flag, fallback, min) {
      if (!given(flag)) return fallback;
      const value = values.get(flag);
      const n = Number(value);
      return value === undefined || !Number.isSafeInteger(n) || n < min ? fail(`${flag}: expected an integer >= ${min}, got ${String(value)}`) : n;
    },
    choice(flag, choices, fallback) {
      if (!given(flag)) return fallback;
      const value = values.get(flag);
      const listed = `${choices.slice(0, -1).join(", ")} or ${choices.at(-1) as string}`;
      return choices.find((c) => c === value) ?? fail(`${flag}: expected ${listed}, got ${String(value)}`);
    },
    fail,
  };
}
