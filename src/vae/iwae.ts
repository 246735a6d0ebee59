/**
 * The importance-weighted bound (Burda et al. 2016; eq. 14 in docs/elbo.md):
 *
 *   L_k(x) = log (1/k) Σ_i p(x|z_i) p(z_i) / q(z_i|x),   z_i ~ q(z|x)
 *
 * L_1 is the ELBO, L_k ≤ L_{k+1}, and L_k → log p(x) as k grows, so it estimates the
 * log-likelihood of the data (density estimation, outlier scores).
 */
import { defaultGenerator, noGrad, type Tensor } from "../autograd/index.js";
import type { Generator } from "../tensor/index.js";
import { checkEpsilon, gaussianLogDensity, reparameterize, sampleEpsilon, standardNormalLogDensity } from "./gaussian.js";
import type { VAE } from "./model.js";

export interface IwaeOptions {
  generator?: Generator;
  /** A fixed ε ([k, batch, latent]) instead of a draw. */
  eps?: Tensor;
}

/**
 * The log importance weights log w_i = log p(x|z_i) + log p(z_i) − log q(z_i|x), z_i ~ q(z|x),
 * of each example of `x` ([batch, inputSize]): a [k, batch] tensor in nats. Each is the
 * integrand of eq. 4, so their mean over i estimates the ELBO and their log-mean-exp is L_k
 * (eq. 14).
 */
export function iwaeLogWeights(model: VAE, x: Tensor, k: number, options: IwaeOptions = {}): Tensor {
  return logWeightsOf("iwaeLogWeights", model, x, k, options);
}

function logWeightsOf(op: string, model: VAE, x: Tensor, k: number, options: IwaeOptions): Tensor {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`${op}: k must be a positive integer, got ${k}`);
  return noGrad(() => {
    const { mu, logVar } = model.encode(x);
    const eps = options.eps ?? sampleEpsilon([k, ...mu.shape], options.generator ?? defaultGenerator, mu.dtype);
    checkEpsilon(op, eps, [k, ...mu.shape]);
    const z = reparameterize(mu, logVar, eps); // [k, batch, latent]
    const logLikelihood = model.logLikelihood(model.decode(z), x); // [k, batch]
    const logPrior = standardNormalLogDensity(z);
    const logPosterior = gaussianLogDensity(z, mu, logVar);
    return logLikelihood.add(logPrior).sub(logPosterior);
  });
}

/**
 * L_k (eq. 14) for each example of `x` ([batch, inputSize]), in nats: a [batch] tensor, the
 * log-mean-exp of `iwaeLogWeights`, the integrands of eq. 4. L_1 is a one-sample ELBO;
 * ELBO = L_1 ≤ L_k ≤ L_{k+1} ≤ log p(x) in expectation (eq. 15).
 */
export function iwaeBound(model: VAE, x: Tensor, k: number, options: IwaeOptions = {}): Tensor {
  const logWeights = logWeightsOf("iwaeBound", model, x, k, options);
  return noGrad(() => logWeights.logSumExp(0).sub(Math.log(k)));
}
