/**
 * The ELBO, its terms and the importance-weighted bound on small VAEs: gradcheck of the whole
 * ELBO in float64 against every parameter, the term identities, and ELBO ≤ IWAE_k ≤ IWAE_k'.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assertGradcheck, Generator, randn, tensor, type Tensor } from "../../src/index.js";
import { elbo, gaussianKL, iwaeBound, klWarmup, reparameterize, VAE } from "../../src/vae/index.js";

function smallVae(seed: number, likelihood: "bernoulli" | "gaussian" = "bernoulli", outputLogVar: number | "learned" = 0): VAE {
  return new VAE({ inputSize: 6, hiddenSizes: [5], latentSize: 3, likelihood, outputLogVar, dtype: "float64", generator: new Generator(seed) });
}

/** Pixels in [0, 1], as a Bernoulli decoder expects. */
function pixels(rows: number, cols: number, seed: number): Tensor {
  const x = randn([rows, cols], { dtype: "float64", generator: new Generator(seed) });
  return tensor(Float64Array.from(x.data, (v) => 1 / (1 + Math.exp(-2 * v))), { shape: [rows, cols] });
}

/** gradcheck of `loss` with respect to every parameter of `model` (Module.withParameters). */
function gradcheckParameters(model: VAE, loss: () => Tensor): void {
  const named = model.namedParameters();
  const inputs = named.map(([, p]) => tensor(Float64Array.from(p.data), { shape: p.shape, requiresGrad: true }));
  const report = assertGradcheck(
    (...params) => model.withParameters(new Map(named.map(([name], i) => [name, params[i] as Tensor])), loss),
    inputs,
  );
  expect(report.inputs).toHaveLength(named.length);
}

describe("elbo", () => {
  it("gradcheck of the whole ELBO loss against every parameter of a small VAE (float64, fixed eps)", () => {
    for (const [likelihood, outputLogVar] of [["bernoulli", 0], ["gaussian", "learned"]] as const) {
      const model = smallVae(7, likelihood, outputLogVar);
      const x = pixels(4, 6, 1);
      const eps = randn([4, 3], { dtype: "float64", generator: new Generator(2) });
      gradcheckParameters(model, () => elbo(model, x, { eps, beta: 0.7 }).loss);
    }
  });

  it("weights each term of the loss (reconstructionWeight, beta) and never the reported ELBO", () => {
    const model = smallVae(3);
    const x = pixels(5, 6, 4);
    const eps = randn([5, 3], { dtype: "float64", generator: new Generator(5) });
    const plain = elbo(model, x, { eps });
    const rec = plain.reconstruction.item();
    const kl = plain.kl.item();
    for (const [w, beta] of [[0, 1], [1, 0], [0.25, 4]] as const) {
      const terms = elbo(model, x, { eps, beta, reconstructionWeight: w });
      expect(terms.loss.item()).toBeCloseTo(-(w * rec - beta * kl), 10);
      expect(terms.elbo.item()).toBeCloseTo(rec - kl, 10);
    }
    // KL only: the decoder gets no gradient at all.
    elbo(model, x, { eps, reconstructionWeight: 0 }).loss.backward();
    expect(model.outputLayer.weight.grad === null || Array.from(model.outputLayer.weight.grad.data).every((g) => g === 0)).toBe(true);
    expect(() => elbo(model, x, { eps, reconstructionWeight: -1 })).toThrow("elbo: reconstructionWeight must be a finite number ≥ 0, got -1");
  });

  it("returns its terms separately: elbo = reconstruction - KL, loss = -(reconstruction - beta KL)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.double({ min: 0, max: 4, noNaN: true }), (seed, beta) => {
        const model = smallVae(seed);
        const x = pixels(5, 6, seed + 1);
        const eps = randn([5, 3], { dtype: "float64", generator: new Generator(seed + 2) });
        const terms = elbo(model, x, { eps, beta });
        const rec = terms.reconstruction.item();
        const kl = terms.kl.item();
        expect(terms.elbo.item()).toBeCloseTo(rec - kl, 10);
        expect(terms.loss.item()).toBeCloseTo(-(rec - beta * kl), 10);
        // KL per dimension sums to the KL; the KL is the batch mean of the closed form.
        expect(terms.klPerDimension.sum().item()).toBeCloseTo(kl, 10);
        const { mu, logVar } = model.encode(x);
        expect(gaussianKL(mu, logVar).mean().item()).toBeCloseTo(kl, 10);
        // The reconstruction is the batch mean of -BCE summed over pixels at z = mu + sigma eps.
        const logits = model.decode(reparameterize(mu, logVar, eps));
        let total = 0;
        for (let i = 0; i < logits.size; i++) {
          const l = logits.data[i] as number;
          const t = x.data[i] as number;
          total += t * Math.log(1 / (1 + Math.exp(-l))) + (1 - t) * Math.log(1 - 1 / (1 + Math.exp(-l)));
        }
        expect(rec).toBeCloseTo(total / 5, 8);
      }),
      { numRuns: 20 },
    );
  });

  it("rejects a negative or non-finite beta", () => {
    const model = smallVae(1);
    expect(() => elbo(model, pixels(2, 6, 0), { beta: -1 })).toThrow(/beta/);
    expect(() => elbo(model, pixels(2, 6, 0), { beta: Number.NaN })).toThrow(/beta/);
  });

  it("KL warm-up rises linearly from 0 to the target and stays", () => {
    expect(klWarmup(0, 100)).toBe(0);
    expect(klWarmup(25, 100)).toBe(0.25);
    expect(klWarmup(100, 100, 2)).toBe(2);
    expect(klWarmup(500, 100, 2)).toBe(2);
    expect(klWarmup(3, 0, 0.5)).toBe(0.5);
  });
});

