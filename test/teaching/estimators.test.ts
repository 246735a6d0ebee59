/**
 * The two estimators of the ELBO's encoder gradient (docs/elbo.md, section 10), held against the
 * exact gradient on a model where it has a closed form: a linear VAE with a Gaussian decoder,
 * whose ELBO needs no sampling (`linearElbo`, eq. 20), so autograd of it *is* ∇ELBO. Both
 * estimators must average to it; the score function's variance must be the larger.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { Generator, randn, tensor } from "../../src/index.js";
import { encoderParameters, gradientStatistics, linearElbo, scoreFunctionSurrogate, VAE, type GradientStatistics } from "../../src/vae/index.js";

const draws = 3000;

describe("score-function vs reparameterized gradients on a linear Gaussian VAE (exact gradient in closed form)", () => {
  const model = new VAE({ inputSize: 4, hiddenSizes: [], latentSize: 2, likelihood: "gaussian", outputLogVar: -0.5, dtype: "float64", generator: new Generator(5) });
  const x = randn([6, 4], { dtype: "float64", generator: new Generator(6) });
  let exact: Float64Array;
  let reparameterized: GradientStatistics;
  let scoreFunction: GradientStatistics;
  beforeAll(() => {
    model.zeroGrad();
    linearElbo(model, x).mean().neg().backward();
    exact = Float64Array.from(encoderParameters(model).flatMap((p) => Array.from(p.grad?.data ?? [])));
    reparameterized = gradientStatistics(model, x, "reparameterized", { draws, generator: new Generator(7) });
    scoreFunction = gradientStatistics(model, x, "score-function", { draws, generator: new Generator(8) });
  });

  it("covers the encoder's 20 parameters (mean and log-variance heads), and the exact gradient is far from 0", () => {
    expect(exact.length).toBe(20);
    const standardErrors = reparameterized.variance.map((v) => Math.sqrt(v / draws));
    expect(Math.max(...exact.map((g, i) => Math.abs(g) / (standardErrors[i] as number)))).toBeGreaterThan(50);
  });

  it.each(["reparameterized", "score-function"] as const)("%s: the average of 3000 draws is the exact gradient, every coordinate within 5 standard errors", (name) => {
    const stats = name === "reparameterized" ? reparameterized : scoreFunction;
    let worst = 0;
    stats.mean.forEach((m, i) => (worst = Math.max(worst, Math.abs(m - (exact[i] as number)) / Math.sqrt((stats.variance[i] as number) / draws))));
    console.log(`${name}: worst |mean − exact| = ${worst.toFixed(2)} standard errors, total variance ${stats.totalVariance.toExponential(3)}`);
    expect(worst).toBeLessThan(5);
  });

  it("the score function's variance is many times the reparameterized one's, on every coordinate", () => {
    const ratio = scoreFunction.totalVariance / reparameterized.totalVariance;
    console.log(`variance ratio (score function / reparameterized), linear Gaussian VAE: ${ratio.toFixed(1)}`);
    expect(ratio).toBeGreaterThan(10);
    scoreFunction.variance.forEach((v, i) => expect(v).toBeGreaterThan(reparameterized.variance[i] as number));
  });

  it("leaves the parameters as they were, and rejects one draw or an ε of the wrong shape", () => {
    const before = model.parameters().map((p) => Array.from(p.data));
    gradientStatistics(model, x, "score-function", { draws: 2, generator: new Generator(1) });
    expect(model.parameters().map((p) => Array.from(p.data))).toEqual(before);
    expect(model.parameters().every((p) => p.grad === null || p.grad.data.every((g) => g === 0))).toBe(true);
    expect(() => gradientStatistics(model, x, "reparameterized", { draws: 1, generator: new Generator(1) })).toThrow(/draws must be an integer ≥ 2, got 1/);
    expect(() => scoreFunctionSurrogate(model, x, { eps: tensor([[0, 0]], { dtype: "float64" }) })).toThrow(/scoreFunctionSurrogate: eps has shape \[1,2\], expected \[6,2\]/);
  });
});
