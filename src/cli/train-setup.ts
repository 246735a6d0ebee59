/**
 * What `elbo train` settles before its first step: the run folder (given, numbered, or the one
 * runs/latest points at, for --resume), the config (from the flags, or the saved one reconciled
 * with them: see resume.ts), the checkpoint to continue from, and the data.
 */
import { join } from "node:path";
import { binarizeDataset, filterByLabel, formatCorruption, parseCorruption, type Dataset } from "../data/index.js";
import type { Checkpoint } from "../nn/index.js";
import type { Activation, Architecture } from "../vae/index.js";
import { flagBoolean, flagInts, flagNumber, flagOptionalInts, flagOptionalString, flagString, UsageError, type ParsedFlags } from "./args.js";
import { checkOutputFolder } from "./paths.js";
import { checkFixedFlags, nothingToTrainLine, resumedConfig } from "./resume.js";
import { latestTarget, LATEST, newRunFolder } from "./run-names.js";
import {
  checkpointProgress,
  CHECKPOINT_FILE,
  CONFIG_FILE,
  hasCheckpoint,
  parseRunConfig,
  readCheckpoint,
  readJson,
  type ConfigChange,
  type Progress,
  type RunConfig,
} from "./run-folder.js";
import { binarizeTestSet, loadSplits } from "./splits.js";

/** A run folder about to be trained: where, its settings, what --resume changed, its data. */
export interface PreparedRun {
  dir: string;
  config: RunConfig;
  /** The checkpoint to continue from, and where it stands (none for a fresh run). */
  checkpoint: Checkpoint | null;
  done: Progress;
  changes: ConfigChange[];
  train: Dataset;
  test: Dataset;
}

/** The VAE's default learning rate (the GAN's is its own: train-gan.ts). */
const DEFAULT_LR = 1e-3;
/** Adam's ε of the dense networks when --adam-eps is not given (and of runs that recorded none): torch's default. */
export const DEFAULT_ADAM_EPS = 1e-8;

/**
 * Adam's ε when --adam-eps is not given. Our loss is the batch mean; PyTorch's VAE example sums it
 * over the batch. Adam is invariant to the loss's scale c except through ε (the step is
 * lr·m̂/(√v̂ + ε/c)), so the sum with ε is the mean with ε / batch size. That is the conv networks'
 * default. It mattered on one of the starts measured: with 1e-8 on the mean, bench/quality.ts's seed 0
 * lost more of the 16-unit ReLU bottleneck and ended 10 Fashion-MNIST epochs 35.6 nats above the
 * sum; in eight other runs the two ε were within 0.22 nats (README, the convolutional VAE). The
 * dense networks keep torch's 1e-8: there our mean is within 0.35 nats of PyTorch's sum.
 */
export function defaultAdamEps(arch: Architecture, batchSize: number): number {
  return arch === "conv" ? DEFAULT_ADAM_EPS / batchSize : DEFAULT_ADAM_EPS;
}

/**
 * The conditional VAE's: its prior's rows μ_y, log σ_y² (model.ts) start at 0 and must reach their
 * class's posterior centroid, and Adam moves a parameter by about lr a step (Kingma & Ba 2015,
 * §2.1), so 700 steps (10 epochs of the bundled digits) at 1e-3 leave them short: measured 64.7%
 * of samples judged their class at 1e-3, 87.9% at 3e-3 (README), which is also `npm start`'s rate.
 */
const CONDITIONAL_DEFAULT_LR = 3e-3;

/**
 * --conditional: the classes of the one-hot label, the training labels' largest + 1 (10 for the
 * digits, also with --exclude-labels 9: the labels keep their meaning). One class is refused:
 * there is nothing to condition on.
 */
function classesOf(dataset: Dataset, dataSpec: string): number {
  let largest = 0;
  const seen = new Set<number>();
  for (const label of dataset.labels) {
    seen.add(label);
    if (label > largest) largest = label;
  }
  if (seen.size < 2) {
    throw new UsageError(`--conditional: every ${dataSpec} training example has label ${largest}, so there is no class to condition on (a conditional VAE needs labelled data of two classes or more)`);
  }
  return largest + 1;
}

