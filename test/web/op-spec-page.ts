/**
 * The op-spec table in a browser page (bundled by test/web/op-spec.test.ts): every row's
 * forward against its float64 reference loops, in float64 and float32 (wasm kernels), its
 * float64 gradients by gradcheck, and its float32 gradients (backward on the wasm kernels)
 * against the float64 ones. The report lands in `globalThis.opSpecReport`.
 */
import fc from "fast-check";
import { assertGradcheck, type Tensor } from "../../src/autograd/index.js";
import { kernelPath, type DType } from "../../src/tensor/index.js";
import { runs } from "../support/arbitraries.js";
import { expectAllClose, forwardTolerance } from "../support/compare.js";
import { inputTensors, opSpecs, referenceInputs, type OpCase } from "../autograd/op-spec.js";

/** float32 gradients against float64 ones: |g32 - g64| ≤ tol · (1 + max |g64|) per input. */
const FLOAT32_GRADIENT_TOLERANCE = 2e-3;

export interface OpSpecReport {
  kernelPath: string;
  rows: string[];
  cases: number;
  failures: string[];
  seconds: number;
}

const loss = (c: OpCase) => (xs: Tensor[]): Tensor => (c.gradRun ?? c.run)(xs).add(1).square().mean();

function checkForward(c: OpCase, dtype: DType, name: string): void {
  const out = c.run(inputTensors(c, dtype));
  const want = c.reference(referenceInputs(c, dtype));
  if (out.shape.join(",") !== want.shape.join(",")) throw new Error(`${name}: shape [${out.shape}] vs reference [${want.shape}]`);
  expectAllClose(out.data, want.data, forwardTolerance[c.outDtype?.(dtype) ?? dtype], `${name} forward (${dtype})`);
}

function gradients(c: OpCase, dtype: DType): (Float64Array | null)[] {
  const xs = inputTensors(c, dtype, true);
  loss(c)(xs).backward();
  return xs.map((x) => (x.grad ? Float64Array.from(x.grad.data) : null));
}

function checkFloat32Gradients(c: OpCase, name: string): void {
  const want = gradients(c, "float64");
  const got = gradients(c, "float32");
  want.forEach((g64, i) => {
    const g32 = got[i];
    if (!g64 || !g32) {
      if (g64 !== g32 && (c.differentiable?.[i] ?? true)) throw new Error(`${name}: input ${i} has a gradient in one dtype only`);
      return;
    }
    const scale = 1 + g64.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    g64.forEach((v, j) => {
      if (!(Math.abs((g32[j] as number) - v) <= FLOAT32_GRADIENT_TOLERANCE * scale)) {
        throw new Error(`${name}: float32 gradient of input ${i} element ${j} is ${g32[j]}, float64 ${v}`);
      }
    });
  });
}

export function runOpSpecs(): OpSpecReport {
  const started = performance.now();
  const failures: string[] = [];
  let cases = 0;
  for (const spec of opSpecs) {
    try {
      fc.assert(
        fc.property(spec.cases, (c) => {
          cases++;
          checkForward(c, "float64", spec.name);
          checkForward(c, "float32", spec.name);
          assertGradcheck((...xs) => loss(c)(xs), inputTensors(c, "float64", true));
          checkFloat32Gradients(c, spec.name);
        }),
        runs(spec.numRuns ?? 20),
      );
    } catch (error) {
      failures.push(`${spec.name}: ${error instanceof Error ? error.message.split("\n").slice(0, 3).join(" ") : String(error)}`);
    }
  }
  return { kernelPath: kernelPath(), rows: opSpecs.map((s) => s.name), cases, failures, seconds: (performance.now() - started) / 1000 };
}

Object.assign(globalThis, { opSpecReport: runOpSpecs() });
