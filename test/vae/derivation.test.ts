/**
 * The derivation of docs/elbo.md checked numerically, in float64, on small VAEs with a 1-D or
 * 2-D latent, where every integral can be done by quadrature (test/support/quadrature.ts):
 *
 * - the identity log p(x) = ELBO + KL(q(z|x) ‖ p(z|x)) (eq. 5), hence ELBO ≤ log p(x);
 * - the closed-form KL (eqs. 7-8) against the KL by quadrature;
 * - the one-sample estimate computed by `elbo` (eq. 6, eq. 11) against the ELBO by quadrature;
 * - the importance-weighted bound (eqs. 14-15) rising with k towards log p(x).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Generator, randn, tensor } from "../../src/index.js";
import { elbo, evidenceDecomposition, gaussianKL, iwaeBound, logMarginal, VAE, type Likelihood } from "../../src/vae/index.js";
import { quadrature } from "../support/quadrature.js";

interface ModelSpec {
  seed: number;
  inputSize: number;
  latentSize: number;
  likelihood: Likelihood;
  /** Every weight and bias is multiplied by this. */
  scale: number;
  /** The encoder's log σ² is about this: its head's bias, with the head's weights scaled by 0.3. */
  logVarBias: number;
}

/** A VAE with one hidden layer of 4 and random parameters: the initializer's, scaled. */
function randomVae(spec: ModelSpec): VAE {
  const model = new VAE({
    inputSize: spec.inputSize,
    hiddenSizes: [4],
    latentSize: spec.latentSize,
    likelihood: spec.likelihood,
    outputLogVar: spec.likelihood === "gaussian" ? -0.5 : 0,
    dtype: "float64",
    generator: new Generator(spec.seed),
  });
  for (const [name, p] of model.namedParameters()) {
    const factor = spec.scale * (name === "logVarHead.weight" ? 0.3 : 1);
    p.data.forEach((v, i) => (p.data[i] = name === "logVarHead.bias" ? spec.logVarBias : factor * v));
  }
  return model;
}

const spec = (latentSize: number): fc.Arbitrary<ModelSpec> =>
  fc.record({
    seed: fc.integer({ min: 0, max: 100_000 }),
    inputSize: fc.integer({ min: 3, max: 6 }),
    latentSize: fc.constant(latentSize),
    likelihood: fc.constantFrom<Likelihood>("bernoulli", "gaussian"),
    scale: fc.double({ min: 0.5, max: 2.5, noNaN: true }),
    logVarBias: fc.double({ min: -3, max: 1, noNaN: true }),
  });

/** A model's spec and an input for it: pixels in [0, 1] for a Bernoulli decoder, reals for a Gaussian one. */
const modelAndInput = (latentSize: number): fc.Arbitrary<{ spec: ModelSpec; x: number[] }> =>
  spec(latentSize).chain((s) =>
    fc
      .array(s.likelihood === "bernoulli" ? fc.double({ min: 0, max: 1, noNaN: true }) : fc.double({ min: -2, max: 2, noNaN: true }), {
        minLength: s.inputSize,
        maxLength: s.inputSize,
      })
      .map((x) => ({ spec: s, x })),
  );

/** The closed-form KL (eq. 8) of one example. */
function closedFormKL(model: VAE, x: number[]): number {
  const { mu, logVar } = model.encode(tensor([x], { dtype: "float64" }));
  return gaussianKL(mu, logVar).item();
}

/** Worst values seen, printed once per test so the tolerances below can be read off. */
function tracker(): { see: (key: string, value: number) => void; report: (title: string) => void } {
  const worst = new Map<string, number>();
  return {
    see: (key, value) => worst.set(key, Math.max(worst.get(key) ?? 0, value)),
    report: (title) => console.log(`${title}: ${[...worst].map(([k, v]) => `${k} ${v.toExponential(1)}`).join(", ")}`),
  };
}

function checkIdentity(model: VAE, x: number[], maxSpacing: number, evidenceTolerance: number, seen: ReturnType<typeof tracker>): void {
  const quad = quadrature(model, x, { maxSpacing });
  const kl = closedFormKL(model, x);
  // ELBO (eq. 6): the expected log-likelihood by quadrature, minus the closed-form KL.
  const bound = quad.expectedLogLikelihood - kl;
  const identityError = Math.abs(quad.logEvidence - (bound + quad.klPosterior));
  seen.see("|log p(x) - (ELBO + KL(q||p(z|x)))|", identityError);
  seen.see("|closed-form KL - quadrature KL|", Math.abs(kl - quad.klPrior));
  seen.see("|1 - ∫q|", Math.abs(1 - quad.posteriorMass));
  seen.see("log p(x) quadrature error", quad.evidenceError);
  expect(Math.abs(1 - quad.posteriorMass)).toBeLessThan(1e-10);
  expect(Math.abs(kl - quad.klPrior)).toBeLessThan(1e-9);
  expect(identityError).toBeLessThan(1e-6);
  // The gap is a KL divergence, so it is non-negative: the ELBO is a lower bound (eq. 5).
  expect(quad.klPosterior).toBeGreaterThanOrEqual(0);
  expect(bound).toBeLessThanOrEqual(quad.logEvidence);
  // ... and log p(x) itself is accurate: halving the resolution moves it by less than this
  // (O(h²) from the decoder's ReLU kinks).
  expect(quad.evidenceError).toBeLessThan(evidenceTolerance);
}

