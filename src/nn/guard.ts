/**
 * The training guard: what a training loop checks every step so that a NaN or an Inf never
 * reaches the weights unnoticed.
 *
 *   - the loss and each reported term must be finite (a non-finite term is named);
 *   - the gradient's total squared norm Σ_i g_i² must be finite (a single NaN or ±∞ anywhere
 *     makes it so, and the first parameter that holds one is named);
 *   - a loss far above its running median (an explosion) is reported, once per episode.
 *
 * What happens then is the loop's choice: stop (throw a `NonFiniteError`) or skip the step.
 */
import type { Tensor } from "../autograd/index.js";
import { nonFiniteEntries } from "../tensor/index.js";

/** A loss, a term or a gradient that became NaN or ±∞ during training. */
export class NonFiniteError extends Error {
  override name = "NonFiniteError";
  /** What was not finite: a term of the loss ("reconstruction", "kl", ...), "loss", or "gradient". */
  readonly term: string;
  /** Optimizer steps taken before the failing one. */
  readonly step: number;

  constructor(message: string, details: { term: string; step: number }) {
    super(message);
    this.term = details.term;
    this.step = details.step;
  }
}

/** Σ g² over one gradient array, in float64 (NaN or ±∞ if any element is). */
function sumOfSquares(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    total += v * v;
  }
  return total;
}

/** The gradient norm ‖g‖₂ over `parameters`, or the first parameter whose gradient holds a NaN or ±∞. */
export function checkGradients(parameters: Iterable<[string, Tensor]>): { norm: number } | { parameter: string; count: number; size: number } {
  let total = 0;
  const list = [...parameters];
  for (const [, p] of list) if (p.grad) total += sumOfSquares(p.grad.data);
  if (Number.isFinite(total)) return { norm: Math.sqrt(total) };
  // Slow path, only on failure: which parameter, and how many of its entries.
  for (const [name, p] of list) {
    const count = p.grad ? nonFiniteEntries(p.grad.data).count : 0;
    if (count > 0) return { parameter: name, count, size: p.size };
  }
  // Every entry finite but Σ g² overflowed float64 (|g| > 1e154): infinite for our purposes.
  return { parameter: "(all: the squared norm overflows)", count: 0, size: 0 };
}

/** The first entry of `terms` whose value is not finite, or undefined. */
export function firstNonFinite(terms: Readonly<Record<string, number>>): string | undefined {
  return Object.keys(terms).find((name) => !Number.isFinite(terms[name]));
}

/** "reconstruction = NaN, kl = 12.30": each term and its value. */
export function formatTerms(terms: Readonly<Record<string, number>>): string {
  return Object.entries(terms)
    .map(([name, value]) => `${name} = ${Number.isFinite(value) ? value.toPrecision(6) : String(value)}`)
    .join(", ");
}

export interface ExplosionOptions {
  /** A loss more than `factor` times its running median (in magnitude) is an explosion. Default 1e4. */
  factor?: number;
  /** Losses in the running window. Default 101. */
  window?: number;
  /** Losses seen before anything is called an explosion. Default 1: a 1e4-fold rise is never ordinary. */
  warmup?: number;
}

/**
 * Watches a loss for explosions: |loss| > factor × |median of the last `window` losses|.
 * `observe` returns true at the first exploding step of an episode (it re-arms once a loss is
 * back below the threshold), so a warning is printed once, not on every step.
 */
export class ExplosionWatch {
  private readonly factor: number;
  private readonly window: number;
  private readonly warmup: number;
  private readonly recent: number[] = [];
  private exploding = false;

  constructor(options: ExplosionOptions = {}) {
    this.factor = options.factor ?? 1e4;
    this.window = options.window ?? 101;
    this.warmup = options.warmup ?? 1;
  }

  /** The running median of the losses seen (NaN before any). */
  median(): number {
    const sorted = [...this.recent].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length === 0 ? Number.NaN : sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  }

  /** Record a finite loss; true when it starts an explosion. */
  observe(loss: number): boolean {
    const median = this.median();
    const explodes = this.recent.length >= this.warmup && Math.abs(loss) > this.factor * Math.max(Math.abs(median), Number.MIN_VALUE);
    // An exploding loss stays out of the window, so that the median keeps the scale of the good steps.
    if (!explodes) {
      this.recent.push(loss);
      if (this.recent.length > this.window) this.recent.shift();
    }
    const starts = explodes && !this.exploding;
    this.exploding = explodes;
    return starts;
  }
}
