/**
 * A run's settings, `config.json` of a run folder, as data: what model was trained and how.
 * Pure (no files), so the CLI and the browser page read the same format; `restoreRun` rebuilds
 * the trained model (a VAE, or the deterministic autoencoder) from the settings and a checkpoint's tensors.
 */
import { restoreCheckpoint, type Checkpoint } from "../nn/index.js";
import { parseCorruption } from "../data/corruption.js";
import { Generator, PathError } from "../tensor/index.js";
import type { Activation, Architecture } from "./architecture.js";
import { VAE, type Likelihood } from "./model.js";
import { Autoencoder, type LatentModel } from "./autoencoder.js";

export interface ModelConfig {
  /** Absent in runs written before the conv architecture: "mlp". */
  arch?: Architecture;
  /** "vae" (the default, and what a config without it means) or "ae", the deterministic autoencoder. */
  kind?: "vae" | "ae";
  inputSize: number;
  height: number;
  width: number;
  hiddenSizes: number[];
  latentSize: number;
  likelihood: Likelihood;
  /** The dense layers' nonlinearity; absent in runs written before --activation: "relu". */
  activation?: Activation;
  /** The Gaussian decoder's log σ²: "learned" (--learned-variance); absent: fixed at 0 (σ² = 1). */
  outputLogVar?: "learned";
  /** A conditional VAE's classes (--conditional: the training labels' largest + 1); absent: unconditional. */
  classes?: number;
}

export interface TrainingConfig {
  data: string;
  epochs: number;
  batchSize: number;
  /** The base learning rate: the rate of every epoch, or of the schedule's first stage. */
  lr: number;
  /** "iwae": Burda et al.'s stages, lr · 10^(−i/7) in stage i of 3^i epochs (nn's `iwaeLearningRate`); absent: "constant". */
  lrSchedule?: "constant" | "iwae";
  /** Adam's ε (absent: 1e-8, torch's default; the IWAE paper: 1e-4). */
  adamEps?: number;
  beta: number;
  /** Weight of the reconstruction term (absent: 1; 0 trains on the KL alone). */
  reconstructionWeight?: number;
  warmupSteps: number;
  binarize: "none" | "static" | "dynamic";
  /** Held-out examples: the test split's real size (the file's own t10k split, or the seeded hold-out). */
  testSize: number;
  seed: number;
  /** Classes left out of both splits (absent in runs written before the flag existed). */
  excludeLabels?: number[];
  /** Threads of the matrix products (results are the same on any count). */
  threads?: number;
  /** What is maximized: the ELBO, or the importance-weighted bound L_k (absent: "elbo"). */
  objective?: "elbo" | "iwae";
  /** Importance samples per example of the IWAE objective (absent: 1). */
  k?: number;
  /** The denoising VAE's corruption of the encoder's input, "kind:level" (--corrupt); absent: none. */
  corrupt?: string;
}

/** A setting changed on --resume, holding from `fromEpoch` on. */
export interface ConfigChange {
  fromEpoch: number;
  flag: string;
  from: number | null;
  to: number;
}

export interface RunConfig {
  format: "elbo-run/1";
  model: ModelConfig;
  training: TrainingConfig;
  /** What --resume changed (--lr, --adam-eps, --epochs, --threads), in order. */
  changes?: ConfigChange[];
}

/** A run folder's file (config.json, metrics.json) that is missing or not what elbo wrote; names the path. */
export class RunFolderError extends PathError {
  override name = "RunFolderError";
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value > 0;
}