describe("log p(x) = ELBO + KL(q(z|x) ‖ p(z|x)), by quadrature (eq. 5)", () => {
  it("1-D latent: random models (seed, scale, encoder variance, likelihood, input size 3-6) and inputs", () => {
    const seen = tracker();
    fc.assert(
      fc.property(modelAndInput(1), ({ spec, x }) => checkIdentity(randomVae(spec), x, 0.004, 1e-4, seen)),
      { numRuns: 100, seed: 20240611 },
    );
    seen.report("1-D");
  });

  it("2-D latent: the same on a 2-D grid", () => {
    const seen = tracker();
    fc.assert(
      fc.property(modelAndInput(2), ({ spec, x }) => checkIdentity(randomVae(spec), x, 0.05, 1e-3, seen)),
      { numRuns: 10, seed: 20240611 },
    );
    seen.report("2-D");
  });
});

describe("elbo(): the one-sample Monte Carlo estimate of eq. 6", () => {
  it("averages to the ELBO by quadrature, within 5 standard errors, with the KL in closed form", () => {
    for (const likelihood of ["bernoulli", "gaussian"] as const) {
      const model = randomVae({ seed: 3, inputSize: 5, latentSize: 1, likelihood, scale: 1.5, logVarBias: -1 });
      const x = [0.9, 0.1, 0.4, 0.7, 0.2];
      const quad = quadrature(model, x, { maxSpacing: 0.004 });
      const copies = 20_000;
      const batch = tensor(Float64Array.from({ length: copies * x.length }, (_, i) => x[i % x.length] as number), { shape: [copies, x.length] });
      const terms = elbo(model, batch, { generator: new Generator(17) });
      // Each copy's reconstruction term is one draw of log p(x|z), z ~ q: their mean has
      // standard error √(Var_q[log p(x|z)] / copies).
      const standardError = Math.sqrt(quad.logLikelihoodVariance / copies);
      expect(Math.abs(terms.reconstruction.item() - quad.expectedLogLikelihood)).toBeLessThan(5 * standardError);
      expect(terms.kl.item()).toBeCloseTo(quad.klPrior, 9);
    }
  });
});

describe("the importance-weighted bound (eqs. 14-15)", () => {
  it("rises with k towards log p(x) by quadrature: k = 1, 10, 100, 1000, averaged over repeats", () => {
    // A decoder that depends strongly on z (scale 2) and a narrowish q: the true posterior is far
    // from q, so the ELBO's gap is 3.7 nats and the bounds are well apart.
    const model = randomVae({ seed: 6, inputSize: 5, latentSize: 1, likelihood: "bernoulli", scale: 2, logVarBias: -0.5 });
    const x = [0.9, 0.1, 0.4, 0.7, 0.2];
    const quad = quadrature(model, x, { maxSpacing: 0.004 });
    const bound = quad.expectedLogLikelihood - closedFormKL(model, x);
    const repeats = 500;
    const batch = tensor(Float64Array.from({ length: repeats * x.length }, (_, i) => x[i % x.length] as number), { shape: [repeats, x.length] });
    // Common random numbers: L_k uses the first k of the same 1000 draws, so the differences
    // L_k' − L_k are far less noisy than the bounds themselves.
    const eps = randn([1000, repeats, 1], { dtype: "float64", generator: new Generator(23) });
    const ks = [1, 10, 100, 1000] as const;
    const estimates = ks.map((k) => Array.from(iwaeBound(model, batch, k, { eps: eps.slice([0, 0, 0], [k, repeats, 1]) }).data));
    const meanAndError = (values: number[]): { mean: number; standardError: number } => {
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1);
      return { mean, standardError: Math.sqrt(variance / values.length) };
    };
    const averages = estimates.map(meanAndError);
    console.log(
      `IWAE: log p(x) ${quad.logEvidence.toFixed(4)}, ELBO ${bound.toFixed(4)}; ` +
        averages.map((a, i) => `L_${ks[i]} ${a.mean.toFixed(4)} ± ${a.standardError.toFixed(4)}`).join(", "),
    );
    const [l1, , , l1000] = averages as [{ mean: number; standardError: number }, unknown, unknown, { mean: number; standardError: number }];
    // L_1 is the ELBO in expectation (eq. 15).
    expect(Math.abs(l1.mean - bound)).toBeLessThan(5 * l1.standardError);
    expect(quad.logEvidence - bound).toBeGreaterThan(3);
    // Monotone on average: each paired difference L_k' − L_k is positive by more than 3 standard errors.
    for (let i = 0; i + 1 < ks.length; i++) {
      const lower = estimates[i] as number[];
      const difference = meanAndError((estimates[i + 1] as number[]).map((v, r) => v - (lower[r] as number)));
      expect(difference.mean).toBeGreaterThan(3 * difference.standardError);
    }
    // Below log p(x) up to the noise, and within 0.04 nats of it at k = 1000 (measured: 0.012).
    expect(l1000.mean).toBeLessThan(quad.logEvidence + 5 * l1000.standardError);
    expect(quad.logEvidence - l1000.mean).toBeLessThan(0.04);
  });
});

