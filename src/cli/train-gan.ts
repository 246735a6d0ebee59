/**
 * `elbo train --model gan`: a GAN (models/gan.ts) on the same run-folder machinery as the VAE:
 * config.json, the checkpoint rewritten atomically after every epoch (weights, Adam's state,
 * the generator), metrics.json, and `--resume` continuing bit-identically (and honestly: a flag
 * that shapes the model or the data cannot change, --lr / --epochs / --threads may; resume.ts). Pictures: a samples
 * grid after every epoch (samples-epoch-N.png, the same noise each time), samples.png and
 * curves.png (both losses per epoch).
 */
import { join } from "node:path";
import { batchCount, type Dataset } from "../data/index.js";
import { writeFileAtomicSync } from "../io/files.js";
import { imageGridPng } from "../io/grid.js";
import { linePlot } from "../io/plots.js";
import { ProgressReporter, type ProgressStream } from "../io/progress.js";
import { GAN } from "../models/gan.js";
import { trainGanEpoch, type GanEpochAverages } from "../models/gan-trainer.js";
import { Adam, captureCheckpoint, restoreCheckpoint, type Checkpoint } from "../nn/index.js";
import { Generator, kernelPath } from "../tensor/index.js";
import { flagBoolean, flagGiven, flagInts, flagNumber, flagString, UsageError, type ParsedFlags } from "./args.js";
import { changeLine, nothingToTrainLine, refuseChangedFlags, resumedTraining } from "./resume.js";
import {
  checkpointProgress,
  CHECKPOINT_FILE,
  CONFIG_FILE,
  ensureDir,
  hasCheckpoint,
  METRICS_FILE,
  readCheckpoint,
  readJson,
  readMetrics,
  writeCheckpoint,
  writeJson,
  type ConfigChange,
  type Progress,
} from "./run-folder.js";
import { getNumThreads } from "../threads/node.js";
import { loadSplits } from "./splits.js";

export const GAN_RUN_FORMAT = "elbo-gan-run/1";
/** Adam's betas for GANs (Radford et al. 2016): a shorter memory of the first moment. */
const GAN_BETAS = [0.5, 0.999] as const;
const GAN_DEFAULT_LR = 2e-4;

export interface GanRunConfig {
  format: typeof GAN_RUN_FORMAT;
  model: { inputSize: number; height: number; width: number; hiddenSizes: number[]; latentSize: number };
  training: { data: string; epochs: number; batchSize: number; lr: number; betas: [number, number]; testSize: number; seed: number; threads?: number };
  /** What --resume changed (--lr, --epochs, --threads), in order. */
  changes?: ConfigChange[];
}

export interface GanEpochMetrics extends GanEpochAverages {
  epoch: number;
  step: number;
  seconds: number;
  examplesPerSecond: number;
}

/** True when the run folder's config.json is a GAN run's (for `--resume` without `--model`). */
export function isGanRun(dir: string): boolean {
  const value = readJson(join(dir, CONFIG_FILE));
  return typeof value === "object" && value !== null && (value as { format?: unknown }).format === GAN_RUN_FORMAT;
}

function parseGanConfig(value: unknown, source: string): GanRunConfig {
  const config = value as Partial<GanRunConfig>;
  const positive = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;
  const model = config.model;
  const training = config.training;
  const bad = (what: string): never => {
    throw new Error(`${source}: ${what}`);
  };
  if (config.format !== GAN_RUN_FORMAT) bad(`format must be "${GAN_RUN_FORMAT}"`);
  if (!model || !["inputSize", "height", "width", "latentSize"].every((k) => positive(model[k as keyof typeof model]))) bad("model sizes must be positive integers");
  if (!Array.isArray(model?.hiddenSizes) || !model.hiddenSizes.every(positive)) bad("model.hiddenSizes must be a list of positive integers");
  if (!training || typeof training.data !== "string" || !positive(training.epochs) || !positive(training.batchSize) || !positive(training.testSize)) bad("training needs data, epochs, batchSize and testSize");
  if (!(Number.isFinite(training?.lr) && (training?.lr as number) >= 0) || !Number.isSafeInteger(training?.seed)) bad("training.lr and training.seed must be numbers");
  return config as GanRunConfig;
}

