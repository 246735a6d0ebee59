/**
 * The importance-weighted bound (Burda et al. 2016; eq. 14 in docs/elbo.md):
 *
 *   L_k(x) = log (1/k) Σ_i p(x|z_i) p(z_i) / q(z_i|x),   z_i ~ q(z|x)
 *
 * L_1 is the ELBO, L_k ≤ L_{k+1}, and L_k → log p(x) as k grows, so it estimates the
 * log-likelihood of the data (density estimation, outlier scores), and, maximized instead of the
 * ELBO, trains the importance-weighted autoencoder (`iwae`).
 */
import { defaultGenerator, noGrad, type Tensor } from "../autograd/index.js";
import type { Generator } from "../tensor/index.js";
import { checkEpsilon, gaussianKLPerDimension, gaussianLogDensity, reparameterize, sampleEpsilon, standardNormalLogDensity } from "./gaussian.js";
import type { Posterior, VAE } from "./model.js";

export interface IwaeOptions {
  generator?: Generator;
  /** A fixed ε ([k, batch, latent]) instead of a draw. */
  eps?: Tensor;
  /** The one-hot labels y [batch, classes] of a conditional VAE: q(z|x, y), p(x|z, y). */
  labels?: Tensor;
}

/** The log weights [k, batch] and the pieces they are made of, with the graph recorded. */
interface LogWeights {
  logWeights: Tensor;
  /** log p(x|z_i), [k, batch]. */
  logLikelihood: Tensor;
  posterior: Posterior;
}

function logWeightsOf(op: string, model: VAE, x: Tensor, k: number, options: IwaeOptions): LogWeights {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`${op}: k must be a positive integer, got ${k}`);
  const posterior = model.encode(x, options.labels);
  const { mu, logVar } = posterior;
  const eps = options.eps ?? sampleEpsilon([k, ...mu.shape], options.generator ?? defaultGenerator, mu.dtype);
  checkEpsilon(op, eps, [k, ...mu.shape]);
  const z = reparameterize(mu, logVar, eps); // [k, batch, latent]
  const logLikelihood = model.logLikelihood(model.decode(z, options.labels), x); // [k, batch]
  const logPrior = standardNormalLogDensity(z);
  const logPosterior = gaussianLogDensity(z, mu, logVar);
  return { logWeights: logLikelihood.add(logPrior).sub(logPosterior), logLikelihood, posterior };
}

/**
 * The log importance weights log w_i = log p(x|z_i) + log p(z_i) − log q(z_i|x), z_i ~ q(z|x),
 * of each example of `x` ([batch, inputSize]): a [k, batch] tensor in nats. Each is the
 * integrand of eq. 4, so their mean over i estimates the ELBO and their log-mean-exp is L_k
 * (eq. 14). No gradients are recorded.
 */
export function iwaeLogWeights(model: VAE, x: Tensor, k: number, options: IwaeOptions = {}): Tensor {
  return noGrad(() => logWeightsOf("iwaeLogWeights", model, x, k, options).logWeights);
}

/**
 * L_k (eq. 14) for each example of `x` ([batch, inputSize]), in nats: a [batch] tensor, the
 * log-mean-exp of `iwaeLogWeights`, the integrands of eq. 4. L_1 is a one-sample ELBO;
 * ELBO = L_1 ≤ L_k ≤ L_{k+1} ≤ log p(x) in expectation (eq. 15). No gradients are recorded.
 */
export function iwaeBound(model: VAE, x: Tensor, k: number, options: IwaeOptions = {}): Tensor {
  return noGrad(() => logWeightsOf("iwaeBound", model, x, k, options).logWeights.logSumExp(0).sub(Math.log(k)));
}

export interface IwaeTerms {
  /** −L_k averaged over the batch: the scalar to call backward() on. */
  loss: Tensor;
  /** L_k (eq. 14) averaged over the batch, nats per example. */
  bound: Tensor;
  /** E_q[log p(x|z)] estimated with the same k draws, averaged over the batch. */
  reconstruction: Tensor;
  /** KL(q(z|x) ‖ p(z)) in closed form (eq. 8), averaged over the batch: reported, not in the loss. */
  kl: Tensor;
  /** reconstruction − KL: the ELBO of the same draws, to compare with a VAE's. */
  elbo: Tensor;
  posterior: Posterior;
}

/**
 * The IWAE objective of a batch `x` ([batch, inputSize]): the loss −L_k (eq. 14), averaged over
 * the batch, with the graph recorded. With z_i = μ + σ ⊙ ε_i its gradient is
 *
 *   ∇ L_k = Σ_i w̃_i ∇ log w_i,   w̃_i = w_i / Σ_j w_j,
 *
 * the per-sample gradients of the log weights averaged with the self-normalized importance
 * weights (Burda et al. 2016, sec. 3): the backward of the log-sum-exp, whose derivative in
 * log w_i is w̃_i. With k = 1, w̃_1 = 1 and the gradient is that of the one-sample ELBO of eq. 4,
 * log p(x|z) + log p(z) − log q(z|x). (`elbo` takes the KL in closed form instead: the same
 * gradient in expectation, not draw by draw.)
 */
export function iwae(model: VAE, x: Tensor, k: number, options: IwaeOptions = {}): IwaeTerms {
  const { logWeights, logLikelihood, posterior } = logWeightsOf("iwae", model, x, k, options);
  const bound = logWeights.logSumExp(0).sub(Math.log(k)).mean();
  const reconstruction = logLikelihood.mean();
  const kl = gaussianKLPerDimension(posterior.mu, posterior.logVar).mean(0).sum();
  return { loss: bound.neg(), bound, reconstruction, kl, elbo: reconstruction.sub(kl), posterior };
}
