/**
 * What the trainer knows of a model: an objective, the loss of one batch and the terms reported
 * beside it. The VAE's is the negative β-weighted ELBO (`elboObjective`), or the negative
 * importance-weighted bound L_k (`iwaeObjective`, the IWAE); another model (an
 * autoencoder, a conditional VAE) brings its own, and `trainEpoch` / `evaluate` train and
 * measure it unchanged.
 */
import { tensor, type Tensor } from "../autograd/index.js";
import { corruptImages, type Corruption } from "../data/corruption.js";
import type { Module } from "../nn/index.js";
import type { DType, Generator } from "../tensor/index.js";
import { oneHot } from "./conditional.js";
import { elbo } from "./elbo.js";
import { iwae } from "./iwae.js";
import type { VAE } from "./model.js";

/** A model the trainer can train: named parameters, train/eval modes, and the dtype of its inputs. */
export type Trainable = Module & { readonly dtype: DType };

/** One batch's loss and its terms. */
export interface BatchLoss<Term extends string> {
  /** The scalar to minimize (backward is called on it). */
  loss: Tensor;
  /**
   * Scalars reported beside the loss, nats per example (averaged over the batch, as the loss),
   * in the order they are reported; a non-finite one is named by the training guard.
   */
  terms: Record<Term, Tensor>;
  /** The batch's latent codes [batch, latent] (posterior means), when the model has them: for the active units. */
  codes?: Tensor;
}

export interface ObjectiveContext {
  /** Optimizer steps taken before this batch (for schedules such as KL warm-up). */
  step: number;
  /** Draws the objective's noise (the VAE's ε, a denoising VAE's corruption). */
  generator: Generator;
  /** The batch's class labels (what a conditional VAE conditions on). */
  labels?: Uint8Array;
}

/** The one-hot labels a conditional VAE takes for this batch, or undefined for an unconditional one. */
function conditionOf(model: VAE, context: ObjectiveContext, what: string): Tensor | undefined {
  if (model.classes === 0) return undefined;
  if (context.labels === undefined) throw new RangeError(`${what}: a conditional VAE needs the batch's labels (ObjectiveContext.labels)`);
  return oneHot(context.labels, model.classes, model.dtype);
}

export interface ElboObjectiveOptions {
  /** Corrupt the encoder's input (the denoising VAE) with draws of the context's generator; the target stays `x`. */
  corruption?: Corruption;
  /** Weight w of the reconstruction term (default 1; 0: the KL alone). */
  reconstructionWeight?: number;
}

/** The loss of a batch `x` ([batch, features]) under `model`. */
export type Objective<M extends Trainable, Term extends string> = (model: M, x: Tensor, context: ObjectiveContext) => BatchLoss<Term>;

export type ElboTerm = "reconstruction" | "kl" | "elbo";

/** Averages over the examples seen, nats per example: E_q[log p(x|z)], KL(q ‖ p(z)) and their difference. */
export type ElboAverages = Record<ElboTerm, number>;

/**
 * The VAE's objective: loss −(w·reconstruction − β·KL) (eq. 13 in docs/elbo.md), with β a
 * function of the global step (a constant, or `klWarmup`) and w `reconstructionWeight` (default 1;
 * 0 trains on the KL alone); reports the reconstruction, the KL
 * and the ELBO, and the posterior means as the codes. A conditional VAE takes the batch's
 * labels (the CVAE's bound on log p(x|y)); with `corruption`, the encoder sees a corrupted x
 * and the terms are the denoising VAE's (log p(x | z), z ~ q(z | x̃)).
 */
export function elboObjective(beta: (step: number) => number = () => 1, options: ElboObjectiveOptions = {}): Objective<VAE, ElboTerm> {
  const { corruption, reconstructionWeight = 1 } = options;
  return (model, x, context) => {
    const { step, generator } = context;
    const labels = conditionOf(model, context, "elboObjective");
    const encoderInput = corruption === undefined ? undefined : tensor(corruptImages(x.data, corruption, generator), { shape: x.shape, dtype: x.dtype });
    const terms = elbo(model, x, { beta: beta(step), reconstructionWeight, generator, labels, encoderInput });
    return {
      loss: terms.loss,
      terms: { reconstruction: terms.reconstruction, kl: terms.kl, elbo: terms.elbo },
      codes: terms.posterior.mu,
    };
  };
}

/** The IWAE's reported terms: the ELBO's, and L_k as "bound". */
export type IwaeTerm = ElboTerm | "bound";

/**
 * The IWAE's objective (Burda et al. 2016): loss −L_k (eq. 14 in docs/elbo.md) with k draws per
 * example; reports L_k ("bound"), and the reconstruction, closed-form KL and ELBO of the same
 * draws, so that an IWAE run's curves compare with a VAE's; the posterior means as the codes.
 */
export function iwaeObjective(k: number): Objective<VAE, IwaeTerm> {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`iwaeObjective: k must be a positive integer, got ${k}`);
  return (model, x, context) => {
    const terms = iwae(model, x, k, { generator: context.generator, labels: conditionOf(model, context, "iwaeObjective") });
    return {
      loss: terms.loss,
      terms: { reconstruction: terms.reconstruction, kl: terms.kl, elbo: terms.elbo, bound: terms.bound },
      codes: terms.posterior.mu,
    };
  };
}
