/**
 * Training a GAN one epoch at a time: per batch, one discriminator step then one generator
 * step (Goodfellow et al. 2014, Algorithm 1 with k = 1), both on fresh noise from the caller's
 * seeded `Generator`. Browser-safe; files and checkpoints are the caller's business.
 *
 * One optimizer holds every parameter of the GAN: Adam's state and its bias correction are
 * per parameter, and `step()` skips parameters without a gradient, so stepping with only D's
 * gradients and then only G's is exactly two optimizers (torch's usual setup), and the GAN
 * checkpoints as one model with one optimizer.
 */
import { noGrad, tensor, type Tensor } from "../autograd/index.js";
import { batchCount, pixelsOf, shuffledBatches, type Dataset } from "../data/dataset.js";
import { checkGradients, NonFiniteError, type Optimizer } from "../nn/index.js";
import type { Generator } from "../tensor/index.js";
import { discriminatorLoss, generatorLoss, type GAN } from "./gan.js";

/** Averages over the epoch's examples: both losses, and D's mean probability of "real". */
export interface GanEpochAverages {
  discriminatorLoss: number;
  generatorLoss: number;
  /** E[D(x)] on real images and E[D(G(z))] on generated ones, before the steps. */
  realProbability: number;
  fakeProbability: number;
}

export interface GanStepInfo {
  epochStep: number;
  epochSteps: number;
  batchSize: number;
  discriminatorLoss: number;
  generatorLoss: number;
}

export interface GanEpochOptions {
  batchSize: number;
  /** Shuffles the batches and draws the noise. */
  generator: Generator;
  /** Steps taken before this epoch, and the epoch's number: for the guard's messages. */
  startStep?: number;
  epoch?: number;
  onStep?: (info: GanStepInfo) => void;
}

/**
 * The training guard of one G or D step (as the VAE's: nn/guard.ts): throws a `NonFiniteError`
 * naming the loss, the epoch step and, for a finite loss, the first parameter whose gradient is
 * not finite, before the optimizer step, so the weights stay finite. Returns the loss's value.
 */
function guardStep(gan: GAN, name: "discriminator" | "generator", loss: Tensor, where: { text: string; step: number }, backward: () => void): number {
  const value = loss.item();
  if (!Number.isFinite(value)) throw new NonFiniteError(`${where.text}: the ${name} loss is not finite (${value})`, { term: name, step: where.step });
  backward();
  const gradients = checkGradients(gan.namedParameters());
  if (!("norm" in gradients)) {
    const what = gradients.count > 0 ? `holds ${gradients.count} NaN or infinite values of ${gradients.size}` : "overflows";
    throw new NonFiniteError(`${where.text}: the ${name} step's gradient of ${gradients.parameter} ${what} (the loss ${value} was finite)`, { term: "gradient", step: where.step });
  }
  return value;
}

/** Mean σ(logit): D's average probability of "real". */
const meanProbability = (logits: Tensor): number => noGrad(() => logits.sigmoid().mean().item());

/** One pass over `dataset`: a D step and a G step per shuffled batch. */
export function trainGanEpoch(gan: GAN, optimizer: Optimizer, dataset: Dataset, options: GanEpochOptions): GanEpochAverages & { steps: number } {
  gan.train();
  const pixels = pixelsOf(dataset);
  const epochSteps = batchCount(dataset.count, options.batchSize);
  const sums = { discriminatorLoss: 0, generatorLoss: 0, realProbability: 0, fakeProbability: 0 };
  const discriminatorParameters = gan.discriminatorParameters();
  let epochStep = 0;
  for (const batch of shuffledBatches(dataset, options.batchSize, options.generator)) {
    epochStep++;
    const step = (options.startStep ?? 0) + epochStep - 1;
    const where = { text: `GAN training, ${options.epoch === undefined ? "" : `epoch ${options.epoch}, `}step ${epochStep}/${epochSteps} (step ${step + 1} overall)`, step };
    const real = tensor(batch.images, { shape: [batch.size, pixels], dtype: gan.dtype });
    const fake = gan.generate(gan.noise(batch.size, options.generator));
    // D step: G(z) detached, so only D's parameters get gradients.
    optimizer.zeroGrad();
    const realLogits = gan.discriminate(real);
    const fakeLogits = gan.discriminate(fake.detach());
    const dLoss = discriminatorLoss(realLogits, fakeLogits);
    const dValue = guardStep(gan, "discriminator", dLoss, where, () => dLoss.backward());
    optimizer.step();
    // G step against the updated D; D's gradients are dropped so that only G moves.
    optimizer.zeroGrad();
    const gLoss = generatorLoss(gan.discriminate(fake));
    const gValue = guardStep(gan, "generator", gLoss, where, () => {
      gLoss.backward();
      for (const p of discriminatorParameters) p.grad = null;
    });
    optimizer.step();

    sums.discriminatorLoss += dValue * batch.size;
    sums.generatorLoss += gValue * batch.size;
    sums.realProbability += meanProbability(realLogits) * batch.size;
    sums.fakeProbability += meanProbability(fakeLogits) * batch.size;
    options.onStep?.({ epochStep, epochSteps, batchSize: batch.size, discriminatorLoss: dValue, generatorLoss: gValue });
  }
  const n = dataset.count;
  return {
    discriminatorLoss: sums.discriminatorLoss / n,
    generatorLoss: sums.generatorLoss / n,
    realProbability: sums.realProbability / n,
    fakeProbability: sums.fakeProbability / n,
    steps: epochStep,
  };
}
