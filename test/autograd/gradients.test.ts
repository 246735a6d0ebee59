/**
 * Gradients of every op-spec row, by `gradcheck` in float64 at its default tolerances (eps 1e-6,
 * atol 1e-5, rtol 1e-3): on the op itself (random upstream gradients, full Jacobian or random
 * directions) and through the non-uniform loss mean((op(x) + 1)²). These run the suite that
 * `elbo/testing` offers users (`checkOpGradients`, `checkLossGradients`).
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import type { Tensor } from "../../src/autograd/index.js";
import { checkLossGradients, checkOpGradients, type GradientCase } from "../../src/testing.js";
import { runs } from "../support/arbitraries.js";
import { inputTensors, opSpecs, type OpCase } from "./op-spec.js";

const gradientCase = (c: OpCase): GradientCase => ({ inputs: inputTensors(c, "float64", true), run: (...xs: Tensor[]) => (c.gradRun ?? c.run)(xs) });

describe.each(opSpecs)("$name gradient", (spec) => {
  const options = { ...runs(spec.numRuns ?? 20), name: spec.name };

  it("passes gradcheck on the op", () => {
    checkOpGradients(fc, spec.cases.map(gradientCase), options);
  });

  it("passes gradcheck through mean((op(x) + 1)^2)", () => {
    checkLossGradients(fc, spec.cases.map(gradientCase), options);
  });
});
