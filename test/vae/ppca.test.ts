/**
 * A linear VAE is probabilistic PCA (Tipping & Bishop 1999; Lucas et al. 2019, "Don't blame the
 * ELBO"). With no hidden layers the encoder is linear (μ = A x + a, log σ² = B x + b) and the
 * decoder is x | z ~ N(W z + m, σ² I) with a learned isotropic σ²: the marginal is
 * p(x) = N(m, C), C = W Wᵀ + σ² I (eq. 2 in closed form), and the true posterior is Gaussian with
 * covariance σ² (WᵀW + σ² I)⁻¹, input-independent.
 *
 * Trained by Adam on the ELBO with its expectation in closed form (`linearElbo`, eq. 20 of
 * docs/elbo.md: no sampling noise), the VAE
 * must reach the pPCA maximum-likelihood solution computed from the sample covariance S by an
 * eigendecomposition: σ² = mean of the discarded eigenvalues, W Wᵀ = U_q (Λ_q − σ² I) U_qᵀ, and
 * (Lucas et al.) W's columns orthogonal, where the diagonal q(z|x) is the exact posterior, so the
 * ELBO equals the exact log-likelihood: the bound is tight (eq. 5 with a zero KL).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { Generator, randn, tensor, type Tensor } from "../../src/index.js";
import { Adam } from "../../src/nn/index.js";
import { elbo, linearElbo, VAE } from "../../src/vae/index.js";
import { matmul, maxAbsDiff, spdLogDetInverse, symmetricEigen, transpose } from "../support/linalg.js";

const LOG_2PI = Math.log(2 * Math.PI);

/** The exact pPCA log-likelihood per example, −½ [d log 2π + log|C| + tr(C⁻¹ S)], mean m = x̄. */
function ppcaLogLikelihood(c: Float64Array, s: Float64Array, d: number): number {
  const { logDet, inverse } = spdLogDetInverse(c, d);
  let trace = 0;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) trace += (inverse[i * d + j] as number) * (s[j * d + i] as number);
  return -0.5 * (d * LOG_2PI + logDet + trace);
}

interface Problem {
  d: number;
  q: number;
  /** Examples drawn from N(m0, W0 W0ᵀ + noise I). */
  n: number;
  noise: number;
  seed: number;
}

function fit(problem: Problem) {
  const { d, q, n, noise, seed } = problem;
  const generator = new Generator(seed);
  // Data: x = W0 z + m0 + √noise · e, z ~ N(0, I_q), e ~ N(0, I_d).
  const w0 = randn([d, q], { dtype: "float64", generator }).mul(1.5).data;
  const z = randn([n, q], { dtype: "float64", generator }).data;
  const e = randn([n, d], { dtype: "float64", generator }).data;
  const data = new Float64Array(n * d);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < d; i++) {
      let v = 0.5 * (i - 2) + Math.sqrt(noise) * (e[r * d + i] as number);
      for (let j = 0; j < q; j++) v += (w0[i * q + j] as number) * (z[r * q + j] as number);
      data[r * d + i] = v;
    }
  }
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let i = 0; i < d; i++) mean[i] = (mean[i] as number) + (data[r * d + i] as number) / n;
  const s = new Float64Array(d * d);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) s[i * d + j] = (s[i * d + j] as number) + ((data[r * d + i] as number) - (mean[i] as number)) * ((data[r * d + j] as number) - (mean[j] as number)) / n;
    }
  }

  // The pPCA maximum-likelihood solution (Tipping & Bishop 1999, eqs. 7-8).
  const { values, vectors } = symmetricEigen(s, d);
  const sigma2 = [...values].slice(q).reduce((a, b) => a + b, 0) / (d - q);
  const wwMle = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      for (let k = 0; k < q; k++) wwMle[i * d + j] = (wwMle[i * d + j] as number) + (vectors[i * d + k] as number) * (vectors[j * d + k] as number) * ((values[k] as number) - sigma2);
    }
  }
  const cMle = Float64Array.from(wwMle, (v, i) => v + (i % (d + 1) === 0 ? sigma2 : 0));

  // NOTE: the ELBO with a linear encoder at its optimum (constant log σ², see above) depends on
  // the data only through x̄ and S, so training on 2d points with exactly that mean and
  // covariance, x̄ ± √(d λ_k) u_k, fits the exact sample covariance of all n examples in a
  // fraction of the time. The checks below evaluate the trained model on the n examples.
  const pseudo = new Float64Array(2 * d * d);
  for (let k = 0; k < d; k++) {
    for (const [row, sign] of [[2 * k, 1], [2 * k + 1, -1]] as const) {
      for (let i = 0; i < d; i++) pseudo[row * d + i] = (mean[i] as number) + sign * Math.sqrt(d * (values[k] as number)) * (vectors[i * d + k] as number);
    }
  }
  const model = new VAE({ inputSize: d, hiddenSizes: [], latentSize: q, likelihood: "gaussian", outputLogVar: "learned", dtype: "float64", generator: new Generator(seed + 1) });
  const trainX = tensor(pseudo, { shape: [2 * d, d] });
  const steps = 10_000;
  // Full batch, float64, learning rate decayed geometrically from 0.05 to 5e-4. The slowest
  // direction is the rotation of W within its column space, which only the KL term sees:
  // it needs the large early steps.
  const optimizer = new Adam(model.parameters(), { lr: (t) => 0.05 * 0.01 ** (t / steps) });
  for (let step = 0; step < steps; step++) {
    optimizer.zeroGrad();
    linearElbo(model, trainX).mean().neg().backward();
    optimizer.step();
  }
  return { problem, data: tensor(data, { shape: [n, d] }), s, sigma2, wwMle, cMle, model };
}

