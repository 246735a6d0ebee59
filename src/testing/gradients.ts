/**
 * The gradient-check suite that drives elbo's own op tests, for users' code: hand it a function
 * of tensors (a custom op made with `apply` and an `OpDef`, a layer, a loss) and fast-check
 * arbitraries of its inputs, and it runs the float64 checks of `gradcheck` on every drawn case:
 *
 * - on the function itself: random (non-uniform) upstream gradients, the full Jacobian for small
 *   shapes and random directions for large ones, backward twice bit-identical, a zero upstream
 *   gradient giving zero gradients;
 * - through the loss mean((f(x) + 1)²), so the upstream gradient varies with the output.
 *
 * fast-check is passed in (`checkGradients(fc, ...)`): it is an optional peer of elbo, never a
 * runtime dependency.
 */
import type * as FastCheck from "fast-check";
import { formatGradcheckReport, gradcheck, type GradcheckOptions } from "../autograd/gradcheck.js";
import type { Tensor } from "../autograd/tensor.js";

/** The parts of fast-check the suite uses (pass the `fc` you import). */
export type FastCheckApi = Pick<typeof FastCheck, "assert" | "property" | "integer" | "array" | "tuple" | "constant" | "oneof" | "noBias">;

/** One drawn case: the inputs (float64, requiresGrad on those to check) and the function of them. */
export interface GradientCase {
  inputs: readonly Tensor[];
  run(...inputs: Tensor[]): Tensor;
}

/** A function and the arbitrary of its inputs, or an arbitrary of whole cases (when parameters vary too). */
export type GradientCases = FastCheck.Arbitrary<GradientCase> | { run(...inputs: Tensor[]): Tensor; inputs: FastCheck.Arbitrary<readonly Tensor[]> };

export interface CheckGradientsOptions extends GradcheckOptions {
  /** Cases drawn per property. Default 20. */
  numRuns?: number;
  /** fast-check's seed, for a reproducible run. */
  seed?: number;
  /** Named in the failure message. */
  name?: string;
}

function asCases(cases: GradientCases): FastCheck.Arbitrary<GradientCase> {
  return "run" in cases && "inputs" in cases && typeof cases.run === "function"
    ? cases.inputs.map((inputs) => ({ inputs, run: cases.run }))
    : (cases as FastCheck.Arbitrary<GradientCase>);
}

/** Throws the gradcheck report, prefixed with the name, unless every check passes. */
function assertCase(name: string | undefined, what: string, f: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradcheckOptions): void {
  const report = gradcheck(f, inputs, options);
  if (!report.ok) throw new Error(`${name ?? "gradient"} ${what}: ${formatGradcheckReport(report)}`);
}

const runOptions = (options: CheckGradientsOptions) => ({ numRuns: options.numRuns ?? 20, ...(options.seed === undefined ? {} : { seed: options.seed }) });

/** Runs the property; a failure's message carries the gradcheck report (fast-check keeps it only as the cause). */
function assertEveryCase(fc: FastCheckApi, cases: GradientCases, options: CheckGradientsOptions, check: (c: GradientCase) => void): void {
  try {
    fc.assert(fc.property(asCases(cases), check), runOptions(options));
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `\n${error.cause.message}` : "";
    throw new Error(`${error instanceof Error ? error.message : String(error)}${cause}`, { cause: error });
  }
}

/** gradcheck on the function itself, for every drawn case. */
export function checkOpGradients(fc: FastCheckApi, cases: GradientCases, options: CheckGradientsOptions = {}): void {
  assertEveryCase(fc, cases, options, (c) => assertCase(options.name, "on the op", c.run, c.inputs, options));
}

/** gradcheck through mean((f(x) + 1)²), a loss whose upstream gradient is not uniform. */
export function checkLossGradients(fc: FastCheckApi, cases: GradientCases, options: CheckGradientsOptions = {}): void {
  assertEveryCase(fc, cases, options, (c) => assertCase(options.name, "through mean((f(x) + 1)^2)", (...xs) => c.run(...xs).add(1).square().mean(), c.inputs, options));
}

/** Both: the op and the loss through it. */
export function checkGradients(fc: FastCheckApi, cases: GradientCases, options: CheckGradientsOptions = {}): void {
  checkOpGradients(fc, cases, options);
  checkLossGradients(fc, cases, options);
}
