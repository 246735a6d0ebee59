/**
 * Ctrl-C (SIGINT) and SIGTERM during `elbo train`: the first one aborts a signal that the
 * trainer checks at every step boundary (src/vae/interruptible.ts); the run then stops, keeps
 * its last checkpoint and exits with 128 + the signal's number (130, 143), saying which command
 * resumes it. A second one exits at once. `npm run` relays the terminal's Ctrl-C to the process
 * that already got it, so a repeat within `REPEAT_MS` counts as the same one.
 */

/** The signals that stop training, and the exit status of each (128 + its number). */
export const INTERRUPT_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
export type InterruptSignal = keyof typeof INTERRUPT_EXIT_CODES;

/** A signal this soon after the first is the same Ctrl-C delivered twice, not a second one. */
export const REPEAT_MS = 500;

export interface InterruptWatch {
  /** Aborted by the first signal. */
  readonly signal: AbortSignal;
  /** The first signal received, or null. */
  received(): InterruptSignal | null;
  /** Stop listening (the signals' default action applies again). */
  dispose(): void;
}

/** Where signals come from and what a second one does; the defaults are the process's own (tests pass their own). */
export interface InterruptSource {
  source?: { on(name: InterruptSignal, handler: (name: InterruptSignal) => void): unknown; off(name: InterruptSignal, handler: (name: InterruptSignal) => void): unknown };
  exitNow?: (code: number) => void;
  now?: () => number;
}

/** Listen for SIGINT and SIGTERM until `dispose()`; a second signal calls `exitNow` with its exit status. */
export function watchInterrupts(options: InterruptSource = {}): InterruptWatch {
  const { source = process, exitNow = (code: number) => process.exit(code), now: clock = () => performance.now() } = options;
  const controller = new AbortController();
  let first: { name: InterruptSignal; at: number } | null = null;
  const handler = (name: InterruptSignal): void => {
    const now = clock();
    if (first === null) {
      first = { name, at: now };
      controller.abort();
    } else if (now - first.at >= REPEAT_MS) {
      process.stderr.write(`\nelbo train: ${name} again: exiting at once; the last checkpoint is kept\n`);
      exitNow(INTERRUPT_EXIT_CODES[name]);
    }
  };
  const names = Object.keys(INTERRUPT_EXIT_CODES) as InterruptSignal[];
  for (const name of names) source.on(name, handler);
  return {
    signal: controller.signal,
    received: () => first?.name ?? null,
    dispose: () => {
      for (const name of names) source.off(name, handler);
    },
  };
}

/** The command was stopped by a signal: its message is the last line printed, `exitCode` its status. */
export class InterruptedError extends Error {
  override name = "InterruptedError";
  readonly exitCode: number;

  constructor(message: string, signal: InterruptSignal) {
    super(message);
    this.exitCode = INTERRUPT_EXIT_CODES[signal];
  }
}

/** An argument as a POSIX shell reads it back: bare when safe, else single-quoted. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** How the user runs `elbo`: through the repository's npm script (`npm start`, `npm run elbo`), or installed. */
export function elboCommand(): string {
  const script = process.env.npm_lifecycle_event;
  return script === "start" || script === "elbo" ? "npm run elbo --" : "elbo";
}

/** The command that continues the run in `dir` from its last checkpoint. */
export function resumeCommand(dir: string): string {
  return `${elboCommand()} train --out ${shellQuote(dir)} --resume`;
}
