/**
 * DB-VAE: the joint loss against its definition and central differences in float64, the
 * histogram resampling weights against closed forms, the seeded draw against its
 * probabilities, and the biased data set's construction.
 */
import { describe, expect, it } from "vitest";
import { bceWithLogits, gradcheck, tensor, type Tensor } from "../../src/autograd/index.js";
import { biasedTrainingSet, rotate90 } from "../../src/experiments/debias.js";
import { DebiasingVAE, debiasingLoss } from "../../src/vae/dbvae.js";
import { resampleIndices, resamplingProbabilities } from "../../src/vae/latent-resampling.js";
import { Generator } from "../../src/tensor/index.js";
import { loadBundledMnist, subset } from "../../src/data/index.js";

const tiny = (): DebiasingVAE => new DebiasingVAE({ inputSize: 6, hiddenSizes: [5], latentSize: 2, dtype: "float64", generator: new Generator(1) });

describe("debiasingLoss", () => {
  const generator = new Generator(2);
  const x = tensor(generator.fillUniform(new Float64Array(4 * 6), 0.05, 0.95), { shape: [4, 6] });
  const y = tensor([1, 0, 0, 1], { dtype: "float64" });
  const eps = tensor(generator.fillNormal(new Float64Array(4 * 2)), { shape: [4, 2] });

  it("is BCE + w·(−ELBO); w = 0 is BCE alone and computes no ELBO", () => {
    const model = tiny();
    const plain = debiasingLoss(model, x, y, { vaeWeight: 0 });
    const bce = bceWithLogits(model.forward(x).logits, y).mean().item();
    expect(plain.loss.item()).toBeCloseTo(bce, 12);
    expect(plain.elbo).toBeNull();
    const joint = debiasingLoss(model, x, y, { eps });
    const elbo = joint.elbo?.item() as number;
    expect(elbo).toBeLessThan(0);
    expect(joint.loss.item()).toBeCloseTo(bce - elbo / 6, 12);
    expect(() => debiasingLoss(model, x, y, { vaeWeight: -1 })).toThrow(/vaeWeight must be a finite number ≥ 0/);
  });

  it("passes gradcheck in float64 for every parameter (fixed ε)", () => {
    const model = tiny();
    const named = model.namedParameters();
    const inputs = named.map(([, p]) => tensor(Float64Array.from(p.data), { shape: p.shape, requiresGrad: true }));
    const loss = (...params: Tensor[]): Tensor =>
      model.withParameters(new Map(named.map(([name], i) => [name, params[i] as Tensor])), () => debiasingLoss(model, x, y, { eps, vaeWeight: 0.5 }).loss);
    const report = gradcheck(loss, inputs);
    expect(report.inputs).toHaveLength(12); // features, 3 heads, decoder and output layer: weight and bias each
    expect(report.ok).toBe(true);
  });
});