describe("the quadrature itself", () => {
  it("gives log p(x) of a model whose evidence is known: a linear-Gaussian decoder (pPCA)", () => {
    // With no hidden layers and a Gaussian decoder, x = W z + b + noise, so p(x) = N(b, W Wᵀ + σ² I).
    const model = new VAE({ inputSize: 3, hiddenSizes: [], latentSize: 1, likelihood: "gaussian", outputLogVar: -0.7, dtype: "float64", generator: new Generator(4) });
    const x = Array.from(randn([3], { dtype: "float64", generator: new Generator(5) }).data);
    const w = Array.from(model.outputLayer.weight.data);
    const b = Array.from(model.outputLayer.bias?.data ?? []);
    const s2 = Math.exp(-0.7);
    // C = s² I + w wᵀ: |C| = s^(2d) (1 + |w|²/s²), C⁻¹ = (I − w wᵀ / (s² + |w|²)) / s².
    const ww = w.reduce((a, v) => a + v * v, 0);
    const r = x.map((v, i) => v - (b[i] as number));
    const rw = r.reduce((a, v, i) => a + v * (w[i] as number), 0);
    const quadForm = (r.reduce((a, v) => a + v * v, 0) - (rw * rw) / (s2 + ww)) / s2;
    const logDet = 3 * Math.log(s2) + Math.log(1 + ww / s2);
    const exact = -0.5 * (3 * Math.log(2 * Math.PI) + logDet + quadForm);
    expect(quadrature(model, x, { maxSpacing: 0.004 }).logEvidence).toBeCloseTo(exact, 11);
    // logMarginal, the library's eq. 2, on a batch: this row and a shifted copy, each exact.
    const shifted = x.map((v) => v + 0.5);
    const exactOf = (point: number[]): number => {
      const res = point.map((v, i) => v - (b[i] as number));
      const resW = res.reduce((a, v, i) => a + v * (w[i] as number), 0);
      return -0.5 * (3 * Math.log(2 * Math.PI) + logDet + (res.reduce((a, v) => a + v * v, 0) - (resW * resW) / (s2 + ww)) / s2);
    };
    const batch = tensor([x, shifted], { dtype: "float64" });
    const library = Array.from(logMarginal(model, batch).data);
    expect(library[0]).toBeCloseTo(exactOf(x), 11);
    expect(library[1]).toBeCloseTo(exactOf(shifted), 11);
    // ... and eq. 5 term by term: log p(x) = ELBO + KL(q ‖ p(z|x)), with a KL ≥ 0.
    for (const terms of evidenceDecomposition(model, batch)) {
      expect(Math.abs(terms.logEvidence - (terms.elbo + terms.posteriorKL))).toBeLessThan(1e-9);
      expect(terms.posteriorKL).toBeGreaterThan(0);
      expect(terms.evidenceError).toBeLessThan(1e-9);
    }
  });

  it("names what it cannot integrate: a 3-D latent or a batch of the wrong width", () => {
    const model = new VAE({ inputSize: 3, hiddenSizes: [], latentSize: 3, likelihood: "gaussian", dtype: "float64", generator: new Generator(1) });
    expect(() => logMarginal(model, tensor([[0, 0, 0]], { dtype: "float64" }))).toThrow(/latent of 1 or 2 dimensions, got 3/);
    const flat = new VAE({ inputSize: 3, hiddenSizes: [], latentSize: 1, likelihood: "gaussian", dtype: "float64", generator: new Generator(1) });
    expect(() => logMarginal(flat, tensor([[0, 0]], { dtype: "float64" }))).toThrow(/x must be \[batch, 3\], got \[1,2\]/);
  });
});
