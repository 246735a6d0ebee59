/**
 * An epoch that lets other work run: `trainEpochAsync` takes the same steps as `trainEpoch`
 * (the same numbers: pausing changes no draw and no weight) and hands control back between
 * steps, every `pauseEveryMs` of work, so that a page stays responsive or a process notices
 * Ctrl-C. An aborted `signal` stops the epoch at the next step boundary with a
 * `TrainingInterrupted`; the weights then hold that step's update, so the caller keeps its
 * last checkpoint, not them. Browser-safe: the pause is a `setTimeout(0)` unless one is given.
 */
import type { Optimizer } from "../nn/index.js";
import { batchCount, type Dataset } from "../data/dataset.js";
import type { Trainable } from "./objective.js";
import { stepsOfEpoch, type EpochOptions, type EpochResult } from "./trainer.js";

export interface PauseOptions {
  /** Stops the epoch at the next step boundary when aborted. */
  signal?: AbortSignal;
  /** Work between two pauses, in milliseconds (default 100). The epoch also pauses before its first step. */
  pauseEveryMs?: number;
  /** How to hand control back (default: a `setTimeout` of 0 ms; Node's `setImmediate` is cheaper). */
  pause?: () => Promise<void>;
}

/** Where an epoch stopped because its signal was aborted. */
export class TrainingInterrupted extends Error {
  override name = "TrainingInterrupted";
  /** The epoch's number (as given in the options; undefined when none was). */
  readonly epoch: number | undefined;
  /** Steps of the epoch taken before it stopped (0: stopped before its first), of `epochSteps`. */
  readonly epochStep: number;
  readonly epochSteps: number;
  /** Optimizer steps taken so far, over all epochs. */
  readonly step: number;

  constructor(details: { epoch: number | undefined; epochStep: number; epochSteps: number; step: number }) {
    super(`training interrupted${details.epoch === undefined ? "" : ` in epoch ${details.epoch}`} after step ${details.epochStep}/${details.epochSteps} (step ${details.step} overall)`);
    this.epoch = details.epoch;
    this.epochStep = details.epochStep;
    this.epochSteps = details.epochSteps;
    this.step = details.step;
  }
}

const timeoutPause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** `trainEpoch`, pausing every `pauseEveryMs` and stopping at a step boundary once `signal` is aborted. */
export async function trainEpochAsync<M extends Trainable, Term extends string>(
  model: M,
  optimizer: Optimizer,
  dataset: Dataset,
  options: EpochOptions<M, Term> & PauseOptions,
): Promise<EpochResult<Term>> {
  const { signal, pauseEveryMs = 100, pause = timeoutPause } = options;
  const steps = stepsOfEpoch(model, optimizer, dataset, options);
  let taken = { epochStep: 0, epochSteps: batchCount(dataset.count, options.batchSize), step: options.startStep };
  let paused = Number.NEGATIVE_INFINITY;
  for (;;) {
    if (performance.now() - paused >= pauseEveryMs) {
      await pause();
      paused = performance.now();
    }
    if (signal?.aborted === true) throw new TrainingInterrupted({ epoch: options.epoch, ...taken });
    const next = steps.next();
    if (next.done === true) return next.value;
    taken = next.value;
  }
}
