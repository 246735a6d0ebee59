/**
 * The evidence log p(x) = log ∫ p(x|z) p(z) dz (eq. 2 in docs/elbo.md) by quadrature, for VAEs
 * with a 1-D or 2-D latent, and the identity it anchors: log p(x) = ELBO + KL(q(z|x) ‖ p(z|x))
 * (eq. 5), each term computed on its own.
 *
 * The rule is a tensor-product trapezoid on a uniform grid. For smooth, rapidly decaying
 * integrands (the Gaussians q and p(z)) its error falls faster than any power of the spacing; a
 * ReLU decoder's kinks make it O(h²). `logMarginal` reports that error (the change when every
 * other point is dropped), so a caller can see whether the grid is fine enough. The cost is one
 * decode per grid point per example: thousands of points in 1-D, a few hundred thousand in 2-D.
 */
import { noGrad, tensor, type Tensor } from "../autograd/index.js";
import { gaussianKL } from "./gaussian.js";
import type { VAE } from "./model.js";

const LOG_2PI = Math.log(2 * Math.PI);

export interface QuadratureOptions {
  /**
   * Axis j covers [−halfWidth, halfWidth] (the prior's mass) and μ_j ± halfWidth·σ_j (q's),
   * whichever is wider. Default 12.
   */
  halfWidth?: number;
  /** The grid's largest spacing along an axis. Default 0.004 for a 1-D latent, 0.05 for 2-D. */
  maxSpacing?: number;
}

/** A grid over z for one example: the points and the log of each trapezoid weight. */
export interface LatentGrid {
  /** [count, latent] grid points, float64. */
  z: Tensor;
  /** log of the trapezoid weight of each point (spacing products, halved on the edges). */
  logWeights: Float64Array;
  /** log of the weights of the grid with every other point (twice the spacing); −∞ off it. */
  coarseLogWeights: Float64Array;
  /** The spacing along each axis. */
  spacing: number[];
}

/** One example's integrals on its grid, in nats. */
export interface EvidenceDecomposition {
  /** log p(x) = log ∫ p(x|z) p(z) dz (eq. 2). */
  logEvidence: number;
  /** |log p(x) on this grid − on the grid of twice the spacing|: the quadrature's error. */
  evidenceError: number;
  /** E_q[log p(x|z)] − KL(q ‖ p(z)) (eq. 6): reconstruction by quadrature, KL in closed form. */
  elbo: number;
  /** KL(q(z|x) ‖ p(z|x)) with p(z|x) = p(x|z) p(z) / p(x), by quadrature (eq. 5's gap). */
  posteriorKL: number;
}

function logSumExp(values: Float64Array): number {
  let max = -Infinity;
  for (const v of values) max = Math.max(max, v);
  if (max === -Infinity) return max;
  let total = 0;
  for (const v of values) total += Math.exp(v - max);
  return max + Math.log(total);
}

/** One axis: an even number of intervals over the range, so that every other point is a grid too. */
function axis(low: number, high: number, maxSpacing: number): { points: Float64Array; h: number } {
  const intervals = 2 * Math.max(1, Math.ceil((high - low) / maxSpacing / 2));
  const h = (high - low) / intervals;
  return { points: Float64Array.from({ length: intervals + 1 }, (_, i) => low + i * h), h };
}

/** log trapezoid weight of index i of n on an axis of spacing h (end points count half). */
const logAxisWeight = (i: number, n: number, h: number): number => Math.log((i === 0 || i === n - 1 ? 0.5 : 1) * h);

/**
 * The quadrature grid for an example whose posterior under the encoder has means `mu` and
 * log-variances `logVar` (each [latent], latent 1 or 2).
 */
function latentGrid(mu: readonly number[], logVar: readonly number[], options: QuadratureOptions = {}): LatentGrid {
  const latent = mu.length;
  if (latent !== 1 && latent !== 2) throw new RangeError(`latentGrid: quadrature needs a latent of 1 or 2 dimensions, got ${latent}`);
  const halfWidth = options.halfWidth ?? 12;
  const maxSpacing = options.maxSpacing ?? (latent === 1 ? 0.004 : 0.05);
  if (!(maxSpacing > 0) || !(halfWidth > 0)) throw new RangeError(`latentGrid: maxSpacing and halfWidth must be positive, got ${maxSpacing} and ${halfWidth}`);
  const axes = mu.map((m, j) => {
    const s = Math.exp(0.5 * (logVar[j] as number));
    return axis(Math.min(-halfWidth, m - halfWidth * s), Math.max(halfWidth, m + halfWidth * s), maxSpacing);
  });
  const sizes = axes.map((a) => a.points.length);
  const count = sizes.reduce((a, b) => a * b, 1);
  const z = new Float64Array(count * latent);
  const logWeights = new Float64Array(count);
  const coarseLogWeights = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let rest = i;
    for (let j = latent - 1; j >= 0; j--) {
      const { points, h } = axes[j] as { points: Float64Array; h: number };
      const n = points.length;
      const index = rest % n;
      rest = Math.floor(rest / n);
      z[i * latent + j] = points[index] as number;
      logWeights[i] = (logWeights[i] as number) + logAxisWeight(index, n, h);
      coarseLogWeights[i] = (coarseLogWeights[i] as number) + (index % 2 === 0 ? logAxisWeight(index / 2, (n - 1) / 2 + 1, 2 * h) : -Infinity);
    }
  }
  return { z: tensor(z, { shape: [count, latent] }), logWeights, coarseLogWeights, spacing: axes.map((a) => a.h) };
}

