/**
 * The Gaussian pieces of the ELBO: the reparameterization trick, the closed-form KL to the
 * standard normal prior, and the log-densities the importance-weighted bound needs.
 * Equations are numbered as in docs/elbo.md.
 */
import { full, type Tensor } from "../autograd/index.js";
import { formatShape, shapesEqual, ShapeError, type DType, type Generator, type Shape } from "../tensor/index.js";

const LOG_2PI = Math.log(2 * Math.PI);

/** Throw unless a given ε has the shape the sample needs, naming the function and both shapes. */
export function checkEpsilon(op: string, eps: Tensor, shape: Shape): void {
  if (!shapesEqual(eps.shape, shape)) {
    throw new ShapeError(`${op}: eps has shape ${formatShape(eps.shape)}, expected ${formatShape(shape)}`);
  }
}

/**
 * Draw ε ~ N(0, I) as a constant leaf (it never requires grad): the randomness of the sample,
 * moved outside the graph so that gradients flow through μ and log σ² (eq. 11).
 */
export function sampleEpsilon(shape: Shape, generator: Generator, dtype: DType = "float32"): Tensor {
  const eps = full(shape, 0, { dtype });
  generator.fillNormal(eps.data);
  return eps;
}

/**
 * The reparameterization trick (eq. 11): z = μ + exp(½ log σ²) · ε, so that
 * ∂z/∂μ = 1 and ∂z/∂log σ² = ½ · σ · ε (eq. 12).
 */
export function reparameterize(mu: Tensor, logVar: Tensor, eps: Tensor): Tensor {
  return mu.add(logVar.mul(0.5).exp().mul(eps));
}

/**
 * KL(N(μ, σ²) ‖ N(0, 1)) for each latent dimension, in nats (eq. 7):
 * ½ (μ² + σ² − log σ² − 1). Sum over the last axis for the KL of a diagonal Gaussian.
 * Gradients: ∂/∂μ = μ, ∂/∂log σ² = ½ (σ² − 1).
 */
export function gaussianKLPerDimension(mu: Tensor, logVar: Tensor): Tensor {
  return mu.square().add(logVar.exp()).sub(logVar).sub(1).mul(0.5);
}

/** KL(N(μ, diag σ²) ‖ N(0, I)) = Σ_j KL_j, summed over the latent (last) axis: one value per example (eq. 8). */
export function gaussianKL(mu: Tensor, logVar: Tensor): Tensor {
  return gaussianKLPerDimension(mu, logVar).sum(-1);
}

/**
 * log N(x; mean, exp(logVar)) summed over the last axis (eq. 10):
 * −½ Σ [ (x − mean)² / σ² + log σ² + log 2π ]. `logVar` broadcasts (a scalar for an isotropic
 * Gaussian).
 */
export function gaussianLogDensity(x: Tensor, mean: Tensor, logVar: Tensor): Tensor {
  const squaredError = x.sub(mean).square().div(logVar.exp());
  return squaredError.add(logVar).add(LOG_2PI).sum(-1).mul(-0.5);
}

/** log p(z) = log N(z; 0, I), the prior of eq. 1, summed over the last axis: −½ Σ (z² + log 2π). */
export function standardNormalLogDensity(z: Tensor): Tensor {
  return z.square().add(LOG_2PI).sum(-1).mul(-0.5);
}

/**
 * Keep a predicted log-variance finite: clamp it to [min, max] (default [−30, 20], so σ² is
 * between 9·10⁻¹⁴ and 4.9·10⁸ and exp never overflows float32). Inside the range this is the
 * identity, gradient included; it replaces hidden epsilons such as log(σ² + 1e-8).
 */
export function boundLogVar(logVar: Tensor, min = -30, max = 20): Tensor {
  return logVar.clamp(min, max);
}