function configFromFlags(flags: ParsedFlags, train: Dataset): GanRunConfig {
  const lr = flags.lr;
  return {
    format: GAN_RUN_FORMAT,
    model: { inputSize: train.height * train.width, height: train.height, width: train.width, hiddenSizes: flagInts(flags, "hidden"), latentSize: flagNumber(flags, "latent") },
    training: {
      data: flagString(flags, "data"),
      epochs: flagNumber(flags, "epochs"),
      batchSize: flagNumber(flags, "batch-size"),
      lr: typeof lr === "number" ? lr : GAN_DEFAULT_LR,
      betas: [...GAN_BETAS],
      testSize: flagNumber(flags, "test-size"),
      seed: flagNumber(flags, "seed"),
      threads: getNumThreads(),
    },
  };
}

/** The GAN of a config, seeded like the VAE runs (weights from the seed). */
export function buildGan(config: GanRunConfig): GAN {
  return new GAN({ inputSize: config.model.inputSize, latentSize: config.model.latentSize, hiddenSizes: config.model.hiddenSizes, generator: new Generator(config.training.seed) });
}

/** 64 samples on noise fixed by the seed, so the per-epoch grids show one set of z evolving. */
export function ganSamplesPng(gan: GAN, config: GanRunConfig, count = 64): Uint8Array {
  const images = gan.sample(count, { generator: new Generator(config.training.seed + 5) });
  return imageGridPng({ data: images.data, count, height: config.model.height, width: config.model.width }, { cols: Math.ceil(Math.sqrt(count)), scale: 2 });
}

function ganCurvesPng(metrics: readonly GanEpochMetrics[]): Uint8Array {
  const x = metrics.map((m) => m.epoch);
  return linePlot(
    [
      { name: "discriminator loss", values: metrics.map((m) => m.discriminatorLoss), x },
      { name: "generator loss", values: metrics.map((m) => m.generatorLoss), x },
    ],
    { title: "GAN losses per epoch (nats)", xLabel: "epoch", yLabel: "nats" },
  ).canvas.toPng();
}

/** VAE settings that mean nothing to a GAN: given with --model gan, an error rather than ignored. */
const VAE_ONLY_FLAGS = ["exclude-labels", "arch", "likelihood", "learned-variance", "activation", "objective", "k", "beta", "warmup", "binarize", "conditional", "corrupt", "on-nonfinite", "preset", "lr-schedule", "adam-eps"];

/** A GAN run about to be trained: its config, what --resume changed, the checkpoint to continue from, its data. */
interface PreparedGan {
  config: GanRunConfig;
  changes: ConfigChange[];
  checkpoint: Checkpoint | null;
  done: Progress;
  train: Dataset;
}

/**
 * A fresh GAN run from the flags, or the saved one reconciled with them (honest resume, as the
 * VAE's: resume.ts); null (nothing written) when --epochs leaves nothing to train.
 */
function prepareGan(dir: string, flags: ParsedFlags, log: (line: string) => void): PreparedGan | null {
  const vaeOnly = VAE_ONLY_FLAGS.find((flag) => flagGiven(flags, flag));
  if (vaeOnly !== undefined) throw new UsageError(`--${vaeOnly}: not supported with --model gan (a setting of the VAE)`);
  if (!flagBoolean(flags, "resume")) {
    if (hasCheckpoint(dir)) throw new UsageError(`${dir} already holds a run; pass --resume to continue it, or choose another --out`);
    log(`Loading ${flagString(flags, "data")} ...`);
    const { train } = loadSplits(flagString(flags, "data"), flagNumber(flags, "test-size"), flagNumber(flags, "seed"));
    return { config: configFromFlags(flags, train), changes: [], checkpoint: null, done: { epoch: 0, step: 0 }, train };
  }
  if (!hasCheckpoint(dir)) throw new UsageError(`--resume: ${dir} has no checkpoint to resume from`);
  const saved = parseGanConfig(readJson(join(dir, CONFIG_FILE)), join(dir, CONFIG_FILE));
  const { model, training: t } = saved;
  const fixed = [["data", t.data], ["latent", model.latentSize], ["hidden", model.hiddenSizes], ["batch-size", t.batchSize], ["test-size", t.testSize], ["seed", t.seed]] as const;
  refuseChangedFlags(fixed, flags, dir);
  const checkpoint = readCheckpoint(dir);
  const done = checkpointProgress(checkpoint.metadata, join(dir, CHECKPOINT_FILE));
  const { training, changes } = resumedTraining(t, flags, done.epoch + 1, getNumThreads());
  if (training.epochs <= done.epoch) {
    log(nothingToTrainLine(dir, done.epoch, training.epochs));
    return null;
  }
  log(`Loading ${t.data} ...`);
  const { train } = loadSplits(t.data, t.testSize, t.seed);
  return { config: { ...saved, training, changes: [...(saved.changes ?? []), ...changes] }, changes, checkpoint, done, train };
}