/** |a − b| / max |b|. */
function relative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return maxAbsDiff(a, b) / Math.max(...Array.from(b, Math.abs));
}

const problems: Problem[] = [
  { d: 5, q: 2, n: 2000, noise: 0.3, seed: 3 },
  { d: 6, q: 3, n: 2000, noise: 0.5, seed: 8 },
];

describe.each(problems)("linear VAE = probabilistic PCA (d = $d, q = $q, n = $n)", (problem) => {
  const { d, q } = problem;
  // Trained once (about 2 s), then read by every test below.
  let fitted: ReturnType<typeof fit>;
  let w: Float64Array; // the decoder's W, [d, q]
  let ww: Float64Array;
  let learnedSigma2: number;
  beforeAll(() => {
    fitted = fit(problem);
    w = fitted.model.outputLayer.weight.data as Float64Array;
    ww = matmul(w, transpose(w, d, q), d, q, d);
    learnedSigma2 = Math.exp(fitted.model.outputLogVar.item());
  });

  it("hiddenSizes: [] gives a linear encoder and decoder: no hidden layers, one learned log σ²", () => {
    const { model } = fitted;
    expect(model.encoder.length).toBe(0);
    expect(model.decoder.length).toBe(0);
    expect(model.namedParameters().map(([name]) => name).sort()).toEqual(
      ["logVarHead.bias", "logVarHead.weight", "meanHead.bias", "meanHead.weight", "outputLayer.bias", "outputLayer.weight", "outputLogVar"],
    );
  });

  it("learns the maximum-likelihood σ² (mean of the discarded eigenvalues) and W Wᵀ = U_q (Λ_q − σ² I) U_qᵀ, to 1e-6 relative", () => {
    const { model, sigma2, wwMle, data } = fitted;
    console.log(`pPCA d=${d} q=${q}: σ² rel error ${(Math.abs(learnedSigma2 - sigma2) / sigma2).toExponential(1)}, W Wᵀ rel error ${relative(ww, wwMle).toExponential(1)}`);
    expect(Math.abs(learnedSigma2 - sigma2) / sigma2).toBeLessThan(1e-6);
    expect(relative(ww, wwMle)).toBeLessThan(1e-6);
    // The decoder's bias is the data mean.
    const mean = Array.from({ length: d }, (_, i) => Array.from({ length: problem.n }, (_, r) => data.data[r * d + i] as number).reduce((a, b) => a + b, 0) / problem.n);
    expect(maxAbsDiff(model.outputLayer.bias?.data ?? [], mean)).toBeLessThan(1e-6);
  });

  it("has orthogonal decoder columns (|cos| < 1e-6), as Lucas et al. show for the optimum", () => {
    let worst = 0;
    for (let a = 0; a < q; a++) {
      for (let b = a + 1; b < q; b++) {
        let dot = 0;
        let na = 0;
        let nb = 0;
        for (let i = 0; i < d; i++) {
          dot += (w[i * q + a] as number) * (w[i * q + b] as number);
          na += (w[i * q + a] as number) ** 2;
          nb += (w[i * q + b] as number) ** 2;
        }
        worst = Math.max(worst, Math.abs(dot) / Math.sqrt(na * nb));
      }
    }
    console.log(`pPCA d=${d} q=${q}: worst |cos| between decoder columns ${worst.toExponential(1)}`);
    expect(worst).toBeLessThan(1e-6);
  });

  it("has the exact posterior as its encoder: mean (WᵀW + σ²I)⁻¹Wᵀ(x − m), constant variance σ² / (|w_j|² + σ²)", () => {
    const { model, data } = fitted;
    // The log-variance head ignores the input.
    expect(Math.max(...Array.from(model.logVarHead.weight.data, Math.abs))).toBeLessThan(1e-6);
    const { mu, logVar } = model.encode(data.slice([0, 0], [5, d]));
    for (let j = 0; j < q; j++) {
      let norm = 0;
      for (let i = 0; i < d; i++) norm += (w[i * q + j] as number) ** 2;
      const variance = learnedSigma2 / (norm + learnedSigma2);
      for (let r = 0; r < 5; r++) {
        expect(Math.abs(Math.exp(logVar.data[r * q + j] as number) - variance) / variance).toBeLessThan(1e-6);
        // With orthogonal columns WᵀW is diagonal, so the posterior mean is w_jᵀ(x − m) / (|w_j|² + σ²).
        let projection = 0;
        for (let i = 0; i < d; i++) projection += (w[i * q + j] as number) * ((data.data[r * d + i] as number) - (model.outputLayer.bias?.data[i] as number));
        expect(mu.data[r * q + j]).toBeCloseTo(projection / (norm + learnedSigma2), 6);
      }
    }
  });

  it("has an ELBO per example equal to the exact pPCA log-likelihood −½[d log 2π + log|C| + tr(C⁻¹S)]: the bound is tight", () => {
    const { model, s, cMle, data } = fitted;
    const bound = linearElbo(model, data).mean().item();
    const maximum = ppcaLogLikelihood(cMle, s, d);
    // The log-likelihood at the trained model's own parameters: C = W Wᵀ + σ² I.
    const own = ppcaLogLikelihood(Float64Array.from(ww, (v, i) => v + (i % (d + 1) === 0 ? learnedSigma2 : 0)), s, d);
    console.log(`pPCA d=${d} q=${q}: ELBO ${bound.toFixed(10)}, max log-likelihood ${maximum.toFixed(10)}, rel gap ${(Math.abs(bound - maximum) / Math.abs(maximum)).toExponential(1)}`);
    expect(Math.abs(bound - maximum) / Math.abs(maximum)).toBeLessThan(1e-9);
    expect(Math.abs(bound - own) / Math.abs(own)).toBeLessThan(1e-9);
    expect(bound).toBeLessThanOrEqual(own + 1e-12);
  });

  it("has elbo()'s one-sample estimate averaging to the closed form (20 draws × n examples, within 5 standard errors)", () => {
    const { model, data } = fitted;
    const bound = linearElbo(model, data).mean().item();
    const generator = new Generator(99);
    const draws = Array.from({ length: 20 }, () => elbo(model, data, { generator }).elbo.item());
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    const standardError = Math.sqrt(draws.reduce((a, b) => a + (b - mean) ** 2, 0) / (draws.length - 1) / draws.length);
    expect(Math.abs(mean - bound)).toBeLessThan(5 * standardError);
  });
});
