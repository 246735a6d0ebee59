/**
 * Factor analysis two ways (docs/elbo.md, section 11): EM with its closed-form E and M steps
 * (eqs. 17-19), and a linear VAE with a learned *diagonal* output variance trained by Adam on its
 * closed-form ELBO (eq. 20). They are the same model, so the VAE's optimum must be EM's: the
 * loadings up to a rotation (Λ Λᵀ is rotation-free), the noise variances, and the log-likelihood,
 * which the ELBO reaches because at the optimum the diagonal q(z|x) is the exact posterior.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { Generator, randn, tensor, type Tensor } from "../../src/index.js";
import { Adam } from "../../src/nn/index.js";
import {
  emStep,
  factorAnalysisLogLikelihood,
  factorAnalysisPosterior,
  fitFactorAnalysis,
  linearElbo,
  momentMatchedPoints,
  VAE,
  type EmFit,
} from "../../src/vae/index.js";
import { spdInverse } from "../../src/vae/cholesky.js";
import { maxAbsDiff } from "../support/linalg.js";

const d = 6;
const q = 2;
const n = 1000;
const LOG_2PI = Math.log(2 * Math.PI);

/** x = Λ0 z + m0 + e with e ~ N(0, diag ψ0), ψ0 spread from 0.1 to 0.85: far from isotropic. */
function dataset(seed: number): Tensor {
  const generator = new Generator(seed);
  const loadings = randn([d, q], { dtype: "float64", generator });
  const z = randn([n, q], { dtype: "float64", generator });
  const noise = randn([n, d], { dtype: "float64", generator }).mul(tensor(Float64Array.from({ length: d }, (_, i) => Math.sqrt(0.1 + 0.15 * i))));
  return z.matmul(loadings, { transposeB: true }).add(noise).add(tensor(Float64Array.from({ length: d }, (_, i) => 0.3 * i)));
}

const relative = (a: ArrayLike<number>, b: ArrayLike<number>): number => maxAbsDiff(a, b) / Math.max(...Array.from(b, Math.abs));
const outer = (m: Tensor): Tensor => m.matmul(m, { transposeB: true });

