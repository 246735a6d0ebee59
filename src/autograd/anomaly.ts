/**
 * Anomaly mode, as `torch.autograd.detect_anomaly`: inside `detectAnomaly(() => ...)` every op's
 * forward output and every gradient its backward returns are checked for NaN and ±∞, and the
 * first one found throws an `AnomalyError` naming the op, its input shapes, the pass (forward or
 * backward) and where the op was created: a short stack captured when the op ran, in this mode
 * only. Outside it, the cost is one counter test per op (see bench/anomaly.ts).
 */
import { formatShape, nonFiniteEntries, type NDArray } from "../tensor/index.js";

let anomalyDepth = 0;

/** True inside `detectAnomaly`. */
export function isAnomalyEnabled(): boolean {
  return anomalyDepth > 0;
}

/**
 * Run `fn` with anomaly detection on (nests; off again when the outermost call returns, or,
 * when `fn` returns a promise, once it settles: meanwhile the mode is on for all code).
 */
export function detectAnomaly<T>(fn: () => T): T {
  anomalyDepth++;
  let result: T;
  try {
    result = fn();
  } catch (error) {
    anomalyDepth--;
    throw error;
  }
  if (result instanceof Promise) return result.finally(() => void anomalyDepth--) as T;
  anomalyDepth--;
  return result;
}

/** A NaN or ±∞ produced by an op, found in anomaly mode. */
export class AnomalyError extends Error {
  override name = "AnomalyError";
  readonly op: string;
  readonly pass: "forward" | "backward";
  readonly inputShapes: readonly (readonly number[])[];
  /** Where the op was created (a few stack frames outside the engine), when anomaly mode was on then. */
  readonly creation: string | undefined;

  constructor(details: { op: string; pass: "forward" | "backward"; inputShapes: readonly (readonly number[])[]; what: string; creation: string | undefined }) {
    const shapes = details.inputShapes.map((shape) => formatShape(shape)).join(", ");
    const where = details.creation === undefined ? "" : `\n  created at:\n${details.creation}`;
    super(`anomaly: op "${details.op}" (inputs ${shapes}) ${details.pass === "forward" ? "produced" : "returned in backward"} ${details.what}${where}`);
    this.op = details.op;
    this.pass = details.pass;
    this.inputShapes = details.inputShapes;
    this.creation = details.creation;
  }
}

/** Frames of the current stack outside src/autograd/ (the engine), at most `frames` of them. */
export function creationStack(frames = 6): string {
  // V8 keeps 10 frames by default; the engine's own take several, so ask for more (other engines ignore this).
  const errors = Error as ErrorConstructor & { stackTraceLimit?: number }; // V8's; not in the DOM lib
  const limit = errors.stackTraceLimit;
  errors.stackTraceLimit = 30;
  const stack = new Error().stack ?? "";
  errors.stackTraceLimit = limit;
  const lines = stack.split("\n").slice(1);
  const outside = lines.filter((line) => !/[\\/]autograd[\\/][a-z-]+\.[jt]s/.test(line));
  return outside.slice(0, frames).map((line) => `    ${line.trim()}`).join("\n");
}

/** `3 NaN or infinite values of 12 in [3,4] (first at flat index 5: NaN)`: what anomaly mode found in `array`. */
function nonFiniteSummary(array: NDArray, count: number, first: number): string {
  return `${count} NaN or infinite value${count === 1 ? "" : "s"} of ${array.size} in ${formatShape(array.shape)} (first at flat index ${first}: ${array.data[first]})`;
}

/** Throws an `AnomalyError` when `output` holds a NaN or ±∞. */
export function checkForward(op: string, inputs: readonly NDArray[], output: NDArray, creation: string | undefined): void {
  const { count, first } = nonFiniteEntries(output.data);
  if (count === 0) return;
  throw new AnomalyError({ op, pass: "forward", inputShapes: inputs.map((x) => x.shape), what: nonFiniteSummary(output, count, first), creation });
}

/** Throws an `AnomalyError` when the gradient for input `index` holds a NaN or ±∞. */
export function checkBackward(op: string, inputs: readonly NDArray[], index: number, grad: NDArray, creation: string | undefined): void {
  const { count, first } = nonFiniteEntries(grad.data);
  if (count === 0) return;
  throw new AnomalyError({ op, pass: "backward", inputShapes: inputs.map((x) => x.shape), what: `${nonFiniteSummary(grad, count, first)} for input ${index}`, creation });
}
