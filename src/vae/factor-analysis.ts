/**
 * Factor analysis fitted by expectation-maximization (Rubin & Thayer 1982; Ghahramani & Hinton
 * 1996), on the engine's tensors: the linear-Gaussian latent variable model that lecture note 004
 * calls the VAE's linear ancestor (eqs. 17-19 in docs/elbo.md),
 *
 *   z ~ N(0, I_q),   x | z ~ N(Λ z + m, Ψ),   Ψ = diag(ψ_1 … ψ_d),
 *
 * whose evidence and posterior have closed forms, so both EM steps do too. A linear VAE with a
 * learned diagonal output variance (`outputLogVar: "learned-diagonal"`) is the same model; at its
 * optimum it matches EM's (test/vae/factor-analysis.test.ts). With one shared ψ it is pPCA.
 */
import { noGrad, tensor, type Tensor } from "../autograd/index.js";
import { Generator } from "../tensor/index.js";
import { spdInverse } from "./cholesky.js";

const LOG_2PI = Math.log(2 * Math.PI);

export interface FactorAnalysis {
  /** m, [d]. */
  mean: Tensor;
  /** Λ, [d, q]: column j is how latent factor j moves the data. */
  loadings: Tensor;
  /** ψ, [d]: each dimension's own noise variance. */
  noiseVariance: Tensor;
}

export interface FactorPosterior {
  /** E[z | x] for each example, [n, q]. */
  mean: Tensor;
  /** Cov[z | x] = G = (I + ΛᵀΨ⁻¹Λ)⁻¹, [q, q]: the same for every x. */
  covariance: Tensor;
}

const identity = (q: number): Tensor => tensor(Float64Array.from({ length: q * q }, (_, i) => (i % (q + 1) === 0 ? 1 : 0)), { shape: [q, q] });

/** ΛᵀΨ⁻¹, [q, d], and G = (I + ΛᵀΨ⁻¹Λ)⁻¹ with log|G|. */
function precisionTerms(model: FactorAnalysis): { weighted: Tensor; g: Tensor; logDetG: number } {
  const weighted = model.loadings.div(model.noiseVariance.reshape([-1, 1])).transpose();
  const q = model.loadings.shape[1] as number;
  const { inverse, logDet } = spdInverse(identity(q).add(weighted.matmul(model.loadings)));
  return { weighted, g: inverse, logDetG: -logDet };
}

/**
 * log p(x) = log N(x; m, ΛΛᵀ + Ψ) for each example of `x` ([n, d]), in nats (eq. 17): with
 * C = ΛΛᵀ + Ψ, Woodbury gives C⁻¹ = Ψ⁻¹ − Ψ⁻¹Λ G ΛᵀΨ⁻¹ and log|C| = Σ log ψ_i − log|G|, so
 * nothing of size d × d is formed. A [n] tensor.
 */
export function factorAnalysisLogLikelihood(model: FactorAnalysis, x: Tensor): Tensor {
  return noGrad(() => {
    const d = model.mean.shape[0] as number;
    const { weighted, g, logDetG } = precisionTerms(model);
    const residual = x.sub(model.mean);
    const projected = residual.matmul(weighted, { transposeB: true }); // ΛᵀΨ⁻¹ r, [n, q]
    const quadratic = residual.square().div(model.noiseVariance).sum(-1).sub(projected.matmul(g).mul(projected).sum(-1));
    const logDetC = model.noiseVariance.log().sum().item() - logDetG;
    return quadratic.add(d * LOG_2PI + logDetC).mul(-0.5);
  });
}

/** The E-step (eq. 18): p(z | x) = N(G ΛᵀΨ⁻¹ (x − m), G), exact, for each example of `x` ([n, d]). */
export function factorAnalysisPosterior(model: FactorAnalysis, x: Tensor): FactorPosterior {
  return noGrad(() => {
    const { weighted, g } = precisionTerms(model);
    return { mean: x.sub(model.mean).matmul(weighted, { transposeB: true }).matmul(g), covariance: g };
  });
}

