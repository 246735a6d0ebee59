/**
 * Train a VAE or an autoencoder in memory for an experiment, with the trainer every run uses
 * (`trainEpoch` / `evaluate` and the model's objective), and measure it on the test split.
 * Same seed, same initial weights and batch order for both kinds.
 */
import { Adam } from "../nn/index.js";
import { Generator } from "../tensor/index.js";
import type { Dataset } from "../data/dataset.js";
import { Autoencoder, autoencoderObjective, elboObjective, evaluate, klWarmup, trainEpoch, VAE, type LatentModel } from "../vae/index.js";

/** How long an experiment trains each of its models: epochs, Adam's learning rate, examples per step. */
export interface TrainingBudget {
  epochs: number;
  lr: number;
  batchSize: number;
}

/** The budget `options` asks for, each field missing taken from `defaults`. */
export function budgetOf(options: Partial<TrainingBudget>, defaults: TrainingBudget): TrainingBudget {
  return { epochs: options.epochs ?? defaults.epochs, lr: options.lr ?? defaults.lr, batchSize: options.batchSize ?? defaults.batchSize };
}

/** "5 epochs of 9000 images (Adam 0.003, batch 64)": what a figure's subtitle says of the training. */
export function describeBudget(budget: TrainingBudget, trainCount: number): string {
  return `${budget.epochs} epoch${budget.epochs === 1 ? "" : "s"} of ${trainCount} images (Adam ${budget.lr}, batch ${budget.batchSize})`;
}

export interface ModelSpec extends TrainingBudget {
  kind: "vae" | "ae";
  latentSize: number;
  /** Default [400]. */
  hiddenSizes?: number[];
  /** Weight of the KL term (VAE). Default 1. */
  beta?: number;
  /** Weight of the reconstruction term (VAE). Default 1. */
  reconstructionWeight?: number;
  /** KL warm-up steps (VAE). Default 0. */
  warmupSteps?: number;
  seed?: number;
}

export interface TestTerms {
  /** log p(x|z) at a sampled z (VAE) or at the code (AE), nats per test image. */
  reconstruction: number;
  /** KL(q(z|x) ‖ p(z)) and the ELBO (VAE only; null for an AE, which has neither). */
  kl: number | null;
  elbo: number | null;
  /** Latent dimensions whose codes vary over the test set by more than 0.01. */
  activeUnits: number;
}

export interface TrainedModel {
  model: LatentModel;
  spec: ModelSpec;
  test: TestTerms;
  /** Wall time of training, seconds. */
  seconds: number;
}

function buildModel(spec: ModelSpec, inputSize: number): LatentModel {
  const settings = { inputSize, hiddenSizes: spec.hiddenSizes ?? [400], latentSize: spec.latentSize, generator: new Generator(spec.seed ?? 0) };
  return spec.kind === "ae" ? new Autoencoder(settings) : new VAE(settings);
}

/** Train `spec` on `train` and measure it on `test`; one line per epoch to `log`. */
export function trainLatentModel(spec: ModelSpec, train: Dataset, test: Dataset, log: (line: string) => void = () => {}): TrainedModel {
  const model = buildModel(spec, train.height * train.width);
  const optimizer = new Adam(model.parameters(), { lr: spec.lr });
  const seed = spec.seed ?? 0;
  const generator = new Generator(seed + 2);
    const started = performance.now();
  let step = 0;
  const name = describeSpec(spec);
  for (let epoch = 1; epoch <= spec.epochs; epoch++) {
    const common = { batchSize: spec.batchSize, generator, startStep: step, epoch };
    if (model.kind === "vae") {
      const objective = elboObjective((s) => klWarmup(s, spec.warmupSteps ?? 0, spec.beta ?? 1), { reconstructionWeight: spec.reconstructionWeight ?? 1 });
      const result = trainEpoch(model, optimizer, train, { objective, ...common });
      step += result.steps;
      if (epoch === spec.epochs || epoch % 5 === 0) log(`${name} epoch ${epoch}/${spec.epochs}: train ELBO ${result.elbo.toFixed(2)} (reconstruction ${result.reconstruction.toFixed(2)}, KL ${result.kl.toFixed(2)})`);
    } else {
      const result = trainEpoch(model, optimizer, train, { objective: autoencoderObjective(), ...common });
      step += result.steps;
      if (epoch === spec.epochs || epoch % 5 === 0) log(`${name} epoch ${epoch}/${spec.epochs}: train reconstruction ${result.reconstruction.toFixed(2)}`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return { model, spec, test: measureTest(model, test, seed), seconds };
}

function measureTest(model: LatentModel, test: Dataset, seed: number): TestTerms {
  const options = { batchSize: 1000, generator: new Generator(seed + 3) };
  if (model.kind === "vae") {
    const result = evaluate(model, test, { objective: elboObjective(), ...options });
    return { reconstruction: result.reconstruction, kl: result.kl, elbo: result.elbo, activeUnits: result.activeUnits ?? 0 };
  }
  const result = evaluate(model, test, { objective: autoencoderObjective(), ...options });
  return { reconstruction: result.reconstruction, kl: null, elbo: null, activeUnits: result.activeUnits ?? 0 };
}

/** "VAE (beta 4, 10-D)" and the like, for progress lines and titles. */
export function describeSpec(spec: ModelSpec): string {
  if (spec.kind === "ae") return `AE (${spec.latentSize}-D)`;
  const weights = [spec.reconstructionWeight !== undefined && spec.reconstructionWeight !== 1 ? `reconstruction x${spec.reconstructionWeight}` : "", spec.beta !== undefined && spec.beta !== 1 ? `beta ${spec.beta}` : ""].filter(Boolean);
  return `VAE (${[...weights, `${spec.latentSize}-D`].join(", ")})`;
}
