/**
 * Gradients of every op-spec row, by `gradcheck` in float64 at its default tolerances (eps 1e-6,
 * atol 1e-5, rtol 1e-3): on the op itself (random upstream gradients, full Jacobian or random
 * directions) and through the non-uniform loss mean((op(x) + 1)²).
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { assertGradcheck, type Tensor } from "../../src/autograd/index.js";
import { runs } from "../support/arbitraries.js";
import { inputTensors, opSpecs, type OpCase } from "./op-spec.js";

const differentiated = (c: OpCase) => (xs: Tensor[]): Tensor => (c.gradRun ?? c.run)(xs);

describe.each(opSpecs)("$name gradient", (spec) => {
  it("passes gradcheck on the op", () => {
    fc.assert(
      fc.property(spec.cases, (c) => {
        const f = differentiated(c);
        assertGradcheck((...xs) => f(xs), inputTensors(c, "float64", true));
      }),
      runs(spec.numRuns ?? 20),
    );
  });

  it("passes gradcheck through mean((op(x) + 1)^2)", () => {
    fc.assert(
      fc.property(spec.cases, (c) => {
        const f = differentiated(c);
        assertGradcheck((...xs) => f(xs).add(1).square().mean(), inputTensors(c, "float64", true));
      }),
      runs(spec.numRuns ?? 20),
    );
  });
});