/**
 * One EM iteration from the data's mean and covariance S ([d, d]) (eqs. 18-19). The E-step's
 * posterior enters only through β = G ΛᵀΨ⁻¹ ([q, d]): the averages over the data are
 * (1/n) Σ E[z](x − m)ᵀ = β S and (1/n) Σ E[z zᵀ] = G + β S βᵀ. The M-step maximizes the expected
 * complete-data log-likelihood: Λ' = S βᵀ (G + β S βᵀ)⁻¹, ψ' = diag(S − Λ' β S).
 */
export function emStep(model: FactorAnalysis, covariance: Tensor): FactorAnalysis {
  return noGrad(() => {
    const { weighted, g } = precisionTerms(model);
    const beta = g.matmul(weighted);
    const crossMoment = covariance.matmul(beta, { transposeB: true }); // S βᵀ, [d, q]
    const secondMoment = g.add(beta.matmul(crossMoment)); // G + β S βᵀ, [q, q]
    const loadings = crossMoment.matmul(spdInverse(secondMoment).inverse);
    const d = model.mean.shape[0] as number;
    const diagonal = tensor(Float64Array.from({ length: d }, (_, i) => covariance.data[i * d + i] as number));
    // diag(Λ' β S)_i = Σ_j Λ'_ij (S βᵀ)_ij
    const noiseVariance = diagonal.sub(loadings.mul(crossMoment).sum(-1));
    return { mean: model.mean, loadings, noiseVariance };
  });
}

export interface EmOptions {
  /** At most this many iterations. Default 10,000. */
  iterations?: number;
  /**
   * Stop once no noise variance moves by more than this fraction in an iteration. Default 1e-10.
   * (The log-likelihood is a poor test: near the optimum it changes with the square of the
   * parameters' error, and EM converges slowly along its flat directions.)
   */
  tolerance?: number;
  /** Draws the initial loadings. Default seed 0. */
  generator?: Generator;
}

export interface EmFit {
  model: FactorAnalysis;
  /** The average log-likelihood per example after each iteration (never decreasing). */
  logLikelihoods: number[];
}

/**
 * Fit factor analysis with `factors` latent dimensions to `x` ([n, d], float64) by EM: m is the
 * data mean, Λ starts small and random, ψ at the data's variances, then `emStep` (eqs. 18-19) until ψ stops
 * moving; the average log-likelihood (eq. 17) after each step is recorded.
 */
export function fitFactorAnalysis(x: Tensor, factors: number, options: EmOptions = {}): EmFit {
  if (x.rank !== 2 || x.dtype !== "float64") throw new RangeError(`fitFactorAnalysis: x must be a float64 [n, d] tensor, got ${x.dtype} [${x.shape.join(",")}]`);
  const [n, d] = x.shape as [number, number];
  if (!Number.isInteger(factors) || factors < 1 || factors >= d) throw new RangeError(`fitFactorAnalysis: factors must be an integer in [1, ${d - 1}], got ${factors}`);
  return noGrad(() => {
    const mean = x.mean(0);
    const centered = x.sub(mean);
    const covariance = centered.matmul(centered, { transposeA: true }).div(n);
    const variances = tensor(Float64Array.from({ length: d }, (_, i) => covariance.data[i * d + i] as number));
    const generator = options.generator ?? new Generator(0);
    const noise = new Float64Array(d * factors);
    generator.fillNormal(noise);
    let model: FactorAnalysis = { mean, loadings: tensor(noise, { shape: [d, factors] }).mul(variances.sqrt().reshape([-1, 1])).mul(0.1), noiseVariance: variances };
    const logLikelihoods: number[] = [];
    const tolerance = options.tolerance ?? 1e-10;
    for (let iteration = 0; iteration < (options.iterations ?? 10_000); iteration++) {
      const previous = model.noiseVariance.data;
      model = emStep(model, covariance);
      logLikelihoods.push(factorAnalysisLogLikelihood(model, x).mean().item());
      let moved = 0;
      model.noiseVariance.data.forEach((v, i) => (moved = Math.max(moved, Math.abs(v - (previous[i] as number)) / (previous[i] as number))));
      if (moved < tolerance) break;
    }
    return { model, logLikelihoods };
  });
}
