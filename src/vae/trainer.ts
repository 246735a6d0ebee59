/**
 * Training and evaluating a model over a dataset, one epoch at a time. The trainer knows the
 * model only through its `Objective` (the loss of a batch and its reported terms; the VAE's is
 * `elboObjective`), and guards every step: a NaN or ±∞ in the loss, a term or the gradient
 * stops the epoch with a `NonFiniteError` naming it, or skips that step (`onNonFinite`), and a
 * loss that explodes is reported. Browser-safe: files, terminals and checkpoints are the
 * caller's business (see src/cli/train.ts).
 */
import { concat, dropUnwritten, noGrad, tensor, type Tensor } from "../autograd/index.js";
import { checkGradients, ExplosionWatch, firstNonFinite, formatTerms, NonFiniteError, type Optimizer } from "../nn/index.js";
import { batchCount, binarizeDynamic, orderedBatches, pixelsOf, shuffledBatches, type Batch, type BinarizeMode, type Dataset } from "../data/dataset.js";
import type { DType, Generator } from "../tensor/index.js";
import { activeUnits } from "./latent.js";
import type { BatchLoss, Objective, Trainable } from "./objective.js";

/** What to do with a step whose loss or gradient is not finite. */
export type NonFiniteAction = "stop" | "skip-step";

/** Skipped steps in a row after which training stops anyway: the run is not coming back. */
export const MAX_CONSECUTIVE_SKIPS = 100;

/** Skipped steps of an epoch that get a warning each; the rest are only counted (`skipped`). */
const SKIP_WARNINGS_PER_EPOCH = 3;

export interface StepInfo<Term extends string = string> {
  /** Optimizer steps taken so far, over all epochs (after this one; a skipped step counts). */
  step: number;
  /** This step's index in the epoch (1-based) and the number of steps in the epoch. */
  epochStep: number;
  epochSteps: number;
  /** Examples in this batch. */
  batchSize: number;
  /** This batch's loss and terms (nats per example). */
  loss: number;
  terms: Record<Term, number>;
  /** ‖g‖₂ over all parameters (NaN when the loss was not finite and backward did not run). */
  gradNorm: number;
  /** True when the step was not applied (non-finite loss or gradient, `onNonFinite: "skip-step"`). */
  skipped: boolean;
}

export interface EpochOptions<M extends Trainable, Term extends string> {
  objective: Objective<M, Term>;
  batchSize: number;
  /** Shuffles the batches, draws the objective's noise (and the dynamic binarization). */
  generator: Generator;
  /** Optimizer steps taken before this epoch. */
  startStep: number;
  /** Binarize every batch afresh ("dynamic"); static binarization is done once, on the dataset. */
  binarize?: BinarizeMode | "none";
  /** "stop" (default): throw a `NonFiniteError`; "skip-step": leave the weights and Adam's state as they were. */
  onNonFinite?: NonFiniteAction;
  /** Watches the loss for explosions; pass one across epochs to keep its running median. Default: a new one. */
  explosionWatch?: ExplosionWatch;
  /** The epoch's number, for messages. */
  epoch?: number;
  onStep?: (info: StepInfo<Term>) => void;
  /** Skipped steps (the first 3 of an epoch) and exploding losses, one line each. */
  onWarning?: (message: string) => void;
}

/** An epoch's averages over the steps applied, and its step counts. */
export type EpochResult<Term extends string> = Record<Term, number> & {
  /** Steps taken (skipped ones included). */
  steps: number;
  /** Steps not applied because their loss or gradient was not finite. */
  skipped: number;
};

/** A batch as a [batch, pixels] tensor in the model's dtype, binarized afresh when asked. */
function batchTensor(batch: Batch, pixels: number, dtype: DType, binarize: BinarizeMode | "none" | undefined, generator: Generator): Tensor {
  const images = binarize === "dynamic" ? binarizeDynamic(batch.images, generator) : batch.images;
  return tensor(images, { shape: [batch.size, pixels], dtype });
}

function termValues<Term extends string>(terms: Record<Term, Tensor>): Record<Term, number> {
  const values = {} as Record<Term, number>;
  for (const name of Object.keys(terms) as Term[]) values[name] = terms[name].item();
  return values;
}

/** Sums of the batch averages, weighted by batch size, turned into dataset averages. */
class TermTotals<Term extends string> {
  private readonly sums = new Map<Term, number>();
  private count = 0;

