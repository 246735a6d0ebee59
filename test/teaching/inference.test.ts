/**
 * Per-datapoint variational inference (docs/elbo.md, section 12, eq. 21) on a model where the
 * best diagonal Gaussian q is known in closed form: a linear Gaussian decoder, whose posterior is
 * N(m, P⁻¹) with precision P = I + WᵀW/σ² and mean m = P⁻¹ Wᵀ(x − b)/σ². The diagonal q that
 * minimizes KL(q ‖ p(z|x)) has mean m and variances 1/P_jj (mean-field for a Gaussian), and its
 * ELBO has a closed form (eq. 20).
 */
import { describe, expect, it } from "vitest";
import { Generator, randn, tensor, type Tensor } from "../../src/index.js";
import { elboAt, fitPosterior, gaussianKL, linearExpectedLogLikelihood, VAE } from "../../src/vae/index.js";
import { spdInverse } from "../../src/vae/cholesky.js";
import { sampleEpsilon } from "../../src/vae/gaussian.js";

const closedFormElbo = (model: VAE, x: Tensor, mu: Tensor, logVar: Tensor): number =>
  linearExpectedLogLikelihood(model, x, mu, logVar).sub(gaussianKL(mu, logVar)).mean().item();

describe("fitPosterior: per-datapoint variational inference with the decoder fixed", () => {
  const d = 5;
  const q = 2;
  const model = new VAE({ inputSize: d, hiddenSizes: [], latentSize: q, likelihood: "gaussian", outputLogVar: -1, dtype: "float64", generator: new Generator(11) });
  const x = randn([4, d], { dtype: "float64", generator: new Generator(12) }).mul(2);
  const w = model.outputLayer.weight; // [d, q]
  const sigma2 = Math.exp(-1);
  const identity = tensor([[1, 0], [0, 1]], { dtype: "float64" });
  const precision = identity.add(w.matmul(w, { transposeA: true }).div(sigma2));
  const posteriorMean = x.sub(model.outputLayer.bias as Tensor).matmul(w).div(sigma2).matmul(spdInverse(precision).inverse);
  const bestLogVar = tensor([[-Math.log(precision.data[0] as number), -Math.log(precision.data[3] as number)]], { dtype: "float64" }).expand([4, q]);

  it("reaches the best diagonal q: the posterior mean and variances 1/P_jj, and its ELBO to 5e-3 nats", () => {
    const before = model.parameters().map((p) => Array.from(p.data));
    const fitted = fitPosterior(model, x, { steps: 1000, lr: 0.1, samples: 8, generator: new Generator(13) });
    const start = model.encode(x);
    const best = closedFormElbo(model, x, posteriorMean, bestLogVar);
    const reached = closedFormElbo(model, x, fitted.mu, fitted.logVar);
    const amortized = closedFormElbo(model, x, start.mu, start.logVar);
    console.log(`linear VAE: encoder's ELBO ${amortized.toFixed(4)}, fitted ${reached.toFixed(4)}, best diagonal q ${best.toFixed(4)} nats per example`);
    expect(best - amortized).toBeGreaterThan(1); // an untrained encoder is far from the best q
    expect(reached).toBeLessThanOrEqual(best + 1e-12);
    expect(best - reached).toBeLessThan(5e-3);
    fitted.mu.data.forEach((v, i) => expect(Math.abs(v - (posteriorMean.data[i] as number))).toBeLessThan(0.05));
    fitted.logVar.data.forEach((v, i) => expect(Math.abs(v - (bestLogVar.data[i % q] as number))).toBeLessThan(0.1));
    // The decoder (and the encoder) were left as they were, with no gradients left behind.
    expect(model.parameters().map((p) => Array.from(p.data))).toEqual(before);
    expect(model.parameters().every((p) => p.grad === null || p.grad.data.every((g) => g === 0))).toBe(true);
  });

  it("elboAt averages eq. 6 over the given draws: with many draws it is the closed form", () => {
    const eps = sampleEpsilon([20_000, 4, q], new Generator(14), "float64");
    const estimate = elboAt(model, x, { mu: posteriorMean, logVar: bestLogVar }, eps).mean().item();
    expect(Math.abs(estimate - closedFormElbo(model, x, posteriorMean, bestLogVar))).toBeLessThan(0.02);
  });

  it("rejects a step count or sample count that is not a positive integer", () => {
    expect(() => fitPosterior(model, x, { steps: 0 })).toThrow(/steps and samples must be positive integers, got 0 and 8/);
    expect(() => fitPosterior(model, x, { samples: 1.5 })).toThrow(/got 300 and 1.5/);
  });
});