/** The integrands of one example on its grid, from one batched decode of every grid point. */
export interface LatentIntegrands {
  grid: LatentGrid;
  /** log p(x|z_i) at each grid point. */
  logLikelihood: Float64Array;
  /** log p(x, z_i) = log p(x|z_i) + log p(z_i) (eq. 1). */
  logJoint: Float64Array;
  /** log q(z_i|x) under the encoder (eq. 3). */
  logQ: Float64Array;
  /** KL(q(z|x) ‖ p(z)) in closed form (eq. 8). */
  priorKL: number;
}

/** The grid of one example `x` ([1, inputSize]) and the log-densities on it. */
export function latentIntegrands(model: VAE, x: Tensor, options: QuadratureOptions = {}): LatentIntegrands {
  if (x.rank !== 2 || x.shape[0] !== 1 || x.shape[1] !== model.inputSize) {
    throw new RangeError(`latentIntegrands: x must be [1, ${model.inputSize}], got [${x.shape.join(",")}]`);
  }
  return noGrad(() => {
    const posterior = model.encode(x);
    const mu = Array.from(posterior.mu.data);
    const logVar = Array.from(posterior.logVar.data);
    const grid = latentGrid(mu, logVar, options);
    const logLikelihood = Float64Array.from(model.logLikelihood(model.decode(grid.z.to(model.dtype)), x).data);
    const latent = mu.length;
    const count = grid.logWeights.length;
    const logJoint = new Float64Array(count);
    const logQ = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      let logPrior = 0;
      let lq = 0;
      for (let j = 0; j < latent; j++) {
        const zij = grid.z.data[i * latent + j] as number;
        const lv = logVar[j] as number;
        logPrior += -0.5 * (zij * zij + LOG_2PI);
        lq += -0.5 * ((zij - (mu[j] as number)) ** 2 / Math.exp(lv) + lv + LOG_2PI);
      }
      logJoint[i] = (logLikelihood[i] as number) + logPrior;
      logQ[i] = lq;
    }
    return { grid, logLikelihood, logJoint, logQ, priorKL: gaussianKL(posterior.mu, posterior.logVar).item() };
  });
}

/** log p(x), the ELBO and KL(q ‖ p(z|x)) of one example from its integrands (eqs. 2, 5, 6). */
export function decomposeEvidence(integrands: LatentIntegrands): EvidenceDecomposition {
  const { grid, logLikelihood, logJoint, logQ, priorKL } = integrands;
  const logEvidence = logSumExp(logJoint.map((v, i) => v + (grid.logWeights[i] as number)));
  const coarse = logSumExp(logJoint.map((v, i) => v + (grid.coarseLogWeights[i] as number)));
  let reconstruction = 0;
  let posteriorKL = 0;
  for (let i = 0; i < logQ.length; i++) {
    const weight = Math.exp((grid.logWeights[i] as number) + (logQ[i] as number)); // q(z_i|x) dz
    reconstruction += weight * (logLikelihood[i] as number);
    // log p(z|x) = log p(x, z) − log p(x)
    posteriorKL += weight * ((logQ[i] as number) - ((logJoint[i] as number) - logEvidence));
  }
  return { logEvidence, evidenceError: Math.abs(logEvidence - coarse), elbo: reconstruction - priorKL, posteriorKL };
}

/**
 * For each example of `x` ([batch, inputSize]): log p(x) (eq. 2), the ELBO (eq. 6) and
 * KL(q(z|x) ‖ p(z|x)), each by quadrature over z, so that eq. 5, log p(x) = ELBO + KL, can be
 * checked term by term rather than assumed.
 */
export function evidenceDecomposition(model: VAE, x: Tensor, options: QuadratureOptions = {}): EvidenceDecomposition[] {
  if (x.rank !== 2 || x.shape[1] !== model.inputSize) throw new RangeError(`evidenceDecomposition: x must be [batch, ${model.inputSize}], got [${x.shape.join(",")}]`);
  const out: EvidenceDecomposition[] = [];
  for (let r = 0; r < (x.shape[0] as number); r++) out.push(decomposeEvidence(latentIntegrands(model, x.slice([r, 0], [r + 1, model.inputSize]).detach(), options)));
  return out;
}

/**
 * log p(x) = log ∫ p(x|z) p(z) dz (eq. 2) for each example of `x` ([batch, inputSize]), by
 * quadrature over a 1-D or 2-D latent: a [batch] float64 tensor, in nats. The exact value the
 * ELBO (eq. 5) and the importance-weighted bounds (eq. 15) fall short of.
 */
export function logMarginal(model: VAE, x: Tensor, options: QuadratureOptions = {}): Tensor {
  return tensor(evidenceDecomposition(model, x, options).map((terms) => terms.logEvidence), { dtype: "float64" });
}