function modelFromFlags(flags: ParsedFlags, dataset: Dataset, dataSpec: string): RunConfig["model"] {
  const arch = flagString(flags, "arch") as Architecture;
  const likelihood = flagString(flags, "likelihood") as RunConfig["model"]["likelihood"];
  if (flagBoolean(flags, "learned-variance") && likelihood !== "gaussian") {
    throw new UsageError(`--learned-variance: learns the Gaussian decoder's variance, so it needs --likelihood gaussian (got --likelihood ${likelihood})`);
  }
  const kind = flagString(flags, "model") as "vae" | "ae";
  if (kind === "ae") {
    // The autoencoder is dense ReLU layers with a fixed-variance decoder, trained on its reconstruction term.
    const vaeOnly: [string, boolean][] = [
      ["--arch conv", arch === "conv"],
      [`--activation ${flagString(flags, "activation")}`, flagString(flags, "activation") !== "relu"],
      ["--learned-variance", flagBoolean(flags, "learned-variance")],
      ["--objective iwae", flagString(flags, "objective") === "iwae"],
      ["--conditional", flagBoolean(flags, "conditional")],
      ["--corrupt", flags.corrupt !== undefined],
    ];
    for (const [flag, given] of vaeOnly) if (given) throw new UsageError(`--model ae: ${flag} is for the VAE (the autoencoder is unconditional, with dense ReLU layers, a fixed-variance decoder and the reconstruction term of clean inputs only)`);
  }
  return {
    arch,
    kind,
    inputSize: dataset.height * dataset.width,
    height: dataset.height,
    width: dataset.width,
    hiddenSizes: flags.hidden === undefined ? (arch === "conv" ? [16] : [400]) : flagInts(flags, "hidden"),
    latentSize: flagNumber(flags, "latent"),
    likelihood,
    activation: flagString(flags, "activation") as Activation,
    ...(flagBoolean(flags, "learned-variance") ? { outputLogVar: "learned" as const } : {}),
    ...(flagBoolean(flags, "conditional") ? { classes: classesOf(dataset, dataSpec) } : {}),
  };
}

/** --corrupt "kind:level", checked and written out canonically (gaussian:.5 → gaussian:0.5); undefined without it. */
export function corruptionFlag(flags: ParsedFlags): string | undefined {
  const spec = flagOptionalString(flags, "corrupt");
  if (spec === undefined) return undefined;
  try {
    return formatCorruption(parseCorruption(spec));
  } catch (error) {
    throw new UsageError(`--corrupt ${(error as Error).message}`);
  }
}

/** --objective and --k: k > 1 needs the IWAE; β and KL warm-up weight the ELBO's KL, which L_k does not have. */
function objectiveFromFlags(flags: ParsedFlags): Pick<RunConfig["training"], "objective" | "k"> {
  const objective = flagString(flags, "objective") as "elbo" | "iwae";
  const k = flagNumber(flags, "k");
  if (objective === "elbo" && k !== 1) throw new UsageError(`--k ${k}: importance samples are for --objective iwae (the ELBO takes one sample)`);
  if (objective === "iwae") {
    if (flagOptionalString(flags, "corrupt") !== undefined) throw new UsageError(`--corrupt: the denoising VAE trains on the ELBO; --objective iwae does not corrupt its input (leave out one of them)`);
    for (const [flag, neutral] of [["beta", 1], ["warmup", 0]] as const) {
      if (flagNumber(flags, flag) !== neutral) throw new UsageError(`--${flag} ${flagNumber(flags, flag)}: weights the ELBO's KL term, which --objective iwae does not have`);
    }
  }
  return { objective, k };
}

function trainingFromFlags(flags: ParsedFlags, threads: number): RunConfig["training"] {
  const corrupt = corruptionFlag(flags);
  const batchSize = flagNumber(flags, "batch-size");
  return {
    ...objectiveFromFlags(flags),
    data: flagString(flags, "data"),
    epochs: flagNumber(flags, "epochs"),
    batchSize,
    lr: typeof flags.lr === "number" ? flags.lr : flagBoolean(flags, "conditional") ? CONDITIONAL_DEFAULT_LR : DEFAULT_LR,
    lrSchedule: flagString(flags, "lr-schedule") as "constant" | "iwae",
    adamEps: typeof flags["adam-eps"] === "number" ? flags["adam-eps"] : defaultAdamEps(flagString(flags, "arch") as Architecture, batchSize),
    beta: flagNumber(flags, "beta"),
    reconstructionWeight: flagNumber(flags, "reconstruction-weight"),
    warmupSteps: flagNumber(flags, "warmup"),
    binarize: flagString(flags, "binarize") as RunConfig["training"]["binarize"],
    testSize: flagNumber(flags, "test-size"),
    seed: flagNumber(flags, "seed"),
    excludeLabels: flagOptionalInts(flags, "exclude-labels") ?? [],
    threads,
    ...(corrupt === undefined ? {} : { corrupt }),
  };
}

