/**
 * `Normal` and `Bernoulli`: draws with the right moments from a seeded generator, gradients that
 * flow through `rsample` and not `sample`, the KL to N(0, I) equal to the VAE's, clear errors.
 * (Their logProb and KL are also rows of the op-spec table, gradchecked in float64.)
 */
import { describe, expect, it } from "vitest";
import { tensor, zeros } from "../../src/autograd/index.js";
import { Generator } from "../../src/tensor/index.js";
import { Bernoulli, gaussianKLPerDimension, klDivergence, Normal } from "../../src/vae/index.js";

const f64 = { dtype: "float64" as const };
const meanOf = (xs: ArrayLike<number>): number => Array.from(xs).reduce((a, b) => a + b, 0) / xs.length;

describe("Normal", () => {
  it("rsample draws N(loc, scale²): mean and standard deviation within 5 standard errors (n = 20,000)", () => {
    const normal = new Normal(tensor([2], f64), tensor([0.5], f64));
    const z = normal.rsample({ generator: new Generator(4), sampleShape: [20_000] });
    expect(z.shape).toEqual([20_000, 1]);
    const m = meanOf(z.data);
    const sd = Math.sqrt(meanOf(Array.from(z.data, (v) => (v - m) ** 2)));
    expect(Math.abs(m - 2)).toBeLessThan(5 * (0.5 / Math.sqrt(20_000)));
    expect(Math.abs(sd - 0.5)).toBeLessThan(5 * (0.5 / Math.sqrt(2 * 20_000)));
  });

  it("rsample is reparameterized: dz/dloc = 1 and dz/dscale = ε; sample carries no gradient", () => {
    const loc = tensor([0.3, -1], { ...f64, requiresGrad: true });
    const scale = tensor([2, 0.5], { ...f64, requiresGrad: true });
    const normal = new Normal(loc, scale);
    const z = normal.rsample({ generator: new Generator(1) });
    z.sum().backward();
    expect(Array.from(loc.grad?.data ?? [])).toEqual([1, 1]);
    const eps = Array.from(z.data, (v, i) => (v - (loc.data[i] as number)) / (scale.data[i] as number));
    Array.from(scale.grad?.data ?? []).forEach((g, i) => expect(g).toBeCloseTo(eps[i] as number, 12));
    expect(normal.sample({ generator: new Generator(1) }).requiresGrad).toBe(false);
    expect(Array.from(normal.sample({ generator: new Generator(1) }).data)).toEqual(Array.from(z.data));
  });

  it("KL to N(0, 1) is exactly the VAE's gaussianKLPerDimension; KL(p ‖ p) = 0", () => {
    const mu = tensor([0.5, -2, 0], f64);
    const logVar = tensor([0.1, -1, 2], f64);
    const q = new Normal(mu, { logVar });
    const prior = new Normal(zeros([3], f64), 1);
    expect(Array.from(klDivergence(q, prior).data)).toEqual(Array.from(gaussianKLPerDimension(mu, logVar).data));
    Array.from(klDivergence(q, q).data).forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-15));
    expect(q.stddev.data[2]).toBeCloseTo(Math.E, 12);
  });
});

describe("Bernoulli", () => {
  it("samples 1 with probability p (within 5 standard errors, n = 20,000), from logits or probs alike", () => {
    const fromProbs = new Bernoulli({ probs: tensor([0.2, 0.9], f64) });
    const fromLogits = new Bernoulli({ logits: fromProbs.logits });
    Array.from(fromProbs.probs.data).forEach((p, i) => expect(p).toBeCloseTo([0.2, 0.9][i] as number, 12));
    const draws = fromLogits.sample({ generator: new Generator(2), sampleShape: [20_000] });
    expect(draws.shape).toEqual([20_000, 2]);
    for (const [column, p] of [[0, 0.2], [1, 0.9]] as const) {
      const frequency = meanOf(Array.from({ length: 20_000 }, (_, i) => draws.data[2 * i + column] as number));
      expect(Math.abs(frequency - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / 20_000));
    }
    expect(draws.data.every((v) => v === 0 || v === 1)).toBe(true);
  });

  it("logProb of 1 and 0 are log p and log(1 - p)", () => {
    const b = new Bernoulli({ probs: tensor([0.25, 0.25], f64) });
    const lp = b.logProb(tensor([1, 0], f64));
    expect(lp.data[0]).toBeCloseTo(Math.log(0.25), 12);
    expect(lp.data[1]).toBeCloseTo(Math.log(0.75), 12);
  });
});

it("klDivergence refuses a Normal against a Bernoulli, naming both", () => {
  const n = new Normal(tensor([0]), 1);
  const b = new Bernoulli({ logits: tensor([0]) });
  expect(() => klDivergence(n, b)).toThrow(/no closed form for Normal ‖ Bernoulli/);
});
