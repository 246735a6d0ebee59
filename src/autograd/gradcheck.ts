/**
 * `gradcheck`: compare the gradients from `backward()` with central differences, in float64.
 *
 * Small inputs get the full Jacobian, column by column (as `torch.autograd.gradcheck`); large
 * ones get random-direction checks `<v, Jᵀu> = <u, (f(x + εv) - f(x - εv)) / 2ε>` (as JAX's
 * `check_grads`). It also checks that backward run twice gives bit-identical gradients and that
 * a zero upstream gradient gives zero gradients. A pair passes when
 * |analytic - numerical| <= atol + rtol·|numerical|.
 */
import { formatShape, Generator, NDArray, type Shape } from "../tensor/index.js";
import { Tensor } from "./tensor.js";

export interface GradcheckOptions {
  /** Finite-difference step. Default 1e-6. */
  eps?: number;
  /** Absolute tolerance. Default 1e-5. */
  atol?: number;
  /** Relative tolerance. Default 1e-3. */
  rtol?: number;
  /** Use the full Jacobian when an input has at most this many elements. Default 256. */
  maxJacobianInputs?: number;
  /** ... and the output at most this many. Default 64. */
  maxJacobianOutputs?: number;
  /** Number of random directions for larger inputs. Default 8. */
  directions?: number;
  /** Source of the random directions. Default: a generator seeded with 0. */
  generator?: Generator;
}

/** The worst disagreement found for one input. */
export interface Mismatch {
  /** Output element (Jacobian mode) or -1 (direction mode). */
  outputIndex: number;
  /** Input element (Jacobian mode) or direction number (direction mode). */
  inputIndex: number;
  numerical: number;
  analytic: number;
}

export interface InputReport {
  input: number;
  shape: Shape;
  mode: "jacobian" | "directions";
  ok: boolean;
  maxAbsError: number;
  maxRelError: number;
  /** The pair with the largest error relative to its tolerance. */
  worst: Mismatch | null;
}

export interface GradcheckReport {
  ok: boolean;
  inputs: InputReport[];
  /** Backward run twice gave bit-identical gradients. */
  deterministic: boolean;
  /** A zero upstream gradient gave zero gradients. */
  zeroUpstreamGivesZero: boolean;
}

type Fn = (...inputs: Tensor[]) => Tensor;

/** Evaluate `fn` on float64 copies of `values`, without recording gradients for the inputs. */
function evaluate(fn: Fn, values: NDArray[], requires: boolean[]): { output: Tensor; inputs: Tensor[] } {
  const inputs = values.map((v, i) => new Tensor(v, { requiresGrad: requires[i] ?? false }));
  const output = fn(...inputs);
  if (output.dtype !== "float64") {
    throw new TypeError(`gradcheck: the function returned ${output.dtype}; it must compute in float64 when its inputs are float64`);
  }
  return { output, inputs };
}

/** Gradients of every input for the upstream gradient `upstream` (zeros where none flowed). */
function vjp(fn: Fn, values: NDArray[], requires: boolean[], upstream: NDArray): NDArray[] {
  const { output, inputs } = evaluate(fn, values, requires);
  if (output.requiresGrad) output.backward(new Tensor(upstream));
  return inputs.map((t) => t.grad?.value ?? NDArray.zeros(t.shape, "float64"));
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < a.length; i++) total += (a[i] as number) * (b[i] as number);
  return total;
}

class InputTally {
  maxAbsError = 0;
  maxRelError = 0;
  worstRatio = -1;
  worst: Mismatch | null = null;
  ok = true;
  constructor(private readonly atol: number, private readonly rtol: number) {}

