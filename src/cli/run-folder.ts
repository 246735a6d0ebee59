/**
 * A run folder: everything one training run leaves behind.
 *
 *   config.json          the model and training settings (what `loadRun` rebuilds the VAE from)
 *   model.safetensors    the last checkpoint: weights, Adam's state, the generator, epoch/step
 *   metrics.json         one entry per finished epoch
 *   *.png                pictures (see pictures.ts)
 *
 * Every file is written atomically, so a run killed at any moment resumes from its last epoch.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { loadSafetensors, readFileChecked, saveSafetensorsSync, writeFileAtomicSync } from "../io/files.js";
import { CheckpointError, restoreCheckpoint, type Checkpoint } from "../nn/index.js";
import { Generator } from "../tensor/index.js";
import { parseCorruption } from "../data/index.js";
import { VAE, type Activation, type Architecture, type Likelihood } from "../vae/index.js";

export const CONFIG_FILE = "config.json";
export const CHECKPOINT_FILE = "model.safetensors";
export const METRICS_FILE = "metrics.json";
const MAX_JSON_BYTES = 16 << 20;

export interface ModelConfig {
  /** Absent in runs written before the conv architecture: "mlp". */
  arch?: Architecture;
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
  lr: number;
  beta: number;
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
  /** What --resume changed (--lr, --epochs, --threads), in order. */
  changes?: ConfigChange[];
}

export interface EpochMetrics {
  epoch: number;
  /** Optimizer steps taken by the end of the epoch. */
  step: number;
  /** The KL weight β of the epoch's last step (below the target during warm-up). */
  beta: number;
  trainElbo: number;
  trainReconstruction: number;
  trainKl: number;
  testElbo: number;
  testReconstruction: number;
  testKl: number;
  /** IWAE runs: L_k on the training batches (running average) and on the test set. */
  trainBound?: number;
  testBound?: number;
  activeUnits: number;
  /** Steps not applied because their loss or gradient was not finite (--on-nonfinite skip-step). */
  skippedSteps: number;
  seconds: number;
  examplesPerSecond: number;
}

/** A run folder's file (config.json, metrics.json) that is missing or not what elbo wrote; names the path. */
export class RunFolderError extends Error {
  override name = "RunFolderError";
  readonly path: string;

  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.path = path;
  }
}

export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

export function writeJson(path: string, value: unknown): void {
  writeFileAtomicSync(path, new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`));
}

/** Read and parse a JSON file that a user may have handed in: size-checked, parse errors named. */
export function readJson(path: string): unknown {
  const text = new TextDecoder().decode(readFileChecked(path, MAX_JSON_BYTES));
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new RunFolderError(path, `invalid JSON: ${(error as Error).message}`);
  }
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
  if (training.excludeLabels !== undefined && !(Array.isArray(training.excludeLabels) && training.excludeLabels.every((l) => Number.isInteger(l) && l >= 0 && l <= 255))) {
    throw bad("training.excludeLabels must be a list of labels 0-255");
  }
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

/** Where a checkpoint stands: the epoch it finished and the optimizer steps taken. */
export interface Progress {
  epoch: number;
  step: number;
}

/** Read the epoch and step a checkpoint's metadata records, naming the file when they are bad. */
export function checkpointProgress(metadata: Readonly<Record<string, string>>, source: string): Progress {
  const read = (key: string): number => {
    const value = Number(metadata[key]);
    if (metadata[key] === undefined || !Number.isSafeInteger(value) || value < 0) {
      throw new CheckpointError(`${source}: metadata "${key}" must be a non-negative integer, got ${JSON.stringify(metadata[key])}`, source);
    }
    return value;
  };
  return { epoch: read("epoch"), step: read("step") };
}

/**
 * The metrics of the epochs up to `epoch` from metrics.json (none when the file is missing: a run
 * killed before its first metrics were written). Each entry must be an object with a numeric epoch.
 */
export function readMetrics<M extends { epoch: number } = EpochMetrics>(dir: string, epoch: number): M[] {
  const path = join(dir, METRICS_FILE);
  if (!existsSync(path)) return [];
  const value = readJson(path);
  if (!Array.isArray(value) || !value.every((m) => typeof m === "object" && m !== null && Number.isInteger((m as M).epoch))) {
    throw new RunFolderError(path, `expected a list of per-epoch metrics, each with an integer "epoch"`);
  }
  return (value as M[]).filter((m) => m.epoch <= epoch);
}

export function buildModel(config: ModelConfig, seed: number): VAE {
  return new VAE({
    arch: config.arch ?? "mlp",
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
  });
}

export function readCheckpoint(dir: string): Checkpoint {
  return loadSafetensors(join(dir, CHECKPOINT_FILE));
}

export function writeCheckpoint(dir: string, checkpoint: Checkpoint): void {
  saveSafetensorsSync(join(dir, CHECKPOINT_FILE), checkpoint.tensors, checkpoint.metadata);
}

export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, CHECKPOINT_FILE));
}

export interface LoadedRun {
  config: RunConfig;
  model: VAE;
}

/** Rebuild the trained VAE of a run folder (weights only) for sampling, encoding, scoring. */
export function loadRun(dir: string): LoadedRun {
  const configPath = join(dir, CONFIG_FILE);
  if (!existsSync(configPath)) throw new RunFolderError(dir, `not a run folder (no ${CONFIG_FILE}); train one with "elbo train --out ${dir}"`);
  const config = parseRunConfig(readJson(configPath), configPath);
  if (!hasCheckpoint(dir)) throw new RunFolderError(dir, `has no ${CHECKPOINT_FILE} yet: its training has not finished an epoch (resume it with "elbo train --out ${dir} --resume")`);
  const model = buildModel(config.model, config.training.seed);
  restoreCheckpoint(readCheckpoint(dir), { model }, { source: join(dir, CHECKPOINT_FILE) });
  model.eval();
  return { config, model };
}
