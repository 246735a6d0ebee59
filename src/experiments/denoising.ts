/**
 * The denoising measurement: corrupt a dataset (seeded), reconstruct it through a VAE (the mean
 * of p(x | z = μ(x̃))), and score the corrupted and the denoised images against the clean ones:
 *
 *   BCE   −Σ_pixels [x log p + (1 − x) log(1 − p)], nats per image (averaged over images), with p
 *         clipped to [1e-6, 1 − 1e-6] (a corrupted pixel of exactly 0 or 1 would be infinite)
 *   PSNR  10 log10(1 / MSE) dB, peak 1, MSE over every pixel of every image (pooled, so one
 *         unchanged image cannot make it infinite)
 */
import { concat, noGrad, tensor } from "../autograd/index.js";
import { corruptImages, type Corruption } from "../data/corruption.js";
import { orderedBatches, pixelsOf, type Dataset } from "../data/dataset.js";
import type { Generator } from "../tensor/index.js";
import { oneHot, type VAE } from "../vae/index.js";

const CLIP = 1e-6;

export interface ImageErrors {
  /** Binary cross-entropy, nats per image. */
  bce: number;
  /** Peak signal-to-noise ratio, dB (peak 1). */
  psnr: number;
  mse: number;
}

/** BCE and PSNR of `predicted` against `clean`, both [count, pixels] back to back in [0, 1]. */
export function imageErrors(clean: ArrayLike<number>, predicted: ArrayLike<number>, pixels: number): ImageErrors {
  if (clean.length !== predicted.length || clean.length === 0 || clean.length % pixels !== 0) {
    throw new RangeError(`imageErrors: ${predicted.length} predicted values against ${clean.length} clean ones of ${pixels}-pixel images`);
  }
  let bce = 0;
  let squares = 0;
  for (let i = 0; i < clean.length; i++) {
    const x = clean[i] as number;
    const p = Math.min(1 - CLIP, Math.max(CLIP, predicted[i] as number));
    bce -= x * Math.log(p) + (1 - x) * Math.log(1 - p);
    squares += ((predicted[i] as number) - x) ** 2;
  }
  const mse = squares / clean.length;
  return { bce: bce / (clean.length / pixels), psnr: 10 * Math.log10(1 / mse), mse };
}

export interface Denoised {
  corrupted: Float32Array;
  denoised: Float32Array;
  /** Corrupted vs clean, and denoised vs clean. */
  corruptedErrors: ImageErrors;
  denoisedErrors: ImageErrors;
}

/** Corrupt every image of `data` with `generator`'s draws, denoise it with `model` (labels from the data when conditional), score both. */
export function denoiseDataset(model: VAE, data: Dataset, corruption: Corruption, generator: Generator, batchSize = 1000): Denoised {
  const pixels = pixelsOf(data);
  const corrupted = corruptImages(data.images, corruption, generator);
  const parts = noGrad(() =>
    [...orderedBatches({ ...data, images: corrupted }, batchSize)].map((batch) => {
      const x = tensor(batch.images, { shape: [batch.size, pixels], dtype: model.dtype });
      return model.reconstruct(x, model.classes > 0 ? oneHot(batch.labels, model.classes, model.dtype) : undefined);
    }),
  );
  const denoised = Float32Array.from(concat(parts, 0).data);
  return { corrupted, denoised, corruptedErrors: imageErrors(data.images, corrupted, pixels), denoisedErrors: imageErrors(data.images, denoised, pixels) };
}