  record(mismatch: Mismatch): void {
    const error = Math.abs(mismatch.analytic - mismatch.numerical);
    const allowed = this.atol + this.rtol * Math.abs(mismatch.numerical);
    // An exact match passes even when the allowance is 0 (atol 0 and a zero derivative): 0/0 is not a failure.
    const ratio = Number.isNaN(error) ? Infinity : error === 0 ? 0 : error / allowed;
    if (!(ratio <= 1)) this.ok = false;
    this.maxAbsError = Math.max(this.maxAbsError, Number.isNaN(error) ? Infinity : error);
    if (Math.abs(mismatch.numerical) > 0) this.maxRelError = Math.max(this.maxRelError, error / Math.abs(mismatch.numerical));
    if (ratio > this.worstRatio) {
      this.worstRatio = ratio;
      this.worst = mismatch;
    }
  }
}

/** What every check of one `gradcheck` call shares: the function, the float64 inputs, the settings. */
interface Problem {
  fn: Fn;
  values: NDArray[];
  requires: boolean[];
  outputShape: Shape;
  outputSize: number;
  eps: number;
}

/** f(x) with input `index` replaced by `value`, flat. */
function outputAt(problem: Problem, index: number, value: NDArray): Float64Array {
  const shifted = problem.values.map((v, i) => (i === index ? value : v));
  return Float64Array.from(evaluate(problem.fn, shifted, problem.requires).output.data);
}

/**
 * Full Jacobian of input `index`: column k by central differences (f(x + ε·e_k) - f(x - ε·e_k)) / 2ε
 * against entry k of each analytic row (`rows[j]` is the VJP of the one-hot upstream e_j).
 */
function checkJacobian(problem: Problem, index: number, rows: NDArray[][], tally: InputTally): void {
  const value = problem.values[index] as NDArray;
  const { eps, outputSize } = problem;
  for (let k = 0; k < value.size; k++) {
    const plus = value.clone();
    const minus = value.clone();
    plus.data[k] = (plus.data[k] as number) + eps;
    minus.data[k] = (minus.data[k] as number) - eps;
    const fPlus = outputAt(problem, index, plus);
    const fMinus = outputAt(problem, index, minus);
    for (let j = 0; j < outputSize; j++) {
      const numerical = ((fPlus[j] as number) - (fMinus[j] as number)) / (2 * eps);
      const analytic = rows[j]?.[index]?.data[k] as number;
      tally.record({ outputIndex: j, inputIndex: k, numerical, analytic });
    }
  }
}

/** Random directions for input `index`: <v, Jᵀu> against <u, (f(x + εv) - f(x - εv)) / 2ε>. */
function checkDirections(problem: Problem, index: number, directions: number, generator: Generator, tally: InputTally): void {
  const value = problem.values[index] as NDArray;
  const { eps, outputSize } = problem;
  for (let d = 0; d < directions; d++) {
    const u = generator.fillNormal(new Float64Array(outputSize));
    const v = generator.fillNormal(new Float64Array(value.size));
    const grads = vjp(problem.fn, problem.values, problem.requires, new NDArray(u, problem.outputShape));
    const analytic = dot(v, (grads[index] as NDArray).data);
    const plus = value.clone();
    const minus = value.clone();
    for (let k = 0; k < value.size; k++) {
      plus.data[k] = (plus.data[k] as number) + eps * (v[k] as number);
      minus.data[k] = (minus.data[k] as number) - eps * (v[k] as number);
    }
    const numerical = (dot(u, outputAt(problem, index, plus)) - dot(u, outputAt(problem, index, minus))) / (2 * eps);
    tally.record({ outputIndex: -1, inputIndex: d, numerical, analytic });
  }
}

/** Backward twice gives bit-identical gradients; a zero upstream gradient gives zero gradients. */
function checkConsistency(problem: Problem): { deterministic: boolean; zeroUpstreamGivesZero: boolean } {
  const { fn, values, requires, outputShape, outputSize } = problem;
  const upstream = new NDArray(new Generator(1).fillNormal(new Float64Array(outputSize)), outputShape);
  const first = vjp(fn, values, requires, upstream);
  const second = vjp(fn, values, requires, upstream);
  const deterministic = first.every((g, i) => g.data.every((v, k) => Object.is(v, second[i]?.data[k])));
  const zeros = vjp(fn, values, requires, NDArray.zeros(outputShape, "float64"));
  return { deterministic, zeroUpstreamGivesZero: zeros.every((g) => g.data.every((v) => v === 0)) };
}

