/**
 * The decoder's likelihoods p(x | z), as log-densities in nats summed over the pixels of each
 * example (eq. 9 and eq. 10 in docs/elbo.md).
 */
import { bceWithLogits, type Tensor } from "../autograd/index.js";
import { gaussianLogDensity } from "./gaussian.js";

/**
 * Bernoulli log-likelihood from logits, summed over the last axis (eq. 9):
 * log p(x|z) = Σ [x log σ(l) + (1 − x) log(1 − σ(l))] = −Σ BCE(l, x).
 * Computed from the logits, so it is stable for any l; targets may be any value in [0, 1].
 */
export function bernoulliLogLikelihood(logits: Tensor, x: Tensor): Tensor {
  return bceWithLogits(logits, x.expand(logits.shape)).sum(-1).neg();
}

/** Gaussian log-likelihood with a fixed or learned log-variance, summed over the last axis (eq. 10). */
export function gaussianLogLikelihood(mean: Tensor, x: Tensor, logVar: Tensor): Tensor {
  return gaussianLogDensity(x, mean, logVar);
}