  add(values: Record<Term, number>, size: number): void {
    for (const name of Object.keys(values) as Term[]) this.sums.set(name, (this.sums.get(name) ?? 0) + values[name] * size);
    this.count += size;
  }

  /** NaN for each term when nothing was added. */
  averages(names: readonly Term[]): Record<Term, number> {
    const averages = {} as Record<Term, number>;
    for (const name of names) averages[name] = (this.sums.get(name) ?? Number.NaN) / this.count;
    return averages;
  }
}

/** Why a step is not finite (a message and the term to name), or null when it is. */
function nonFiniteProblem(model: Trainable, loss: number, terms: Record<string, number>, backward: () => void): { problem: { term: string; what: string } | null; gradNorm: number } {
  const term = firstNonFinite(terms) ?? (Number.isFinite(loss) ? undefined : "loss");
  if (term !== undefined) return { problem: { term, what: `the ${term === "loss" ? "loss" : `${term} term`} is not finite (loss = ${loss}, ${formatTerms(terms)})` }, gradNorm: Number.NaN };
  backward();
  const gradients = checkGradients(model.namedParameters());
  if ("norm" in gradients) return { problem: null, gradNorm: gradients.norm };
  const what = gradients.count > 0
    ? `the gradient of ${gradients.parameter} holds ${gradients.count} NaN or infinite values of ${gradients.size} (the loss ${loss.toPrecision(6)} was finite)`
    : `the gradient's squared norm overflows (the loss ${loss.toPrecision(6)} was finite)`;
  return { problem: { term: "gradient", what }, gradNorm: Number.POSITIVE_INFINITY };
}

/**
 * One pass over `dataset` in shuffled batches: forward, backward, guard, optimizer step per
 * batch. Throws a `NonFiniteError` (before the optimizer step, so the weights stay finite)
 * unless `onNonFinite` is "skip-step". `trainEpochAsync` (interruptible.ts) runs the same steps
 * and pauses between them. Each step zeroes the gradients in place (`zeroGrad({ setToNone:
 * false })`; what a held `p.grad` then sees: `ZeroGradOptions`), so a `p.grad` held across steps
 * is overwritten by the next one (clone it to keep it), and while the objective runs, a
 * parameter that had a gradient holds zeros there, not null. A parameter the step's backward did
 * not reach, and every parameter after a skipped step or when the epoch throws, is left with a
 * null gradient, as after `zeroGrad()` (not stepped, not zeros): training has the bits, and
 * leaves the state, of `zeroGrad()`.
 */
export function trainEpoch<M extends Trainable, Term extends string>(model: M, optimizer: Optimizer, dataset: Dataset, options: EpochOptions<M, Term>): EpochResult<Term> {
  const steps = stepsOfEpoch(model, optimizer, dataset, options);
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
  }
}

/** The steps of one epoch, one per `next()` (the step's info), returning the epoch's result. */
export function* stepsOfEpoch<M extends Trainable, Term extends string>(model: M, optimizer: Optimizer, dataset: Dataset, options: EpochOptions<M, Term>): Iterator<StepInfo<Term>, EpochResult<Term>> {
  try {
    return yield* steps(model, optimizer, dataset, options);
  } catch (error) {
    dropUnwritten(optimizer.params); // the zeros of this step's zeroGrad in place: null, as after zeroGrad()
    throw error;
  }
}