describe("iwaeBound", () => {
  it("on average over data, ELBO <= IWAE_1 ~ ELBO <= IWAE_5 <= IWAE_50", () => {
    const model = smallVae(11);
    // A decoder that depends strongly on z makes the true posterior far from q, so the bounds
    // are well apart: scale the decoder's weights up.
    for (const [name, p] of model.namedParameters()) if (!name.startsWith("encoder") && !name.includes("Head")) p.data.forEach((v, i) => (p.data[i] = 4 * v));
    const x = pixels(200, 6, 3);
    const generator = new Generator(4);
    const average = (k: number, repeats: number): number => {
      let total = 0;
      for (let r = 0; r < repeats; r++) total += iwaeBound(model, x, k, { generator }).mean().item();
      return total / repeats;
    };
    let elboTotal = 0;
    for (let r = 0; r < 50; r++) elboTotal += elbo(model, x, { generator }).elbo.item();
    const elboAverage = elboTotal / 50;
    const iwae1 = average(1, 50);
    const iwae5 = average(5, 10);
    const iwae50 = average(50, 2);
    // IWAE_1 is the ELBO with a Monte Carlo KL: equal in expectation.
    // Measured (seeded): ELBO -11.35, IWAE_1 -11.41, IWAE_5 -7.68, IWAE_50 -6.69 nats.
    expect(Math.abs(iwae1 - elboAverage)).toBeLessThan(0.2);
    expect(iwae5).toBeGreaterThan(iwae1 + 1);
    expect(iwae50).toBeGreaterThan(iwae5 + 0.3);
  });

  it("equals log p(x|z) + log p(z) - log q(z|x) for k = 1 with a fixed eps", () => {
    const model = smallVae(5);
    const x = pixels(3, 6, 9);
    const eps = randn([1, 3, 3], { dtype: "float64", generator: new Generator(1) });
    const bound = iwaeBound(model, x, 1, { eps });
    const { mu, logVar } = model.encode(x);
    const z = reparameterize(mu, logVar, eps.reshape([3, 3]));
    const logLikelihood = model.logLikelihood(model.decode(z), x);
    for (let i = 0; i < 3; i++) {
      let logPrior = 0;
      let logPosterior = 0;
      for (let d = 0; d < 3; d++) {
        const zi = z.data[i * 3 + d] as number;
        const e = eps.data[i * 3 + d] as number;
        const lv = logVar.data[i * 3 + d] as number;
        logPrior += -0.5 * (zi * zi + Math.log(2 * Math.PI));
        logPosterior += -0.5 * (e * e + lv + Math.log(2 * Math.PI));
      }
      expect(bound.data[i]).toBeCloseTo((logLikelihood.data[i] as number) + logPrior - logPosterior, 10);
    }
  });

  it("rejects k < 1", () => {
    expect(() => iwaeBound(smallVae(1), pixels(2, 6, 0), 0)).toThrow(/k must be a positive integer/);
  });
});
