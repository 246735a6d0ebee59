/**
 * Progress of a training epoch: epoch, step, examples per second, the running ELBO and the time
 * left. On a terminal, one line redrawn in place (at most every `redrawSeconds`); elsewhere (a
 * log file, CI), a plain line every `lineSeconds` so logs stay readable.
 */

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressOptions {
  epoch: number;
  epochs: number;
  /** Steps in this epoch. */
  totalSteps: number;
  /** Seconds between redraws on a terminal. Default 0.1. */
  redrawSeconds?: number;
  /** Seconds between plain lines when not on a terminal. Default 10. */
  lineSeconds?: number;
  /** What the running mean is of, in the line. Default "ELBO". */
  valueName?: string;
  /** The clock, in seconds; injectable for tests. Default performance.now() / 1000. */
  now?: () => number;
}

const BAR_WIDTH = 24;

/** "1:05" or "0:07": minutes and seconds. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

export class ProgressReporter {
  private readonly now: () => number;
  private readonly started: number;
  private lastOutput: number;
  private examples = 0;
  private step = 0;
  private elboSum = 0;
  private elboCount = 0;
  private shown = 0; // length of the line now on the terminal, so a shorter one blanks the rest

  constructor(private readonly stream: ProgressStream, private readonly options: ProgressOptions) {
    this.now = options.now ?? ((): number => performance.now() / 1000);
    this.started = this.now();
    this.lastOutput = this.started;
  }

  /** Record one finished step of `batchSize` examples whose ELBO (nats per example) was `elbo`. */
  update(step: number, batchSize: number, elbo: number): void {
    this.step = step;
    this.examples += batchSize;
    this.elboSum += elbo * batchSize;
    this.elboCount += batchSize;
    const now = this.now();
    const tty = this.stream.isTTY === true;
    const interval = tty ? (this.options.redrawSeconds ?? 0.1) : (this.options.lineSeconds ?? 10);
    if (now - this.lastOutput < interval) return;
    this.lastOutput = now;
    if (!tty) {
      this.stream.write(`${this.line(now, false)}\n`);
      return;
    }
    const text = this.line(now, true);
    this.stream.write(`\r${text.padEnd(this.shown)}`);
    this.shown = text.length;
  }

  /** Clear the in-place line on a terminal (the caller then logs the epoch's summary). */
  finish(): void {
    if (this.stream.isTTY === true && this.shown > 0) this.stream.write(`\r${" ".repeat(this.shown)}\r`);
    this.shown = 0;
  }

  /** The status text: epoch, step, [bar], examples/s, mean ELBO so far, ETA. */
  line(now: number, withBar: boolean): string {
    const { epoch, epochs, totalSteps } = this.options;
    const elapsed = Math.max(now - this.started, 1e-9);
    const rate = this.examples / elapsed;
    const stepsPerSecond = this.step / elapsed;
    const eta = stepsPerSecond > 0 ? (totalSteps - this.step) / stepsPerSecond : Number.NaN;
    const fraction = totalSteps > 0 ? Math.min(1, this.step / totalSteps) : 1;
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = withBar ? ` [${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}]` : "";
    const elbo = this.elboCount > 0 ? (this.elboSum / this.elboCount).toFixed(2) : "?";
    return `epoch ${epoch}/${epochs} step ${this.step}/${totalSteps}${bar} ${Math.round(rate)} examples/s, ${this.options.valueName ?? "ELBO"} ${elbo}, ETA ${formatDuration(eta)}`;
  }
}
