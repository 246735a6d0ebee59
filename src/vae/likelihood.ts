/**
 * The decoder's likelihoods p(x | z), as log-densities in nats summed over the pixels of each
 * example (eq. 9 and eq. 10 in docs/elbo.md).
 */
import { bceWithLogits, tensor, type Tensor } from "../autograd/index.js";
import { NDArray, type Generator } from "../tensor/index.js";
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

/**
 * Draw x ~ p(x|z) given the decoder's mean (note 004's generative story, not just its mean):
 * Bernoulli pixels, 1 with probability `mean`; or Gaussian, mean + σ ε with σ² = exp(logVar).
 * Values are not clipped: a Gaussian draw may leave [0, 1].
 */
export function drawObservations(likelihood: "bernoulli" | "gaussian", mean: Tensor, generator: Generator, logVar = 0): Tensor {
  const out = NDArray.zeros(mean.shape, mean.dtype);
  const sigma = Math.exp(0.5 * logVar);
  for (let i = 0; i < out.size; i++) {
    const m = mean.data[i] as number;
    out.data[i] = likelihood === "bernoulli" ? (generator.uniform() < m ? 1 : 0) : m + sigma * generator.normal();
  }
  return tensor(out);
}
