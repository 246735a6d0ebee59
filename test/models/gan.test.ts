/**
 * The GAN: both losses against their definitions and central differences in float64 (every
 * parameter of a tiny G and D), the one-optimizer epoch against torch's usual two optimizers
 * (bit for bit), and a short seeded run that learns something and repeats itself exactly.
 */
import { describe, expect, it } from "vitest";
import { gradcheck, tensor, type Tensor } from "../../src/autograd/index.js";
import { loadBundledMnist, subset, shuffledBatches } from "../../src/data/index.js";
import { discriminatorLoss, GAN, generatorLoss } from "../../src/models/gan.js";
import { trainGanEpoch } from "../../src/models/gan-trainer.js";
import { Adam, NonFiniteError } from "../../src/nn/index.js";
import { Generator } from "../../src/tensor/index.js";

const tiny = (seed: number): GAN => new GAN({ inputSize: 6, latentSize: 3, hiddenSizes: [5], dtype: "float64", generator: new Generator(seed) });

/** `loss` as a function of every parameter of `gan`, for gradcheck. */
function asFunctionOfParameters(gan: GAN, loss: () => Tensor): { fn: (...params: Tensor[]) => Tensor; inputs: Tensor[]; names: string[] } {
  const named = gan.namedParameters();
  return {
    fn: (...params) => gan.withParameters(new Map(named.map(([name], i) => [name, params[i] as Tensor])), loss),
    inputs: named.map(([, p]) => tensor(Float64Array.from(p.data), { shape: p.shape, requiresGrad: true })),
    names: named.map(([name]) => name),
  };
}

describe("GAN losses", () => {
  it("are −E log σ(real) − E log(1 − σ(fake)) and −E log σ(fake), computed stably", () => {
    const real = tensor([2, -1, 40], { dtype: "float64" });
    const fake = tensor([-3, 0.5, -40], { dtype: "float64" });
    const sigma = (l: number): number => 1 / (1 + Math.exp(-l));
    const d = -([2, -1, 40].reduce((s, l) => s + Math.log(sigma(l)), 0) / 3) - [-3, 0.5, -40].reduce((s, l) => s + Math.log(1 - sigma(l)), 0) / 3;
    expect(discriminatorLoss(real, fake).item()).toBeCloseTo(d, 12);
    expect(generatorLoss(fake).item()).toBeCloseTo(-[-3, 0.5, -40].reduce((s, l) => s + Math.log(sigma(l)), 0) / 3, 12);
    // D utterly sure of a fake (logit −800): the non-saturating loss is ≈ 800, not ∞ or NaN.
    expect(generatorLoss(tensor([-800], { dtype: "float64" })).item()).toBeCloseTo(800, 9);
  });

  it("D's loss passes gradcheck in float64 for every parameter of G and D", () => {
    const gan = tiny(1);
    const generator = new Generator(2);
    const real = tensor(generator.fillUniform(new Float64Array(4 * 6)), { shape: [4, 6] });
    const z = gan.noise(4, generator);
    const { fn, inputs } = asFunctionOfParameters(gan, () => discriminatorLoss(gan.discriminate(real), gan.discriminate(gan.generate(z))));
    const report = gradcheck(fn, inputs);
    expect(report.inputs.map((r) => r.ok)).toEqual(inputs.map(() => true));
    expect(report.ok).toBe(true);
  });

  it("G's non-saturating loss passes gradcheck in float64 for every parameter", () => {
    const gan = tiny(3);
    const z = gan.noise(5, new Generator(4));
    const { fn, inputs, names } = asFunctionOfParameters(gan, () => generatorLoss(gan.discriminate(gan.generate(z))));
    const report = gradcheck(fn, inputs);
    expect(report.ok).toBe(true);
    expect(names.filter((n) => n.startsWith("generatorNet"))).toHaveLength(4); // two Linear layers of G, checked too
    expect(report.inputs.every((r) => r.maxAbsError < 1e-6)).toBe(true);
  });
});

