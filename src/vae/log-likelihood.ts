/**
 * The test-set log-likelihood of a VAE by importance sampling, as density-estimation tables
 * report it (Burda et al. 2016, sec. 5: k = 5000): for each image, the log-mean-exp of k log
 * weights (L_k of eq. 14, which rises to log p(x) as k grows), then the mean over the images.
 *
 * Any k fits in memory: images are taken a few at a time and their k draws in chunks of at most
 * `samplesPerBatch` decodes, combined by a running log-sum-exp. Two errors are reported:
 *
 * - `standardError`: sd(log p̂(x)) / √n, the spread of the per-image values over the test set
 *   (what "±" means in the tables; it does not shrink with k);
 * - `samplingError`: the Monte Carlo error of the mean itself, √(Σ_x Var log p̂(x)) / n, each
 *   image's variance by the delta method, Var log p̂ ≈ (mean(w²) / mean(w)² − 1) / k. It is
 *   itself an estimate, and optimistic when a few weights dominate (a heavy-tailed q).
 */
import { tensor } from "../autograd/index.js";
import type { Dataset } from "../data/dataset.js";
import type { Generator } from "../tensor/index.js";
import { oneHot } from "./conditional.js";
import { iwaeLogWeights } from "./iwae.js";
import type { VAE } from "./model.js";

/** Decodes per chunk by default: [20,000, 784] float32 logits are 63 MB. */
export const DEFAULT_SAMPLES_PER_BATCH = 20_000;

export interface LogLikelihoodOptions {
  /** Importance samples per image. */
  k: number;
  generator: Generator;
  /** Largest number of z decoded at once (images × samples). Default 20,000. */
  samplesPerBatch?: number;
  /** Called after each group of images: images done so far, and the total. */
  onProgress?: (done: number, total: number) => void;
}

export interface LogLikelihoodEstimate {
  /** log p̂(x) of each image, nats. */
  logPx: Float64Array;
  /** Mean of log p̂(x) over the images, nats; −mean is the NLL of the tables. */
  mean: number;
  /** sd(log p̂(x)) / √n. */
  standardError: number;
  /** Monte Carlo error of `mean` (delta method; NaN for k = 1); see the file's header. */
  samplingError: number;
  k: number;
}

/** Running log Σ w and log Σ w² of one image's weights, with the largest log weight factored out. */
class WeightSums {
  max = -Infinity;
  sum = 0; // Σ exp(log w − max)
  sumSquares = 0; // Σ exp(2 (log w − max))

  add(logWeight: number): void {
    if (logWeight > this.max) {
      const scale = Math.exp(this.max - logWeight);
      this.sum *= scale;
      this.sumSquares *= scale * scale;
      this.max = logWeight;
    }
    const w = Math.exp(logWeight - this.max);
    this.sum += w;
    this.sumSquares += w * w;
  }

  /** log (1/k) Σ w_i. */
  logMean(k: number): number {
    return this.max + Math.log(this.sum) - Math.log(k);
  }

  /** Delta-method variance of logMean: (k Σw² / (Σw)² − 1) / k; NaN for k = 1 (one draw has no spread to measure). */
  variance(k: number): number {
    return k === 1 ? NaN : Math.max(0, (k * this.sumSquares) / (this.sum * this.sum) - 1) / k;
  }
}

function checkOptions(k: number, samplesPerBatch: number): void {
  if (!Number.isSafeInteger(k) || k < 1) throw new RangeError(`estimateLogLikelihood: k must be a positive integer, got ${k}`);
  if (!Number.isSafeInteger(samplesPerBatch) || samplesPerBatch < 1) {
    throw new RangeError(`estimateLogLikelihood: samplesPerBatch must be a positive integer, got ${samplesPerBatch}`);
  }
}

/**
 * log p̂(x) = L_k(x) of every image of `data` (eq. 14), with its mean and errors (a conditional
 * VAE's log p̂(x|y), y the data's labels). No gradients are recorded.
 */
export function estimateLogLikelihood(model: VAE, data: Dataset, options: LogLikelihoodOptions): LogLikelihoodEstimate {
  const { k, generator } = options;
  const samplesPerBatch = options.samplesPerBatch ?? DEFAULT_SAMPLES_PER_BATCH;
  checkOptions(k, samplesPerBatch);
  const pixels = model.inputSize;
  if (data.height * data.width !== pixels) {
    throw new RangeError(`estimateLogLikelihood: a model of ${pixels} inputs cannot score ${data.name} (${data.height}×${data.width})`);
  }
  // The mean of no images is 0 / 0: refuse it rather than return NaN.
  if (data.count === 0) throw new RangeError(`estimateLogLikelihood: ${data.name} holds no images, so there is no log-likelihood to estimate`);
  const imagesPerBatch = Math.max(1, Math.floor(samplesPerBatch / k));
  const chunk = Math.min(k, samplesPerBatch);
  const logPx = new Float64Array(data.count);
  let varianceSum = 0;
  for (let start = 0; start < data.count; start += imagesPerBatch) {
    const end = Math.min(start + imagesPerBatch, data.count);
    const x = tensor(data.images.slice(start * pixels, end * pixels), { shape: [end - start, pixels], dtype: model.dtype });
    const labels = model.classes > 0 ? oneHot(data.labels.subarray(start, end), model.classes, model.dtype) : undefined;
    const sums = Array.from({ length: end - start }, () => new WeightSums());
    for (let drawn = 0; drawn < k; drawn += chunk) {
      const draws = Math.min(chunk, k - drawn);
      const logWeights = iwaeLogWeights(model, x, draws, { generator, labels }).data; // [draws, images]
      for (let i = 0; i < draws; i++) for (let b = 0; b < sums.length; b++) (sums[b] as WeightSums).add(logWeights[i * sums.length + b] as number);
    }
    sums.forEach((s, b) => {
      logPx[start + b] = s.logMean(k);
      varianceSum += s.variance(k);
    });
    options.onProgress?.(end, data.count);
  }
  const n = data.count;
  const mean = logPx.reduce((a, b) => a + b, 0) / n;
  const spread = n > 1 ? logPx.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1) : NaN;
  return { logPx, mean, standardError: Math.sqrt(spread / n), samplingError: Math.sqrt(varianceSum) / n, k };
}
