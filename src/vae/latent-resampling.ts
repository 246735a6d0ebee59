/**
 * DB-VAE's resampling (Amini et al. 2019, §3.2, Algorithm 1): an example whose latent code is
 * rare is drawn more often. The density of the codes is estimated per latent dimension i by a
 * histogram Q̂_i of the posterior means over the training set, and each dimension's weights
 * w_i(x) = 1 / (Q̂_i(z_i(x)) + α) are combined over the dimensions:
 *
 *   "product"  W(x) ∝ Π_i w_i(x)              the paper's equation (taken in log space)
 *   "max"      W(x) ∝ max_i w_i(x) / Σ_x' w_i(x')   the MIT 6.S191 lab's code (the course of
 *                                              note 001): each dimension's weights normalized,
 *                                              then the largest
 *
 * α smooths: α → 0 weights by inverse density alone, α ≫ 1/bins draws nearly uniformly.
 * Q̂_i(bin) is the fraction of examples in the bin (its count over n), so α is on the scale of
 * those fractions whatever the spread of the codes. The product of many dimensions' weights
 * can put nearly all the mass on a few examples (see the effective sample size in
 * experiments/debias.ts); the max cannot exceed one dimension's spread.
 */
import type { Generator } from "../tensor/index.js";

export interface ResamplingOptions {
  /** Equal-width bins per latent dimension, over its range. Default 10. */
  bins?: number;
  /** Smoothing α ≥ 0. Default 0.01. */
  alpha?: number;
  /** How the dimensions' weights combine. Default "max". */
  combine?: "product" | "max";
}

/**
 * Sampling probabilities for `count` examples from their posterior means `mu` (row-major
 * [count, latent]): W(x) above, normalized to sum to 1.
 */
export function resamplingProbabilities(mu: ArrayLike<number>, count: number, latent: number, options: ResamplingOptions = {}): Float64Array {
  const bins = options.bins ?? 10;
  const alpha = options.alpha ?? 0.01;
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`resamplingProbabilities: bins must be a positive integer, got ${bins}`);
  if (!Number.isFinite(alpha) || alpha < 0) throw new RangeError(`resamplingProbabilities: alpha must be a finite number ≥ 0, got ${alpha}`);
  if (!Number.isInteger(count) || count < 1 || mu.length !== count * latent) {
    throw new RangeError(`resamplingProbabilities: ${mu.length} means do not fill [${count}, ${latent}]`);
  }
  const combine = options.combine ?? "max";
  if (combine !== "max" && combine !== "product") throw new RangeError(`resamplingProbabilities: combine must be "max" or "product", got ${String(combine)}`);
  const logWeights = new Float64Array(count); // product: Σ_i log w_i
  const maxWeights = new Float64Array(count); // max: max_i w_i / Σ w_i
  const binOf = new Int32Array(count);
  for (let d = 0; d < latent; d++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < count; i++) {
      const v = mu[i * latent + d] as number;
      if (!Number.isFinite(v)) throw new RangeError(`resamplingProbabilities: mean ${i}, dimension ${d} is not finite (${v})`);
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const width = (hi - lo) / bins;
    const counts = new Float64Array(bins);
    for (let i = 0; i < count; i++) {
      // The maximum goes in the last bin; a dimension with one value has all in bin 0.
      const bin = width > 0 ? Math.min(bins - 1, Math.floor(((mu[i * latent + d] as number) - lo) / width)) : 0;
      binOf[i] = bin;
      counts[bin] = (counts[bin] as number) + 1;
    }
    const weightOf = (i: number): number => 1 / ((counts[binOf[i] as number] as number) / count + alpha);
    let total = 0;
    for (let i = 0; i < count; i++) total += weightOf(i);
    for (let i = 0; i < count; i++) {
      logWeights[i] = (logWeights[i] as number) + Math.log(weightOf(i));
      maxWeights[i] = Math.max(maxWeights[i] as number, weightOf(i) / total);
    }
  }
  if (combine === "max") {
    const total = maxWeights.reduce((a, b) => a + b, 0);
    return maxWeights.map((w) => w / total);
  }
  // Normalize: subtract the largest log weight before exponentiating.
  const top = logWeights.reduce((a, b) => Math.max(a, b), -Infinity);
  const weights = logWeights.map((w) => Math.exp(w - top));
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / total);
}

/** `n` indices drawn with replacement with the given probabilities (inverse CDF, seeded). */
export function resampleIndices(probabilities: Float64Array, n: number, generator: Generator): Uint32Array {
  const cumulative = new Float64Array(probabilities.length);
  let total = 0;
  probabilities.forEach((p, i) => {
    if (!(p >= 0)) throw new RangeError(`resampleIndices: probability ${i} is ${p}`);
    total += p;
    cumulative[i] = total;
  });
  if (!(total > 0)) throw new RangeError("resampleIndices: the probabilities sum to 0");
  const indices = new Uint32Array(n);
  for (let k = 0; k < n; k++) {
    const u = generator.uniform() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] as number) > u) hi = mid;
      else lo = mid + 1;
    }
    indices[k] = lo;
  }
  return indices;
}