describe("trainGanEpoch", () => {
  const digits = subset(loadBundledMnist(), Array.from({ length: 600 }, (_, i) => i * 16));
  const config = { inputSize: 784, latentSize: 16, hiddenSizes: [64] };

  it("one Adam over G and D equals a D optimizer and a G optimizer, bit for bit", () => {
    const one = new GAN({ ...config, generator: new Generator(5) });
    trainGanEpoch(one, new Adam(one.parameters(), { lr: 2e-4, betas: [0.5, 0.999] }), digits, { batchSize: 100, generator: new Generator(6) });

    // The torch way, written out: two optimizers, D then G on each batch, same draws.
    const two = new GAN({ ...config, generator: new Generator(5) });
    const dOpt = new Adam(two.discriminatorParameters(), { lr: 2e-4, betas: [0.5, 0.999] });
    const gOpt = new Adam(two.generatorNet.parameters(), { lr: 2e-4, betas: [0.5, 0.999] });
    const generator = new Generator(6);
    for (const batch of shuffledBatches(digits, 100, generator)) {
      const real = tensor(batch.images, { shape: [batch.size, 784] });
      const fake = two.generate(two.noise(batch.size, generator));
      two.zeroGrad();
      discriminatorLoss(two.discriminate(real), two.discriminate(fake.detach())).backward();
      dOpt.step();
      two.zeroGrad();
      generatorLoss(two.discriminate(fake)).backward();
      gOpt.step();
    }
    const a = one.namedParameters();
    const b = two.namedParameters();
    a.forEach(([name, p], i) => expect(Array.from(p.data), name).toEqual(Array.from((b[i] as [string, Tensor])[1].data)));
  });

  it("three seeded epochs: D tells real from fake better than chance, and the same seed repeats exactly", () => {
    const run = (): { gan: GAN; last: ReturnType<typeof trainGanEpoch> } => {
      const gan = new GAN({ ...config, generator: new Generator(7) });
      const optimizer = new Adam(gan.parameters(), { lr: 2e-4, betas: [0.5, 0.999] });
      const generator = new Generator(8);
      let last = trainGanEpoch(gan, optimizer, digits, { batchSize: 50, generator });
      for (let e = 0; e < 2; e++) last = trainGanEpoch(gan, optimizer, digits, { batchSize: 50, generator });
      return { gan, last };
    };
    const first = run();
    expect(first.last.steps).toBe(12);
    expect(first.last.realProbability).toBeGreaterThan(first.last.fakeProbability);
    expect(Number.isFinite(first.last.generatorLoss)).toBe(true);
    const samples = first.gan.sample(4, { generator: new Generator(1) });
    expect(samples.shape).toEqual([4, 784]);
    expect(Array.from(samples.data).every((v) => v >= 0 && v <= 1)).toBe(true);
    const again = run();
    expect(Array.from(again.gan.sample(4, { generator: new Generator(1) }).data)).toEqual(Array.from(samples.data));
  });

  it("a NaN weight in D stops the epoch with a NonFiniteError naming the loss and the step, before any update", () => {
    const gan = new GAN({ ...config, generator: new Generator(9) });
    const [name, poisoned] = gan.namedParameters().find(([n]) => n.startsWith("discriminator")) ?? [];
    (poisoned as Tensor).data[0] = Number.NaN;
    const before = gan.namedParameters().map(([, p]) => Array.from(p.data));
    const optimizer = new Adam(gan.parameters(), { lr: 2e-4, betas: [0.5, 0.999] });
    let error: unknown;
    try {
      trainGanEpoch(gan, optimizer, digits, { batchSize: 100, generator: new Generator(6), startStep: 12, epoch: 3 });
    } catch (e) {
      error = e;
    }
    expect(name).toBeDefined();
    expect(error).toBeInstanceOf(NonFiniteError);
    expect((error as NonFiniteError).message).toMatch(/^GAN training, epoch 3, step 1\/6 \(step 13 overall\): the discriminator loss is not finite \(NaN\)/);
    expect((error as NonFiniteError).term).toBe("discriminator");
    expect((error as NonFiniteError).step).toBe(12);
    gan.namedParameters().forEach(([n, p], i) => expect(Array.from(p.data), n).toEqual(before[i]));
  });
});
