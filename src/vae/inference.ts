/**
 * Per-datapoint variational inference, and the amortization gap it measures (eq. 21 in
 * docs/elbo.md; Cremer, Li & Duvenaud 2018). The encoder is *amortized* inference: one network
 * that maps every x to its q(z|x). Classical variational inference instead optimizes q's
 * parameters λ = (μ, log σ²) for each x on its own, with the decoder fixed. The best such q is at
 * least as good as the encoder's, and the difference of their ELBOs is what amortizing costs.
 */
import { defaultGenerator, noGrad, tensor, type Tensor } from "../autograd/index.js";
import { Adam } from "../nn/index.js";
import type { Generator } from "../tensor/index.js";
import { boundLogVar, gaussianKL, reparameterize, sampleEpsilon } from "./gaussian.js";
import type { Posterior, VAE } from "./model.js";

export interface PosteriorFitOptions {
  /** Adam steps. Default 300. */
  steps?: number;
  /** Reparameterized draws of z per example and step. Default 8. */
  samples?: number;
  /** Adam's learning rate at the start; it decays geometrically to a tenth of it. Default 0.05. */
  lr?: number;
  /** Draws ε. Default: the shared `defaultGenerator`. */
  generator?: Generator;
}

/**
 * The ELBO of each example of `x` ([batch, inputSize]) under a given q = N(μ, diag σ²)
 * (`posterior`, each [batch, latent]) instead of the encoder's: E_q[log p(x|z)] averaged over
 * `eps`'s draws ([samples, batch, latent]), minus the closed-form KL (eqs. 6, 8, 11). A [batch]
 * tensor. With the same ε for two posteriors, their difference (eq. 21) is far less noisy than
 * either.
 */
export function elboAt(model: VAE, x: Tensor, posterior: Posterior, eps: Tensor): Tensor {
  const logVar = boundLogVar(posterior.logVar);
  const z = reparameterize(posterior.mu, logVar, eps);
  return model.logLikelihood(model.decode(z), x).mean(0).sub(gaussianKL(posterior.mu, logVar));
}

/**
 * Per-datapoint variational inference (eq. 21): starting from the encoder's q(z|x), optimize
 * (μ, log σ²) of every example of `x` by Adam on its ELBO, with the decoder's weights fixed.
 * The examples do not interact (the batch's ELBO is a sum over them), so one batched
 * optimization fits each on its own. Returns the fitted q's parameters, detached.
 */
export function fitPosterior(model: VAE, x: Tensor, options: PosteriorFitOptions = {}): Posterior {
  const steps = options.steps ?? 300;
  const samples = options.samples ?? 8;
  if (!Number.isInteger(steps) || steps < 1 || !Number.isInteger(samples) || samples < 1) {
    throw new RangeError(`fitPosterior: steps and samples must be positive integers, got ${steps} and ${samples}`);
  }
  const generator = options.generator ?? defaultGenerator;
  const start = noGrad(() => model.encode(x));
  // Fresh leaves holding copies of the encoder's outputs: the parameters λ of eq. 21.
  const leaf = (t: Tensor): Tensor => tensor(t.data.slice(), { shape: t.shape, dtype: t.dtype, requiresGrad: true });
  const mu = leaf(start.mu);
  const logVar = leaf(start.logVar);
  const lr = options.lr ?? 0.05;
  // The decay lets the last steps settle instead of jittering by the sampling noise.
  const optimizer = new Adam([mu, logVar], { lr: (t) => lr * 0.1 ** (t / steps) });
  for (let step = 0; step < steps; step++) {
    optimizer.zeroGrad();
    const eps = sampleEpsilon([samples, ...mu.shape], generator, mu.dtype);
    elboAt(model, x, { mu, logVar }, eps).sum().neg().backward();
    optimizer.step();
  }
  model.zeroGrad(); // the decoder's gradients were computed on the way, never used
  return { mu: mu.detach(), logVar: logVar.detach() };
}