/** Train (or resume) a GAN run in the run folder `dir` (locked by the caller: train.ts). */
export function runGanTrain(dir: string, flags: ParsedFlags, log: (line: string) => void, stream: ProgressStream): void {
  const run = prepareGan(dir, flags, log);
  if (run === null) return;
  const { config, train } = run;
  const { training } = config;
  const gan = buildGan(config);
  const optimizer = new Adam(gan.parameters(), { lr: training.lr, betas: training.betas });
  const generator = new Generator(training.seed + 2);
  let metrics: GanEpochMetrics[] = [];
  if (run.checkpoint !== null) {
    restoreCheckpoint(run.checkpoint, { model: gan, optimizer, generator }, { source: join(dir, CHECKPOINT_FILE) });
    optimizer.lr = training.lr; // the checkpoint's, or the one --lr changed it to
    metrics = readMetrics<GanEpochMetrics>(dir, run.done.epoch);
    log(`Resuming ${dir} after epoch ${run.done.epoch} (step ${run.done.step})`);
    for (const change of run.changes) log(changeLine(change));
  }
  ensureDir(dir);
  writeJson(join(dir, CONFIG_FILE), config);
  const sizes = (s: number[]): string => s.join("-");
  log(`Training a GAN, G ${sizes([config.model.latentSize, ...config.model.hiddenSizes, config.model.inputSize])}, D ${sizes([config.model.inputSize, ...[...config.model.hiddenSizes].reverse(), 1])} (${gan.parameterCount().toLocaleString("en-US")} parameters), Adam lr ${training.lr} betas (${training.betas.join(", ")}), on ${train.count} ${training.data} examples`);
  trainGanEpochs(dir, { gan, optimizer, generator, config, train, metrics, done: run.done }, log, stream);
  writeFileAtomicSync(join(dir, "samples.png"), ganSamplesPng(gan, config));
  writeFileAtomicSync(join(dir, "curves.png"), ganCurvesPng(metrics));
  log(`Wrote ${dir}/{${[CONFIG_FILE, CHECKPOINT_FILE, METRICS_FILE, "samples-epoch-*.png", "samples.png", "curves.png"].join(",")}}`);
}

/** Every epoch after the `done` ones: train, then metrics (first: resume trusts the checkpoint), checkpoint and the epoch's samples. */
function trainGanEpochs(
  dir: string,
  state: { gan: GAN; optimizer: Adam; generator: Generator; config: GanRunConfig; train: Dataset; metrics: GanEpochMetrics[]; done: Progress },
  log: (line: string) => void,
  stream: ProgressStream,
): void {
  const { gan, optimizer, generator, config, train, metrics } = state;
  const { training } = config;
  let done = state.done;
  for (let epoch = done.epoch + 1; epoch <= training.epochs; epoch++) {
    const progress = new ProgressReporter(stream, { epoch, epochs: training.epochs, totalSteps: batchCount(train.count, training.batchSize), valueName: "D loss" });
    const started = performance.now();
    const averages = trainGanEpoch(gan, optimizer, train, { batchSize: training.batchSize, generator, startStep: done.step, epoch, onStep: (s) => progress.update(s.epochStep, s.batchSize, s.discriminatorLoss) });
    progress.finish();
    const seconds = (performance.now() - started) / 1000;
    const { steps, ...losses } = averages;
    const entry: GanEpochMetrics = { epoch, step: done.step + steps, ...losses, seconds, examplesPerSecond: train.count / seconds };
    metrics.push(entry);
    writeJson(join(dir, METRICS_FILE), metrics);
    writeCheckpoint(dir, captureCheckpoint({ model: gan, optimizer, generator, metadata: { epoch: String(epoch), step: String(entry.step), kernels: kernelPath() } }));
    writeFileAtomicSync(join(dir, `samples-epoch-${epoch}.png`), ganSamplesPng(gan, config));
    done = { epoch, step: entry.step };
    log(`epoch ${epoch}/${training.epochs}: D loss ${entry.discriminatorLoss.toFixed(3)}, G loss ${entry.generatorLoss.toFixed(3)}, D(x) ${entry.realProbability.toFixed(2)}, D(G(z)) ${entry.fakeProbability.toFixed(2)}, ${Math.round(entry.examplesPerSecond)} examples/s`);
  }
}