/** Both splits without the excluded classes (held out for `elbo outliers --out-of`). */
function withoutLabels(splits: { train: Dataset; test: Dataset }, excluded: readonly number[], dataSpec: string): { train: Dataset; test: Dataset } {
  if (excluded.length === 0) return splits;
  const keep = (label: number): boolean => !excluded.includes(label);
  const train = filterByLabel(splits.train, keep, `${splits.train.name}:without-${excluded.join("-")}`);
  const test = filterByLabel(splits.test, keep, `${splits.test.name}:without-${excluded.join("-")}`);
  if (train.count === 0 || test.count === 0) throw new UsageError(`--exclude-labels ${excluded.join(",")}: leaves no ${dataSpec} examples to ${train.count === 0 ? "train" : "test"} on`);
  return { train, test };
}

/**
 * The train and test sets of a run (without its excluded classes), binarized as the run asks
 * (see `binarizeTestSet`), and the size of the test split as loaded (before exclusion:
 * what reproduces the split).
 */
function loadRunData(training: RunConfig["training"]): { train: Dataset; test: Dataset; splitTestSize: number } {
  const splits = loadSplits(training.data, training.testSize, training.seed);
  const { train, test } = withoutLabels(splits, training.excludeLabels ?? [], training.data);
  const splitTestSize = splits.test.count;
  // Static: both sets once; dynamic: the training batches afresh (the trainer), the test set once with a fixed seed.
  return { train: training.binarize === "static" ? binarizeDataset(train) : train, test: binarizeTestSet(test, training.binarize), splitTestSize };
}

/**
 * The run folder: --out (checked before any work), else for --resume the run runs/latest points
 * at, else a fresh numbered runs/<data>-<n>.
 */
export function runFolderFromFlags(flags: ParsedFlags): string {
  const out = flagOptionalString(flags, "out");
  if (out !== undefined) {
    checkOutputFolder(out, "out");
    return out;
  }
  if (flagBoolean(flags, "resume")) {
    const latest = latestTarget();
    if (latest === null) throw new UsageError(`--resume: no --out given, and ${LATEST} points at no run; pass the run folder with --out`);
    return latest;
  }
  checkOutputFolder("runs", "out");
  return newRunFolder(flagString(flags, "data"));
}

/** A fresh run: refuse a folder that holds one, then the config from the flags and the data. */
function prepareFresh(dir: string, flags: ParsedFlags, threads: number, log: (line: string) => void): PreparedRun {
  if (hasCheckpoint(dir)) throw new UsageError(`${dir} already holds a run; pass --resume to continue it, or choose another --out`);
  const training = trainingFromFlags(flags, threads);
  log(`Loading ${training.data} ...`);
  const { train, test, splitTestSize } = loadRunData(training);
  // The test split's real size: the file's own t10k split may differ from --test-size.
  const config: RunConfig = { format: "elbo-run/1", model: modelFromFlags(flags, train, training.data), training: { ...training, testSize: splitTestSize } };
  return { dir, config, checkpoint: null, done: { epoch: 0, step: 0 }, changes: [], train, test };
}

/**
 * A resumed run: its saved config reconciled with the flags, its checkpoint, its data; null
 * (nothing written) when --epochs leaves nothing to train.
 */
function prepareResume(dir: string, flags: ParsedFlags, threads: number, log: (line: string) => void): PreparedRun | null {
  if (!hasCheckpoint(dir)) throw new UsageError(`--resume: ${dir} has no checkpoint to resume from`);
  const saved = parseRunConfig(readJson(join(dir, CONFIG_FILE)), join(dir, CONFIG_FILE));
  checkFixedFlags(saved, flags, dir);
  const checkpoint = readCheckpoint(dir);
  const done = checkpointProgress(checkpoint.metadata, join(dir, CHECKPOINT_FILE));
  const { config, changes } = resumedConfig(saved, flags, done.epoch + 1, threads);
  if (config.training.epochs <= done.epoch) {
    log(nothingToTrainLine(dir, done.epoch, config.training.epochs));
    return null;
  }
  log(`Loading ${config.training.data} ...`);
  const { train, test } = loadRunData(config.training);
  return { dir, config, checkpoint, done, changes, train, test };
}

/** Settle the run to train in `dir` (fresh, or resumed with --resume); null when there is nothing to train. */
export function prepareRun(dir: string, flags: ParsedFlags, threads: number, log: (line: string) => void): PreparedRun | null {
  return flagBoolean(flags, "resume") ? prepareResume(dir, flags, threads, log) : prepareFresh(dir, flags, threads, log);
}