/** Validate a parsed config.json, naming the file and the first bad field. */
export function parseRunConfig(value: unknown, source: string): RunConfig {
  const bad = (what: string): Error => new RunFolderError(source, what);
  if (typeof value !== "object" || value === null) throw bad("not a JSON object");
  const config = value as Partial<RunConfig>;
  if (config.format !== "elbo-run/1") throw bad(`format must be "elbo-run/1", got ${JSON.stringify(config.format)}`);
  const model = config.model;
  if (typeof model !== "object" || model === null) throw bad("missing model settings");
  for (const key of ["inputSize", "height", "width", "latentSize"] as const) {
    if (!isPositiveInteger(model[key])) throw bad(`model.${key} must be a positive integer`);
  }
  if (model.height * model.width !== model.inputSize) throw bad("model.height × model.width must equal model.inputSize");
  if (model.arch !== undefined && model.arch !== "mlp" && model.arch !== "conv") throw bad('model.arch must be "mlp" or "conv"');
  if (model.arch === "conv" && (model.height % 4 !== 0 || model.width % 4 !== 0)) throw bad("model.height and model.width must be multiples of 4 for the conv architecture");
  if (!Array.isArray(model.hiddenSizes) || !model.hiddenSizes.every(isPositiveInteger)) throw bad("model.hiddenSizes must be a list of positive integers");
  if (model.likelihood !== "bernoulli" && model.likelihood !== "gaussian") throw bad('model.likelihood must be "bernoulli" or "gaussian"');
  if (model.activation !== undefined && model.activation !== "relu" && model.activation !== "tanh") throw bad('model.activation must be "relu" or "tanh"');
  if (model.classes !== undefined && !(isPositiveInteger(model.classes) && model.classes <= 256)) throw bad("model.classes must be an integer 1-256");
  if (model.outputLogVar !== undefined && !(model.outputLogVar === "learned" && model.likelihood === "gaussian")) throw bad('model.outputLogVar must be "learned", with the gaussian likelihood');
  if (model.kind !== undefined && model.kind !== "vae" && model.kind !== "ae") throw bad('model.kind must be "vae" or "ae"');
  const training = config.training;
  if (typeof training !== "object" || training === null) throw bad("missing training settings");
  if (typeof training.data !== "string") throw bad("training.data must be a string");
  for (const key of ["epochs", "batchSize", "testSize"] as const) {
    if (!isPositiveInteger(training[key])) throw bad(`training.${key} must be a positive integer`);
  }
  for (const key of ["warmupSteps", "seed"] as const) {
    if (!Number.isSafeInteger(training[key]) || training[key] < 0) throw bad(`training.${key} must be a non-negative integer`);
  }
  for (const key of ["lr", "beta"] as const) {
    if (typeof training[key] !== "number" || !Number.isFinite(training[key]) || training[key] < 0) throw bad(`training.${key} must be a finite number ≥ 0`);
  }
  if (training.lrSchedule !== undefined && training.lrSchedule !== "constant" && training.lrSchedule !== "iwae") throw bad('training.lrSchedule must be "constant" or "iwae"');
  if (training.adamEps !== undefined && !(typeof training.adamEps === "number" && Number.isFinite(training.adamEps) && training.adamEps >= 0)) throw bad("training.adamEps must be a finite number ≥ 0");
  if (training.excludeLabels !== undefined && !(Array.isArray(training.excludeLabels) && training.excludeLabels.every((l) => Number.isInteger(l) && l >= 0 && l <= 255))) {
    throw bad("training.excludeLabels must be a list of labels 0-255");
  }
  const weight = training.reconstructionWeight;
  if (weight !== undefined && (typeof weight !== "number" || !Number.isFinite(weight) || weight < 0)) throw bad("training.reconstructionWeight must be a finite number ≥ 0");
  if (!["none", "static", "dynamic"].includes(training.binarize)) throw bad('training.binarize must be "none", "static" or "dynamic"');
  if (training.threads !== undefined && !isPositiveInteger(training.threads)) throw bad("training.threads must be a positive integer");
  if (training.objective !== undefined && training.objective !== "elbo" && training.objective !== "iwae") throw bad('training.objective must be "elbo" or "iwae"');
  if (training.k !== undefined && !isPositiveInteger(training.k)) throw bad("training.k must be a positive integer");
  if (training.corrupt !== undefined) {
    try {
      parseCorruption(String(training.corrupt));
    } catch (error) {
      throw bad(`training.corrupt: ${(error as Error).message}`);
    }
  }
  const changes: unknown = config.changes;
  if (changes !== undefined && !(Array.isArray(changes) && changes.every(isConfigChange))) {
    throw bad("changes must be a list of { fromEpoch, flag, from, to }");
  }
  return config as RunConfig;
}

function isConfigChange(value: unknown): value is ConfigChange {
  if (typeof value !== "object" || value === null) return false;
  const change = value as Partial<ConfigChange>;
  return isPositiveInteger(change.fromEpoch) && typeof change.flag === "string" && typeof change.to === "number" && (change.from === null || typeof change.from === "number");
}

export function buildModel(config: ModelConfig, seed: number): LatentModel {
  const settings = {
    inputSize: config.inputSize,
    height: config.height,
    width: config.width,
    hiddenSizes: config.hiddenSizes,
    latentSize: config.latentSize,
    likelihood: config.likelihood,
    activation: config.activation ?? "relu",
    outputLogVar: config.outputLogVar ?? 0,
    classes: config.classes ?? 0,
    generator: new Generator(seed),
  };
  return config.kind === "ae" ? new Autoencoder(settings) : new VAE({ ...settings, arch: config.arch ?? "mlp" });
}

/**
 * The trained model of a run (a VAE, or an autoencoder for `kind: "ae"`), in eval mode: built from its settings, weights from the checkpoint
 * (`source`, the checkpoint's file, names it in errors).
 */
export function restoreRun(config: RunConfig, checkpoint: Checkpoint, source?: string): LatentModel {
  const model = buildModel(config.model, config.training.seed);
  restoreCheckpoint(checkpoint, { model }, source === undefined ? {} : { source });
  model.eval();
  return model;
}
