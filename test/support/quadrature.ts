/**
 * The integrals of docs/elbo.md computed by quadrature, for VAEs with a 1-D or 2-D latent: the
 * evidence log p(x) (eq. 2), the expected log-likelihood E_q[log p(x|z)], the KL to the prior
 * and the KL to the true posterior p(z|x). A tensor-product trapezoid rule on a uniform grid:
 * for smooth, rapidly decaying integrands (the Gaussians q and p(z)) its error falls faster
 * than any power of the spacing; the decoder's ReLU kinks make log p(x) accurate to O(h²),
 * which `evidenceError` estimates by halving the resolution.
 */
import { noGrad, tensor, type Tensor } from "../../src/index.js";
import type { VAE } from "../../src/vae/index.js";

const LOG_2PI = Math.log(2 * Math.PI);

export interface Quadrature {
  /** log p(x) = log ∫ p(x|z) p(z) dz (eq. 2). */
  logEvidence: number;
  /** E_q[log p(x|z)]. */
  expectedLogLikelihood: number;
  /** Var_q[log p(x|z)]: the variance of a one-sample Monte Carlo estimate of the above. */
  logLikelihoodVariance: number;
  /** ∫ q(z|x) dz: 1 up to the quadrature error on a Gaussian. */
  posteriorMass: number;
  /** KL(q(z|x) ‖ p(z)) by quadrature. */
  klPrior: number;
  /** KL(q(z|x) ‖ p(z|x)), with p(z|x) = p(x|z) p(z) / p(x). */
  klPosterior: number;
  /** |log p(x) on this grid − log p(x) on every other point|: the evidence's quadrature error. */
  evidenceError: number;
  /** The grid's spacing along each latent axis. */
  spacing: number[];
}

export interface GridOptions {
  /** Axis j covers [−halfWidth, halfWidth] (the prior's mass) and μ_j ± halfWidth·σ_j (q's). Default 12. */
  halfWidth?: number;
  /** The grid's spacing is at most this. */
  maxSpacing: number;
}

function logSumExp(values: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) max = Math.max(max, values[i] as number);
  let total = 0;
  for (let i = 0; i < values.length; i++) total += Math.exp((values[i] as number) - max);
  return max + Math.log(total);
}

/**
 * The quadrature of one example `x` ([inputSize]) under `model`, whose latent has 1 or 2
 * dimensions. Each axis j is a uniform grid over [min(−12, μ_j − 12σ_j), max(12, μ_j + 12σ_j)]
 * with an even number of intervals, so that every other point is a grid of twice the spacing.
 */
export function quadrature(model: VAE, x: readonly number[], options: GridOptions): Quadrature {
  const halfWidth = options.halfWidth ?? 12;
  const latent = model.latentSize;
  if (latent !== 1 && latent !== 2) throw new RangeError(`quadrature: latent must have 1 or 2 dimensions, got ${latent}`);
  return noGrad(() => {
    const input = tensor([[...x]], { dtype: "float64" });
    const { mu, logVar } = model.encode(input);
    const means = Array.from(mu.data);
    const logVars = Array.from(logVar.data);
    const axes = means.map((m, j) => {
      const s = Math.exp(0.5 * (logVars[j] as number));
      const low = Math.min(-halfWidth, m - halfWidth * s);
      const high = Math.max(halfWidth, m + halfWidth * s);
      const intervals = 2 * Math.ceil((high - low) / options.maxSpacing / 2);
      const h = (high - low) / intervals;
      return { points: Float64Array.from({ length: intervals + 1 }, (_, i) => low + i * h), h };
    });
    const [first, second] = axes as [{ points: Float64Array; h: number }, { points: Float64Array; h: number } | undefined];
    const n0 = first.points.length;
    const n1 = second?.points.length ?? 1;
    const count = n0 * n1;
    const z = new Float64Array(count * latent);
    for (let a = 0; a < n0; a++) {
      for (let b = 0; b < n1; b++) {
        z[(a * n1 + b) * latent] = first.points[a] as number;
        if (second) z[(a * n1 + b) * latent + 1] = second.points[b] as number;
      }
    }
    const zTensor: Tensor = tensor(z, { shape: [count, latent] });
    // One batched decode of every grid point: log p(x|z_i).
    const logLikelihood = model.logLikelihood(model.decode(zTensor), input).data;

    const logPrior = new Float64Array(count);
    const logQ = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      let lp = 0;
      let lq = 0;
      for (let j = 0; j < latent; j++) {
        const zij = z[i * latent + j] as number;
        const lv = logVars[j] as number;
        lp += -0.5 * (zij * zij + LOG_2PI);
        lq += -0.5 * ((zij - (means[j] as number)) ** 2 / Math.exp(lv) + lv + LOG_2PI);
      }
      logPrior[i] = lp;
      logQ[i] = lq;
    }
    /** log of the trapezoid weight of point i, with `step` = 1 (every point) or 2 (every other). */
    const logWeight = (i: number, step: number): number => {
      const a = Math.floor(i / n1);
      const b = i % n1;
      const axisWeight = (index: number, n: number, h: number): number => (index === 0 || index === n - 1 ? 0.5 : 1) * h * step;
      let w = Math.log(axisWeight(a / step, (n0 - 1) / step + 1, first.h));
      if (second) w += Math.log(axisWeight(b / step, (n1 - 1) / step + 1, second.h));
      return w;
    };
    const joint = (step: number): number[] => {
      const out: number[] = [];
      for (let i = 0; i < count; i++) {
        const a = Math.floor(i / n1);
        const b = i % n1;
        if (a % step !== 0 || (second && b % step !== 0)) continue;
        out.push(logWeight(i, step) + (logLikelihood[i] as number) + (logPrior[i] as number));
      }
      return out;
    };
    const logEvidence = logSumExp(joint(1));
    const coarse = logSumExp(joint(2));

    let posteriorMass = 0;
    let expected = 0;
    let klPrior = 0;
    let klPosterior = 0;
    for (let i = 0; i < count; i++) {
      const wq = Math.exp(logWeight(i, 1) + (logQ[i] as number));
      const ll = logLikelihood[i] as number;
      posteriorMass += wq;
      expected += wq * ll;
      klPrior += wq * ((logQ[i] as number) - (logPrior[i] as number));
      // log p(z|x) = log p(x|z) + log p(z) − log p(x)
      klPosterior += wq * ((logQ[i] as number) - (ll + (logPrior[i] as number) - logEvidence));
    }
    let variance = 0;
    for (let i = 0; i < count; i++) variance += Math.exp(logWeight(i, 1) + (logQ[i] as number)) * ((logLikelihood[i] as number) - expected) ** 2;
    return {
      logEvidence,
      expectedLogLikelihood: expected,
      logLikelihoodVariance: variance,
      posteriorMass,
      klPrior,
      klPosterior,
      evidenceError: Math.abs(logEvidence - coarse),
      spacing: axes.map((axis) => axis.h),
    };
  });
}