describe("factor analysis by EM and by a linear VAE (d = 6, q = 2, n = 1000)", () => {
  const x = dataset(1);
  let em: EmFit;
  let model: VAE;
  beforeAll(() => {
    em = fitFactorAnalysis(x, q);
    model = new VAE({ inputSize: d, hiddenSizes: [], latentSize: q, likelihood: "gaussian", outputLogVar: "learned-diagonal", dtype: "float64", generator: new Generator(2) });
    // Full batch on 2d points with the data's mean and covariance (momentMatchedPoints), float64,
    // learning rate decayed geometrically from 0.05 to 5e-4, as in test/vae/ppca.test.ts.
    const points = momentMatchedPoints(x);
    const steps = 4000;
    const optimizer = new Adam(model.parameters(), { lr: (t) => 0.05 * 0.01 ** (t / steps) });
    for (let step = 0; step < steps; step++) {
      optimizer.zeroGrad();
      linearElbo(model, points).mean().neg().backward();
      optimizer.step();
    }
  });

  it("EM never lowers the log-likelihood and stops at a fixed point of its own step", () => {
    const values = em.logLikelihoods;
    console.log(`EM: ${values.length} iterations, log-likelihood ${values[0]?.toFixed(6)} → ${values.at(-1)?.toFixed(12)} nats per example`);
    expect(values.length).toBeGreaterThan(10);
    for (let i = 1; i < values.length; i++) expect(values[i] as number).toBeGreaterThanOrEqual((values[i - 1] as number) - 1e-12);
    expect((values.at(-1) as number) - (values[0] as number)).toBeGreaterThan(1);
    const centered = x.sub(x.mean(0));
    const again = emStep(em.model, centered.matmul(centered, { transposeA: true }).div(n));
    expect(relative(again.noiseVariance.data, em.model.noiseVariance.data)).toBeLessThan(1e-9);
  });

  it("computes log N(x; m, Λ Λᵀ + Ψ) by Woodbury as a dense d × d inverse does, and an E-step that is Bayes' rule", () => {
    const { mean, loadings, noiseVariance } = em.model;
    const c = outer(loadings).add(tensor(Float64Array.from({ length: d * d }, (_, i) => (i % (d + 1) === 0 ? (noiseVariance.data[i / (d + 1)] as number) : 0)), { shape: [d, d] }));
    const { inverse, logDet } = spdInverse(c);
    const rows = x.slice([0, 0], [5, d]);
    const residual = rows.sub(mean);
    const dense = residual.matmul(inverse).mul(residual).sum(-1).add(d * LOG_2PI + logDet).mul(-0.5);
    expect(maxAbsDiff(factorAnalysisLogLikelihood(em.model, rows).data, dense.data)).toBeLessThan(1e-12);
    // p(z | x) for jointly Gaussian (z, x): mean Λᵀ C⁻¹ (x − m), covariance I − Λᵀ C⁻¹ Λ.
    const posterior = factorAnalysisPosterior(em.model, rows);
    expect(maxAbsDiff(posterior.mean.data, residual.matmul(inverse).matmul(loadings).data)).toBeLessThan(1e-12);
    const identity = Float64Array.from({ length: q * q }, (_, i) => (i % (q + 1) === 0 ? 1 : 0));
    expect(maxAbsDiff(posterior.covariance.data, tensor(identity, { shape: [q, q] }).sub(loadings.matmul(inverse.matmul(loadings), { transposeA: true })).data)).toBeLessThan(1e-12);
  });

  it("trains on 2d points with exactly the data's mean and covariance", () => {
    const points = momentMatchedPoints(x);
    expect(points.shape).toEqual([2 * d, d]);
    const centered = (m: Tensor): Tensor => m.sub(m.mean(0));
    const covariance = (m: Tensor): Tensor => centered(m).matmul(centered(m), { transposeA: true }).div(m.shape[0] as number);
    expect(maxAbsDiff(points.mean(0).data, x.mean(0).data)).toBeLessThan(1e-12);
    expect(maxAbsDiff(covariance(points).data, covariance(x).data)).toBeLessThan(1e-12);
  });

  it("the linear VAE's optimum is EM's: noise variances, loadings up to rotation (Λ Λᵀ), mean, to 1e-5 relative", () => {
    const psi = model.outputLogVar.exp().data;
    const psiError = relative(psi, em.model.noiseVariance.data);
    const loadingsError = relative(outer(model.outputLayer.weight).data, outer(em.model.loadings).data);
    console.log(`FA: ψ (EM) [${Array.from(em.model.noiseVariance.data, (v) => v.toFixed(6)).join(", ")}]; rel error of the VAE's ψ ${psiError.toExponential(1)}, of W Wᵀ vs Λ Λᵀ ${loadingsError.toExponential(1)}`);
    expect(psiError).toBeLessThan(1e-5);
    expect(loadingsError).toBeLessThan(1e-5);
    expect(maxAbsDiff(model.outputLayer.bias?.data ?? [], em.model.mean.data)).toBeLessThan(1e-6);
    // ψ is far from isotropic (so this is factor analysis, not pPCA).
    expect(Math.max(...psi) / Math.min(...psi)).toBeGreaterThan(5);
  });

  it("has an ELBO on all n examples equal to EM's log-likelihood (to 1e-9 relative): the diagonal q is the exact posterior", () => {
    const bound = linearElbo(model, x).mean().item();
    const maximum = em.logLikelihoods.at(-1) as number;
    const own = factorAnalysisLogLikelihood({ mean: model.outputLayer.bias as Tensor, loadings: model.outputLayer.weight, noiseVariance: model.outputLogVar.exp() }, x).mean().item();
    console.log(`FA: ELBO ${bound.toFixed(12)}, EM log-likelihood ${maximum.toFixed(12)}, FA log-likelihood at the VAE's (W, ψ) ${own.toFixed(12)}`);
    expect(Math.abs(bound - maximum) / Math.abs(maximum)).toBeLessThan(1e-9);
    expect(bound).toBeLessThanOrEqual(own + 1e-12);
    // The rotation the ELBO picks makes WᵀΨ⁻¹W diagonal, where the true posterior covariance
    // G = (I + WᵀΨ⁻¹W)⁻¹ is diagonal too, and the encoder's variances are G's diagonal, for every x.
    const w = model.outputLayer.weight;
    const precision = w.div(model.outputLogVar.exp().reshape([-1, 1])).matmul(w, { transposeA: true }).data;
    expect(Math.abs(precision[1] as number) / Math.sqrt((precision[0] as number) * (precision[3] as number))).toBeLessThan(1e-5);
    const { logVar } = model.encode(x.slice([0, 0], [3, d]));
    for (let j = 0; j < q; j++) {
      for (let r = 0; r < 3; r++) expect(Math.abs(Math.exp(logVar.data[r * q + j] as number) * (1 + (precision[j * (q + 1)] as number)) - 1)).toBeLessThan(1e-5);
    }
  });

  it("names bad input: a float32 matrix, too many factors, a non-linear VAE", () => {
    expect(() => fitFactorAnalysis(x.to("float32"), q)).toThrow(/float64 \[n, d\] tensor, got float32 \[1000,6\]/);
    expect(() => fitFactorAnalysis(x, d)).toThrow(/factors must be an integer in \[1, 5\], got 6/);
    const deep = new VAE({ inputSize: d, hiddenSizes: [4], latentSize: q, likelihood: "gaussian", dtype: "float64" });
    expect(() => linearElbo(deep, x)).toThrow(/needs a linear VAE \(hiddenSizes: \[\], likelihood "gaussian"\), got hiddenSizes \[4\]/);
  });
});
