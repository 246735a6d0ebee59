/** The Gaussian fitted to an autoencoder's codes: its moments, and samples that reproduce them. */
import { describe, expect, it } from "vitest";
import { tensor } from "../../src/autograd/index.js";
import { fitCodeGaussian, sampleCodeGaussian } from "../../src/vae/code-gaussian.js";
import { drawObservations } from "../../src/vae/likelihood.js";
import { Generator } from "../../src/tensor/index.js";

describe("fitCodeGaussian", () => {
  it("recovers a known mean and covariance, and its samples have them", () => {
    // z = m + L ε with L = [[2, 0], [1.5, 0.5]]: Σ = L Lᵀ = [[4, 3], [3, 2.5]].
    const generator = new Generator(7);
    const n = 20_000;
    const data = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      const [e1, e2] = [generator.normal(), generator.normal()];
      data[2 * i] = 1 + 2 * e1;
      data[2 * i + 1] = -3 + 1.5 * e1 + 0.5 * e2;
    }
    const fit = fitCodeGaussian(tensor(data, { shape: [n, 2], dtype: "float64" }));
    expect(fit.count).toBe(n);
    expect(fit.mean[0]).toBeCloseTo(1, 1);
    expect(fit.mean[1]).toBeCloseTo(-3, 1);
    expect(fit.cholesky[0]).toBeCloseTo(2, 1);
    expect(fit.cholesky[2]).toBeCloseTo(1.5, 1);
    expect(fit.cholesky[3]).toBeCloseTo(0.5, 1);
    expect(fit.cholesky[1]).toBe(0);
    const samples = sampleCodeGaussian(fit, n, new Generator(8), "float64").data;
    let [m0, m1, c01] = [0, 0, 0];
    for (let i = 0; i < n; i++) [m0, m1] = [m0 + (samples[2 * i] as number) / n, m1 + (samples[2 * i + 1] as number) / n];
    for (let i = 0; i < n; i++) c01 += (((samples[2 * i] as number) - m0) * ((samples[2 * i + 1] as number) - m1)) / (n - 1);
    expect(m0).toBeCloseTo(1, 1);
    expect(m1).toBeCloseTo(-3, 1);
    expect(c01).toBeCloseTo(3, 0);
  });

  it("stays finite for codes that all sit on a line, and refuses one code", () => {
    const fit = fitCodeGaussian(tensor([[1, 2], [2, 4], [3, 6]], { dtype: "float64" }));
    expect(Array.from(fit.cholesky).every(Number.isFinite)).toBe(true);
    expect(() => fitCodeGaussian(tensor([[1, 2]]))).toThrow("fitCodeGaussian: expected codes [examples ≥ 2, latent], got [1,2]");
  });
});

describe("drawObservations", () => {
  it("draws Bernoulli pixels at their probabilities, and Gaussian ones around their means", () => {
    const n = 20_000;
    const mean = tensor(Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 0.2 : 0.9)), { dtype: "float64" });
    const bits = drawObservations("bernoulli", mean, new Generator(1)).data;
    expect(Array.from(bits).every((v) => v === 0 || v === 1)).toBe(true);
    const share = (parity: number): number => Array.from(bits).filter((v, i) => i % 2 === parity && v === 1).length / (n / 2);
    expect(share(0)).toBeCloseTo(0.2, 1);
    expect(share(1)).toBeCloseTo(0.9, 1);
    // σ² = exp(logVar) = 0.25: the draws' standard deviation about the means is 0.5.
    const noisy = drawObservations("gaussian", mean, new Generator(2), Math.log(0.25)).data;
    const variance = Array.from(noisy).reduce((t, v, i) => t + (v - (mean.data[i] as number)) ** 2, 0) / n;
    expect(Math.sqrt(variance)).toBeCloseTo(0.5, 1);
  });
});