function* steps<M extends Trainable, Term extends string>(model: M, optimizer: Optimizer, dataset: Dataset, options: EpochOptions<M, Term>): globalThis.Generator<StepInfo<Term>, EpochResult<Term>> {
  model.train();
  const pixels = pixelsOf(dataset);
  const epochSteps = batchCount(dataset.count, options.batchSize);
  const watch = options.explosionWatch ?? new ExplosionWatch();
  const totals = new TermTotals<Term>();
  let names: Term[] = [];
  let step = options.startStep;
  let epochStep = 0;
  let skipped = 0;
  let skippedInARow = 0;
  for (const batch of shuffledBatches(dataset, options.batchSize, options.generator)) {
    const x = batchTensor(batch, pixels, model.dtype, options.binarize, options.generator);
    // NOTE: in place, the weight gradients are written into the same arrays every step (no
    // fresh 1.25 MB arrays for the [400,784] weights). Bench VAE step, in-process A/B of 30-40
    // ABBA blocks of 40 steps (2026-12-04), paired medians of 4 runs each: 2 threads 0.51-0.57
    // ms of 7.5-8.3 saved (a noisy 4th run: 1.27); 1 thread 0.12-0.39 of 10.6-11.7 (a noisy 4th:
    // 0.91), within the noise. Same parameter bits.
    optimizer.zeroGrad({ setToNone: false });
    const batchLoss: BatchLoss<Term> = options.objective(model, x, { step, generator: options.generator, labels: batch.labels });
    const loss = batchLoss.loss.item();
    const terms = termValues(batchLoss.terms);
    names = Object.keys(terms) as Term[];
    epochStep++;
    const where = `${options.epoch === undefined ? "" : `epoch ${options.epoch}, `}step ${epochStep}/${epochSteps} (step ${step + 1} overall)`;
    const { problem, gradNorm } = nonFiniteProblem(model, loss, terms, () => batchLoss.loss.backward());
    dropUnwritten(optimizer.params); // a parameter this step did not reach is not stepped, as after zeroGrad()
    if (problem !== null) {
      if ((options.onNonFinite ?? "stop") === "stop") throw new NonFiniteError(`${where}: ${problem.what}`, { term: problem.term, step });
      optimizer.zeroGrad(); // null, as zeroGrad() leaves it, should this be the last step (rare: speed does not matter)
      skipped++;
      if (++skippedInARow >= MAX_CONSECUTIVE_SKIPS) {
        throw new NonFiniteError(`${where}: ${MAX_CONSECUTIVE_SKIPS} steps in a row were skipped; the last: ${problem.what}`, { term: problem.term, step });
      }
      if (skipped <= SKIP_WARNINGS_PER_EPOCH) {
        const more = skipped === SKIP_WARNINGS_PER_EPOCH ? "; further skipped steps of this epoch are counted, not shown" : "";
        options.onWarning?.(`${where}: skipped, ${problem.what}${more}`);
      }
    } else {
      skippedInARow = 0;
      optimizer.step();
      totals.add(terms, batch.size);
      if (watch.observe(loss)) {
        options.onWarning?.(`${where}: the loss exploded to ${loss.toPrecision(4)}, more than 1e4 times its running median ${watch.median().toPrecision(4)} (learning rate too high?)`);
      }
    }
    step++;
    const info: StepInfo<Term> = { step, epochStep, epochSteps, batchSize: batch.size, loss, terms, gradNorm, skipped: problem !== null };
    options.onStep?.(info);
    yield info;
  }
  return { ...totals.averages(names), steps: epochStep, skipped } as EpochResult<Term>;
}

/** A dataset's averaged terms, and the latent dimensions in use (null when the objective gives no codes). */
export type Evaluation<Term extends string> = Record<Term, number> & {
  /** Latent dimensions in use (posterior-mean variance above 0.01 over the dataset). */
  activeUnits: number | null;
};

/**
 * The terms of a whole dataset with one draw of the objective's noise per example (for the VAE:
 * one sampled z, as the PyTorch example's test loss), and the number of active units. No
 * gradients are recorded; the objective's loss is not used, only its terms.
 */
export function evaluate<M extends Trainable, Term extends string>(
  model: M,
  dataset: Dataset,
  options: { objective: Objective<M, Term>; batchSize: number; generator: Generator; binarize?: BinarizeMode | "none" },
): Evaluation<Term> {
  model.eval();
  const pixels = pixelsOf(dataset);
  const totals = new TermTotals<Term>();
  const codes: Tensor[] = [];
  let names: Term[] = [];
  noGrad(() => {
    for (const batch of orderedBatches(dataset, options.batchSize)) {
      const x = batchTensor(batch, pixels, model.dtype, options.binarize, options.generator);
      const batchLoss = options.objective(model, x, { step: 0, generator: options.generator, labels: batch.labels });
      const terms = termValues(batchLoss.terms);
      names = Object.keys(terms) as Term[];
      totals.add(terms, batch.size);
      if (batchLoss.codes) codes.push(batchLoss.codes);
    }
  });
  return {
    ...totals.averages(names),
    activeUnits: codes.length === 0 ? null : activeUnits(concat(codes, 0)).count,
  } as Evaluation<Term>;
}
