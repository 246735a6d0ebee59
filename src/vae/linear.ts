/**
 * The linear VAE: no hidden layers (`hiddenSizes: []`), a Gaussian decoder
 * x | z ~ N(W z + m, diag ψ), and a linear encoder. Its ELBO needs no sampling: the expected
 * log-likelihood under q is a closed form (eq. 20 in docs/elbo.md), so it can be maximized
 * exactly and compared with the closed-form models it contains, probabilistic PCA (one isotropic
 * ψ) and factor analysis (a diagonal ψ).
 */
import { concat, noGrad, type Tensor } from "../autograd/index.js";
import { cholesky } from "./cholesky.js";
import { boundLogVar, gaussianKL, gaussianLogDensity } from "./gaussian.js";
import type { VAE } from "./model.js";

/** Throw unless `model` is a linear VAE with a Gaussian decoder, naming what it is instead. */
function checkLinearGaussian(op: string, model: VAE): void {
  if (model.hiddenSizes.length !== 0 || model.likelihood !== "gaussian") {
    throw new RangeError(`${op}: needs a linear VAE (hiddenSizes: [], likelihood "gaussian"), got hiddenSizes [${model.hiddenSizes.join(",")}] and likelihood "${model.likelihood}"`);
  }
}

/**
 * E_q[log p(x|z)] for a linear Gaussian decoder, in closed form, per example (eq. 20): with
 * q = N(μ, diag s²) and p(x|z) = N(W z + m, diag ψ),
 *
 *   E_q[log p(x|z)] = log N(x; W μ + m, diag ψ) − ½ Σ_i Σ_j W_ij² s_j² / ψ_i,
 *
 * because the expected squared error of pixel i is its error at the mean plus the variance of
 * (W z)_i under q, Σ_j W_ij² s_j².
 */
export function linearExpectedLogLikelihood(model: VAE, x: Tensor, mu: Tensor, logVar: Tensor): Tensor {
  checkLinearGaussian("linearExpectedLogLikelihood", model);
  const noiseLogVar = boundLogVar(model.outputLogVar);
  const atMean = gaussianLogDensity(x, model.decode(mu), noiseLogVar);
  // Σ_i W_ij² / ψ_i for each latent j ([latent]), then Σ_j of that times s_j² for each example.
  const weightOverNoise = model.outputLayer.weight.square().transpose().div(noiseLogVar.exp()).sum(-1);
  const spread = logVar.exp().mul(weightOverNoise).sum(-1).mul(0.5);
  return atMean.sub(spread);
}

/**
 * The ELBO of each example of `x` ([batch, inputSize]) under a linear Gaussian VAE, with no
 * sampling: the closed-form E_q[log p(x|z)] (eq. 20) minus the closed-form KL (eq. 8), so it is
 * the exact value that `elbo`'s one-sample estimate (eq. 6) averages to. A [batch] tensor.
 */
export function linearElbo(model: VAE, x: Tensor): Tensor {
  const { mu, logVar } = model.encode(x);
  return linearExpectedLogLikelihood(model, x, mu, logVar).sub(gaussianKL(mu, logVar));
}

/**
 * 2d points with exactly the mean x̄ and covariance S of `x` ([n, d]): x̄ ± √d · l_k for the
 * columns l_k of S's Cholesky factor (S = L Lᵀ = Σ_k l_k l_kᵀ). At the optimum of a linear
 * Gaussian VAE the encoder's log-variance is constant, and its ELBO then depends on the data only
 * through x̄ and S: training on these 2d points finds the optimum for all n examples at the cost of
 * 2d. (Away from the optimum the two objectives differ, and they share their maximum.)
 */
export function momentMatchedPoints(x: Tensor): Tensor {
  return noGrad(() => {
    const [n, d] = x.shape as [number, number];
    const mean = x.mean(0);
    const centered = x.sub(mean);
    const factor = cholesky(centered.matmul(centered, { transposeA: true }).div(n)).transpose().mul(Math.sqrt(d)); // row k = √d · l_kᵀ
    return concat([mean.add(factor), mean.sub(factor)], 0);
  });
}