describe("resamplingProbabilities", () => {
  it("one dimension, 2 bins: fractions 3/4 and 1/4, so weights 4/3 and 4, normalized", () => {
    const p = resamplingProbabilities([0, 0, 0, 1], 4, 1, { bins: 2, alpha: 0 });
    Array.from(p).forEach((v, i) => expect(v).toBeCloseTo([1 / 6, 1 / 6, 1 / 6, 1 / 2][i] as number, 14));
    // With α: W ∝ 1 / (fraction + α).
    const alpha = 0.25;
    const w = [1, 1, 1].map(() => 1 / (3 / 4 + alpha)).concat([1 / (1 / 4 + alpha)]);
    const total = w.reduce((a, b) => a + b, 0);
    Array.from(resamplingProbabilities([0, 0, 0, 1], 4, 1, { bins: 2, alpha })).forEach((v, i) => expect(v).toBeCloseTo((w[i] as number) / total, 14));
  });

  // Dimension 1 takes [0, 0, 1, 1, 0] (fractions 3/5, 2/5), dimension 2 [0, 1, 0, 1, 0] (same).
  const mu = [0, 0, 0, 1, 1, 0, 1, 1, 0, 0];
  const alpha = 0.1;
  const first = [true, true, false, false, true];
  const second = [true, false, true, false, true];
  const w = (zero: boolean): number => 1 / ((zero ? 3 / 5 : 2 / 5) + alpha);
  const normalized = (values: number[]): number[] => values.map((v) => v / values.reduce((a, b) => a + b, 0));

  it("product: two dimensions multiply, W ∝ 1 / ((Q̂₁ + α)(Q̂₂ + α))", () => {
    const expected = normalized(first.map((a, i) => w(a) * w(second[i] as boolean)));
    Array.from(resamplingProbabilities(mu, 5, 2, { bins: 4, alpha, combine: "product" })).forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 14));
  });

  it("max (the default): each dimension's weights normalized, then the larger, normalized", () => {
    const one = normalized(first.map(w));
    const two = normalized(second.map(w));
    const expected = normalized(one.map((v, i) => Math.max(v, two[i] as number)));
    Array.from(resamplingProbabilities(mu, 5, 2, { bins: 4, alpha })).forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 14));
    expect(() => resamplingProbabilities(mu, 5, 2, { combine: "sum" as "max" })).toThrow(/combine must be "max" or "product", got sum/);
  });

  it("a large α draws nearly uniformly; bad input is named", () => {
    const mu = new Generator(3).fillNormal(new Float64Array(300 * 3));
    const p = resamplingProbabilities(mu, 300, 3, { alpha: 1e6 });
    for (const v of p) expect(v * 300).toBeCloseTo(1, 4);
    expect(() => resamplingProbabilities([1, 2, 3], 2, 2)).toThrow(/3 means do not fill \[2, 2\]/);
    expect(() => resamplingProbabilities([1, Number.NaN], 2, 1)).toThrow(/mean 1, dimension 0 is not finite/);
    expect(() => resamplingProbabilities([1, 2], 2, 1, { alpha: -1 })).toThrow(/alpha must be/);
  });
});

describe("resampleIndices", () => {
  it("draws with the given probabilities, never a zero one, and repeats with the seed", () => {
    const probabilities = Float64Array.from([0.5, 0, 0.2, 0.3]);
    const draws = resampleIndices(probabilities, 20_000, new Generator(4));
    const counts = [0, 0, 0, 0];
    for (const i of draws) counts[i] = (counts[i] as number) + 1;
    expect(counts[1]).toBe(0);
    // Binomial sd of a count is √(n p (1 − p)) ≤ 71 here: 5 sd.
    [0.5, 0, 0.2, 0.3].forEach((p, i) => expect(Math.abs((counts[i] as number) - 20_000 * p)).toBeLessThan(5 * 71));
    expect(Array.from(resampleIndices(probabilities, 50, new Generator(4)))).toEqual(Array.from(draws.subarray(0, 50)));
  });
});

describe("the biased data set", () => {
  it("rotate90 turns clockwise, and four turns are the identity", () => {
    // 1 2      3 1
    // 3 4  ->  4 2
    expect(Array.from(rotate90([1, 2, 3, 4], 2))).toEqual([3, 1, 4, 2]);
    const image = new Generator(5).fillUniform(new Float32Array(28 * 28));
    expect(Array.from(rotate90(rotate90(rotate90(rotate90(image, 28), 28), 28), 28))).toEqual(Array.from(image));
  });

  it("rotates a seeded 5% of the digits and labels each by digit < 5", () => {
    const digits = subset(loadBundledMnist(), Array.from({ length: 400 }, (_, i) => i * 25));
    const { data, rotated } = biasedTrainingSet(digits, 0.05, new Generator(6));
    expect(rotated.reduce((a, b) => a + b, 0)).toBe(20);
    expect(Array.from(data.labels)).toEqual(Array.from(digits.labels, (l) => (l < 5 ? 1 : 0)));
    const i = rotated.indexOf(1);
    expect(Array.from(data.images.subarray(i * 784, (i + 1) * 784))).toEqual(Array.from(rotate90(digits.images.subarray(i * 784, (i + 1) * 784), 28)));
    const j = rotated.indexOf(0);
    expect(Array.from(data.images.subarray(j * 784, (j + 1) * 784))).toEqual(Array.from(digits.images.subarray(j * 784, (j + 1) * 784)));
    expect(Array.from(biasedTrainingSet(digits, 0.05, new Generator(6)).rotated)).toEqual(Array.from(rotated));
  });
});