export function gradcheck(fn: Fn, inputs: readonly Tensor[], options: GradcheckOptions = {}): GradcheckReport {
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  const generator = options.generator ?? new Generator(0);
  const requires = inputs.map((t) => t.requiresGrad);
  if (!requires.some(Boolean)) throw new Error("gradcheck: no input has requiresGrad; mark the inputs to check");
  const values = inputs.map((t) => t.value.astype("float64"));
  const outputValue = evaluate(fn, values, requires).output.value;
  const problem: Problem = { fn, values, requires, outputShape: outputValue.shape, outputSize: outputValue.size, eps: options.eps ?? 1e-6 };
  const { deterministic, zeroUpstreamGivesZero } = checkConsistency(problem);

  // Analytic Jacobian rows, one backward per output element, only when some input is small.
  const jacobianMode = values.map((v, i) => requires[i] === true && v.size <= (options.maxJacobianInputs ?? 256) && problem.outputSize <= (options.maxJacobianOutputs ?? 64));
  const rows: NDArray[][] = [];
  if (jacobianMode.some(Boolean)) {
    for (let j = 0; j < problem.outputSize; j++) {
      const oneHot = NDArray.zeros(outputValue.shape, "float64");
      oneHot.data[j] = 1;
      rows.push(vjp(fn, values, requires, oneHot));
    }
  }

  const reports: InputReport[] = [];
  values.forEach((value, index) => {
    if (!requires[index]) return;
    const tally = new InputTally(atol, rtol);
    if (jacobianMode[index]) checkJacobian(problem, index, rows, tally);
    else checkDirections(problem, index, options.directions ?? 8, generator, tally);
    reports.push({
      input: index,
      shape: value.shape,
      mode: jacobianMode[index] ? "jacobian" : "directions",
      ok: tally.ok,
      maxAbsError: tally.maxAbsError,
      maxRelError: tally.maxRelError,
      worst: tally.worst,
    });
  });

  return {
    ok: deterministic && zeroUpstreamGivesZero && reports.every((r) => r.ok),
    inputs: reports,
    deterministic,
    zeroUpstreamGivesZero,
  };
}

/** A report as text, one line per input. */
export function formatGradcheckReport(report: GradcheckReport): string {
  const lines = [`gradcheck ${report.ok ? "passed" : "FAILED"}`];
  if (!report.deterministic) lines.push("  backward run twice gave different gradients");
  if (!report.zeroUpstreamGivesZero) lines.push("  a zero upstream gradient gave non-zero gradients");
  for (const r of report.inputs) {
    const worst = r.worst;
    const where = !worst ? "" : r.mode === "jacobian"
      ? ` worst at output ${worst.outputIndex}, input element ${worst.inputIndex}`
      : ` worst in direction ${worst.inputIndex}`;
    const values = worst ? `: numerical ${worst.numerical}, analytic ${worst.analytic}` : "";
    lines.push(`  input ${r.input} ${formatShape(r.shape)} (${r.mode}) ${r.ok ? "ok" : "MISMATCH"}: max abs error ${r.maxAbsError.toExponential(2)}, max rel error ${r.maxRelError.toExponential(2)};${where}${values}`);
  }
  return lines.join("\n");
}

/** The throwing form, for tests: throws the formatted report unless every check passes. */
export function assertGradcheck(fn: Fn, inputs: readonly Tensor[], options: GradcheckOptions = {}): GradcheckReport {
  const report = gradcheck(fn, inputs, options);
  if (!report.ok) throw new Error(formatGradcheckReport(report));
  return report;
}
