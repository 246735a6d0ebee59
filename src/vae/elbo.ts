/**
 * The evidence lower bound (eq. 6 in docs/elbo.md), estimated with one reparameterized sample:
 *
 *   ELBO(x) = E_q[log p(x|z)] − KL(q(z|x) ‖ p(z))
 *
 * Every term is in nats per example: summed over pixels and latent dimensions, averaged over
 * the batch. The loss to minimize is the β-weighted negative, −(reconstruction − β·KL).
 */
import { defaultGenerator, type Tensor } from "../autograd/index.js";
import type { Generator } from "../tensor/index.js";
import { checkEpsilon, gaussianKLPerDimension, reparameterize, sampleEpsilon } from "./gaussian.js";
import type { Posterior, VAE } from "./model.js";

export interface ElboOptions {
  /** Weight of the KL term in the loss (β-VAE). Default 1. */
  beta?: number;
  /**
   * Weight of the reconstruction term in the loss. Default 1; 0 trains on the KL alone (note
   * 002's "pure KL loss" panel). Neither weight enters the reported ELBO.
   */
  reconstructionWeight?: number;
  /** Draws ε. Default: the shared `defaultGenerator` (reseed it with `manualSeed`). */
  generator?: Generator;
  /** A fixed ε ([batch, latent]) instead of a draw: for gradient checks. */
  eps?: Tensor;
  /** The one-hot labels y [batch, classes] of a conditional VAE: q(z|x, y), p(x|z, y). */
  labels?: Tensor;
  /**
   * What the encoder sees instead of `x` (a denoising VAE: a corrupted copy of it, Vincent et
   * al. 2008); the reconstruction is still scored against the clean `x`.
   */
  encoderInput?: Tensor;
}

export interface ElboTerms {
  /** −(w·reconstruction − β·KL), a scalar to call backward() on (eq. 13; w = 1 unless reweighted). */
  loss: Tensor;
  /** reconstruction − KL, the bound itself (β does not enter it). */
  elbo: Tensor;
  /** E_q[log p(x|z)], one-sample estimate. */
  reconstruction: Tensor;
  /** KL(q(z|x) ‖ p(z)), closed form. */
  kl: Tensor;
  /** The KL of each latent dimension, [latent]: where the information goes. */
  klPerDimension: Tensor;
  /** The encoder's q(z|x) for the batch, as computed on the way. */
  posterior: Posterior;
}

/**
 * The ELBO of a batch `x` ([batch, inputSize]) and its terms, averaged over the batch:
 * E_q[log p(x|z) + log p(z) − log q(z|x)] (eq. 4), computed as E_q[log p(x|z)] − KL(q ‖ p(z))
 * (eq. 6) with the expectation estimated at one z = μ + σ ⊙ ε (eq. 11) and the KL in closed
 * form (eq. 8). It is below log p(x) by KL(q(z|x) ‖ p(z|x)) ≥ 0 (eq. 5). The loss weights the
 * KL by β (eq. 13).
 */
export function elbo(model: VAE, x: Tensor, options: ElboOptions = {}): ElboTerms {
  const beta = options.beta ?? 1;
  if (!Number.isFinite(beta) || beta < 0) throw new RangeError(`elbo: beta must be a finite number ≥ 0, got ${beta}`);
  const weight = options.reconstructionWeight ?? 1;
  if (!Number.isFinite(weight) || weight < 0) throw new RangeError(`elbo: reconstructionWeight must be a finite number ≥ 0, got ${weight}`);
  const { mu, logVar } = model.encode(options.encoderInput ?? x, options.labels);
  const eps = options.eps ?? sampleEpsilon(mu.shape, options.generator ?? defaultGenerator, mu.dtype);
  checkEpsilon("elbo", eps, mu.shape);
  const z = reparameterize(mu, logVar, eps);
  const reconstruction = model.logLikelihood(model.decode(z, options.labels), x).mean();
  const klPerDimension = gaussianKLPerDimension(mu, logVar).mean(0);
  const kl = klPerDimension.sum();
  return {
    loss: (weight === 1 ? reconstruction : reconstruction.mul(weight)).sub(kl.mul(beta)).neg(),
    elbo: reconstruction.sub(kl),
    reconstruction,
    kl,
    klPerDimension,
    posterior: { mu, logVar },
  };
}

/**
 * KL warm-up: β rises linearly from 0 to `targetBeta` over `warmupSteps` steps, then stays
 * (Bowman et al. 2016; Sønderby et al. 2016). With 0 warm-up steps, β is the target at once.
 */
export function klWarmup(step: number, warmupSteps: number, targetBeta = 1): number {
  if (warmupSteps <= 0) return targetBeta;
  return targetBeta * Math.min(1, step / warmupSteps);
}
