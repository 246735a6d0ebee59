/**
 * Training and evaluating a VAE over a dataset, one epoch at a time. Browser-safe: files,
 * terminals and checkpoints are the caller's business (see src/cli/train.ts).
 */
import { concat, noGrad, tensor, type Tensor } from "../autograd/index.js";
import type { Optimizer } from "../nn/index.js";
import { batchCount, binarizeDynamic, orderedBatches, pixelsOf, shuffledBatches, type Batch, type BinarizeMode, type Dataset } from "../data/dataset.js";
import type { Generator } from "../tensor/index.js";
import { elbo, type ElboTerms } from "./elbo.js";
import { activeUnits } from "./latent.js";
import type { VAE } from "./model.js";

/** Averages over the examples seen, in nats per example. */
export interface ElboAverages {
  elbo: number;
  reconstruction: number;
  kl: number;
}

export interface StepInfo {
  /** Optimizer steps taken so far, over all epochs (after this one). */
  step: number;
  /** This step's index in the epoch (1-based) and the number of steps in the epoch. */
  epochStep: number;
  epochSteps: number;
  /** Examples in this batch. */
  batchSize: number;
  /** This batch's ELBO, nats per example. */
  elbo: number;
}

export interface EpochOptions {
  batchSize: number;
  /** Shuffles the batches, draws ε (and the dynamic binarization). */
  generator: Generator;
  /** β as a function of the global step: a constant, or a KL warm-up (see `klWarmup`). */
  beta: (step: number) => number;
  /** Optimizer steps taken before this epoch. */
  startStep: number;
  /** Binarize every batch afresh ("dynamic"); static binarization is done once, on the dataset. */
  binarize?: BinarizeMode | "none";
  onStep?: (info: StepInfo) => void;
}

/** A batch as a [batch, pixels] tensor in the model's dtype, binarized afresh when asked. */
function batchTensor(batch: Batch, pixels: number, model: VAE, binarize: BinarizeMode | "none" | undefined, generator: Generator): Tensor {
  const images = binarize === "dynamic" ? binarizeDynamic(batch.images, generator) : batch.images;
  return tensor(images, { shape: [batch.size, pixels], dtype: model.dtype });
}

/** Sums of the batch averages, weighted by batch size, turned into dataset averages. */
class ElboTotals {
  private sums = { elbo: 0, reconstruction: 0, kl: 0 };
  private count = 0;

  add(terms: ElboTerms, size: number): number {
    const batchElbo = terms.elbo.item();
    this.sums.elbo += batchElbo * size;
    this.sums.reconstruction += terms.reconstruction.item() * size;
    this.sums.kl += terms.kl.item() * size;
    this.count += size;
    return batchElbo;
  }

  averages(): ElboAverages {
    return { elbo: this.sums.elbo / this.count, reconstruction: this.sums.reconstruction / this.count, kl: this.sums.kl / this.count };
  }
}

/** One pass over `dataset` in shuffled batches: forward, backward, optimizer step per batch. */
export function trainEpoch(model: VAE, optimizer: Optimizer, dataset: Dataset, options: EpochOptions): ElboAverages & { steps: number } {
  model.train();
  const pixels = pixelsOf(dataset);
  const epochSteps = batchCount(dataset.count, options.batchSize);
  const totals = new ElboTotals();
  let step = options.startStep;
  let epochStep = 0;
  for (const batch of shuffledBatches(dataset, options.batchSize, options.generator)) {
    const x = batchTensor(batch, pixels, model, options.binarize, options.generator);
    optimizer.zeroGrad();
    const terms = elbo(model, x, { beta: options.beta(step), generator: options.generator });
    terms.loss.backward();
    optimizer.step();
    step++;
    epochStep++;
    const batchElbo = totals.add(terms, batch.size);
    options.onStep?.({ step, epochStep, epochSteps, batchSize: batch.size, elbo: batchElbo });
  }
  return { ...totals.averages(), steps: epochStep };
}

export interface Evaluation extends ElboAverages {
  /** Latent dimensions in use (posterior-mean variance above 0.01 over the dataset). */
  activeUnits: number;
}

/**
 * The ELBO of a whole dataset with one sampled z per example (as the PyTorch example's test
 * loss), and the number of active units. No gradients are recorded.
 */
export function evaluate(model: VAE, dataset: Dataset, options: { batchSize: number; generator: Generator; binarize?: BinarizeMode | "none" }): Evaluation {
  model.eval();
  const pixels = pixelsOf(dataset);
  const totals = new ElboTotals();
  const means: Tensor[] = [];
  noGrad(() => {
    for (const batch of orderedBatches(dataset, options.batchSize)) {
      const terms = elbo(model, batchTensor(batch, pixels, model, options.binarize, options.generator), { generator: options.generator });
      totals.add(terms, batch.size);
      means.push(terms.posterior.mu);
    }
  });
  return {
    ...totals.averages(),
    activeUnits: means.length === 0 ? 0 : activeUnits(concat(means, 0)).count,
  };
}
