/**
 * A run folder: everything one training run leaves behind.
 *
 *   config.json          the model and training settings (what `loadRun` rebuilds the model from)
 *   model.safetensors    the last checkpoint: weights, Adam's state, the generator, epoch/step
 *   metrics.json         one entry per finished epoch
 *   *.png                pictures (see pictures.ts)
 *
 * Every file is written atomically, so a run killed at any moment resumes from its last epoch.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { loadSafetensors, readFileChecked, saveSafetensorsSync, writeFileAtomicSync } from "../io/files.js";
import { CheckpointError, type Checkpoint } from "../nn/index.js";
import { parseRunConfig, restoreRun, RunFolderError, type LatentModel, type RunConfig } from "../vae/index.js";

export { buildModel, parseRunConfig, RunFolderError, type ConfigChange, type ModelConfig, type RunConfig, type TrainingConfig } from "../vae/index.js";

export const CONFIG_FILE = "config.json";
export const CHECKPOINT_FILE = "model.safetensors";
export const METRICS_FILE = "metrics.json";
const MAX_JSON_BYTES = 16 << 20;

export interface EpochMetrics {
  epoch: number;
  /** Optimizer steps taken by the end of the epoch. */
  step: number;
  /** The epoch's learning rate (absent in runs written before --lr-schedule). */
  lr?: number;
  /** The KL weight β of the epoch's last step (below the target during warm-up). */
  beta: number;
  /** The ELBO and KL are null for an autoencoder, which has neither. */
  trainElbo: number | null;
  trainReconstruction: number;
  trainKl: number | null;
  testElbo: number | null;
  testReconstruction: number;
  testKl: number | null;
  /** IWAE runs: L_k on the training batches (running average) and on the test set. */
  trainBound?: number;
  testBound?: number;
  activeUnits: number;
  /** Steps not applied because their loss or gradient was not finite (--on-nonfinite skip-step). */
  skippedSteps: number;
  seconds: number;
  examplesPerSecond: number;
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
  model: LatentModel;
}

/** Rebuild the trained VAE or autoencoder of a run folder (weights only) for sampling, encoding, scoring. */
export function loadRun(dir: string): LoadedRun {
  const configPath = join(dir, CONFIG_FILE);
  if (!existsSync(configPath)) throw new RunFolderError(dir, `not a run folder (no ${CONFIG_FILE}); train one with "elbo train --out ${dir}"`);
  const config = parseRunConfig(readJson(configPath), configPath);
  if (!hasCheckpoint(dir)) throw new RunFolderError(dir, `has no ${CHECKPOINT_FILE} yet: its training has not finished an epoch (resume it with "elbo train --out ${dir} --resume")`);
  return { config, model: restoreRun(config, readCheckpoint(dir), join(dir, CHECKPOINT_FILE)) };
}
