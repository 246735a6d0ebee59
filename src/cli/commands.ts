/**
 * The commands that use a trained run: sample, reconstruct, interpolate, encode, score.
 * Each loads the run folder given by --run and writes one file given by --out.
 */
import { writeFileAtomicSync } from "../io/files.js";
import { noGrad, tensor } from "../autograd/index.js";
import { Generator } from "../tensor/index.js";
import { estimateLogLikelihood, fitCodeGaussian, type CodeGaussian, type VAE } from "../vae/index.js";
import { formatDuration } from "../io/progress.js";
import { flagBoolean, flagNumber, flagOptionalString, flagString, UsageError, type FlagSpec, type ParsedFlags } from "./args.js";
import { classSamplesPng, interpolationPng, labelInput, latentPng, reconstructionsPng, samplesPng } from "./pictures.js";
import { loadRun, type LoadedRun } from "./run-folder.js";
import { binarizeTestSet, loadSplits } from "./splits.js";
import { FASHION_MNIST_CLASSES, subset, type Dataset } from "../data/index.js";

export interface Command {
  description: string;
  flags: Record<string, FlagSpec>;
  /** Synchronous, or a promise (`train`: it shares the event loop to notice Ctrl-C). */
  run(flags: ParsedFlags, log: (line: string) => void): void | Promise<void>;
}

const runFlag: FlagSpec = { type: "string", default: "runs/latest", help: "run folder written by elbo train (default: the latest one, which runs/latest points at)" };
const dataFlag: FlagSpec = { type: "string", help: "dataset (default: the run's own, its test split)" };
const seedFlag: FlagSpec = { type: "int", default: 0, min: 0, help: "seed of the random draws" };

/** The run's test split (or, with --data, another dataset's test split), binarized as the run was trained. */
export function testSet(run: LoadedRun, flags: ParsedFlags): Dataset {
  const spec = flagOptionalString(flags, "data") ?? run.config.training.data;
  const { test } = loadSplits(spec, run.config.training.testSize, run.config.training.seed);
  if (test.height * test.width !== run.config.model.inputSize) {
    throw new UsageError(`--data ${spec}: images of ${test.height}×${test.width} do not fit a model of ${run.config.model.inputSize} inputs`);
  }
  const classes = run.model.classes;
  if (classes > 0) {
    const bad = test.labels.findIndex((label) => label >= classes);
    if (bad >= 0) throw new UsageError(`--data ${spec}: example ${bad} has label ${test.labels[bad]}, but the conditional run knows the classes 0-${classes - 1}`);
  }
  return binarizeTestSet(test, run.config.training.binarize);
}

/** The first `count` images of `data` (--count of `elbo score`); all of them without it; a count above the set's size is an error naming both. */
function firstImages(data: Dataset, count: number | undefined): Dataset {
  if (count === undefined || count === data.count) return data;
  if (count > data.count) throw new UsageError(`--count ${count}: the test set has ${data.count} images`);
  return subset(data, Array.from({ length: count }, (_, i) => i));
}

/**
 * --label of `elbo sample`: "all" (every class), a class, or, without it, every class for a
 * conditional run and none for another; errors name the flag and the run.
 */
function sampleLabels(run: LoadedRun, flags: ParsedFlags, dir: string): number[] | "all" | null {
  const given = flagOptionalString(flags, "label");
  const classes = run.model.classes;
  if (classes === 0) {
    if (given !== undefined) throw new UsageError(`--label ${given}: the run in ${dir} is not conditional (train one with elbo train --conditional)`);
    return null;
  }
  if (given === undefined || given === "all") return "all";
  const label = Number(given);
  if (!/^\d+$/.test(given) || label >= classes) throw new UsageError(`--label ${given}: expected a class 0-${classes - 1} of the run in ${dir}, or all`);
  return [label];
}

/** A progress line at most every `seconds` (none for work that finishes sooner): images done, elapsed, left. */
function scoreProgress(log: (line: string) => void, seconds = 10): (done: number, total: number) => void {
  const started = performance.now();
  let last = started;
  return (done, total) => {
    const now = performance.now();
    if (done === total || now - last < seconds * 1000) return;
    last = now;
    const elapsed = (now - started) / 1000;
    log(`score: ${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")} images (${Math.round((100 * done) / total)}%), ${formatDuration(elapsed)} elapsed, ${formatDuration((elapsed * (total - done)) / done)} left`);
  };
}

/** An AE is sampled from a Gaussian fitted to the codes of its training split; says so. */
function fitTrainingCodes(run: LoadedRun, log: (line: string) => void): CodeGaussian {
  const { train } = loadSplits(run.config.training.data, run.config.training.testSize, run.config.training.seed);
  const x = tensor(train.images, { shape: [train.count, run.config.model.inputSize], dtype: run.model.dtype });
  const fit = fitCodeGaussian(noGrad(() => run.model.codes(x)));
  log(`An autoencoder has no prior: its codes are drawn from a Gaussian (mean and full covariance) fitted to the codes of its ${train.count} training images`);
  return fit;
}

function writeOut(flags: ParsedFlags, bytes: Uint8Array, log: (line: string) => void): void {
  const path = flagString(flags, "out");
  writeFileAtomicSync(path, bytes);
  log(`Wrote ${path}`);
}

export const commands: Record<string, Command> = {
  sample: {
    description: "Draw z from the prior N(0, I) (an AE: from a Gaussian fitted to its training codes) and decode: a grid of new images (a conditional run: of the classes --label names).",
    flags: {
      run: runFlag,
      n: { type: "int", default: 64, min: 1, help: "number of samples (with --label all: see --per-class)" },
      label: { type: "string", help: "a conditional run's class to draw (e.g. 3), or all: one row per class, one z per column (default for a conditional run: all)" },
      "per-class": { type: "int", default: 10, min: 1, help: "with --label all: images per class (the row's length)" },
      draw: { type: "boolean", default: false, help: "draw x ~ p(x|z) (Bernoulli pixels or Gaussian noise) instead of showing its mean" },
      seed: seedFlag,
      out: { type: "string", default: "samples.png", output: "file", help: "PNG to write" },
    },
    run(flags, log) {
      const dir = flagString(flags, "run");
      const run = loadRun(dir);
      const labels = sampleLabels(run, flags, dir);
      const seed = flagNumber(flags, "seed");
      const names = run.config.training.data === "fashion-mnist" ? FASHION_MNIST_CLASSES : undefined;
      const fit = run.model.kind === "ae" ? fitTrainingCodes(run, log) : undefined;
      const options = { draw: flagBoolean(flags, "draw"), ...(fit ? { fit } : {}) };
      if (labels === "all" && options.draw) throw new UsageError("--draw: the one-row-per-class grid of --label all shows means; pass --label k to draw x ~ p(x|z, y = k)");
      const model = run.model;
      if (labels === null) writeOut(flags, samplesPng(model, run.config.model, flagNumber(flags, "n"), seed, options), log);
      // Only a VAE is conditional (sampleLabels returns "all" or a class only for a conditional run).
      else if (labels === "all") writeOut(flags, classSamplesPng(model as VAE, run.config.model, flagNumber(flags, "per-class"), seed, names), log);
      else writeOut(flags, samplesPng(run.model, run.config.model, flagNumber(flags, "n"), seed, { ...options, label: labels[0] }), log);
    },
  },
  reconstruct: {
    description: "Encode test images and decode their posterior means: originals above reconstructions (a conditional run: with each image's label).",
    flags: { run: runFlag, data: dataFlag, n: { type: "int", default: 32, min: 1, help: "number of images" }, out: { type: "string", default: "reconstructions.png", output: "file", help: "PNG to write" } },
    run(flags, log) {
      const run = loadRun(flagString(flags, "run"));
      writeOut(flags, reconstructionsPng(run.model, testSet(run, flags), flagNumber(flags, "n")), log);
    },
  },
  interpolate: {
    description: "Decode the path between the latent codes of pairs of test images.",
    flags: {
      run: runFlag,
      data: dataFlag,
      pairs: { type: "int", default: 8, min: 1, help: "rows (pairs of images)" },
      steps: { type: "int", default: 10, min: 2, help: "images per row" },
      mode: { type: "string", default: "linear", choices: ["linear", "slerp"], help: "straight line or great circle" },
      out: { type: "string", default: "interpolation.png", output: "file", help: "PNG to write" },
    },
    run(flags, log) {
      const run = loadRun(flagString(flags, "run"));
      if (run.model.classes > 0) throw new UsageError(`--run ${flagString(flags, "run")}: a conditional run has no single label for a path between two classes; try elbo sample --label all, whose columns share z`);
      const mode = flagString(flags, "mode") as "linear" | "slerp";
      writeOut(flags, interpolationPng(run.model, testSet(run, flags), flagNumber(flags, "pairs"), flagNumber(flags, "steps"), mode), log);
    },
  },
  encode: {
    description: "Write the posterior mean and log-variance of every test image as CSV (label, mu..., logVar...), and a latent scatter PNG.",
    flags: { run: runFlag, data: dataFlag, out: { type: "string", default: "latent.csv", output: "file", help: "CSV to write" }, plot: { type: "string", default: "latent.png", output: "file", help: "scatter PNG to write" } },
    run(flags, log) {
      const run = loadRun(flagString(flags, "run"));
      const data = testSet(run, flags);
      const latent = run.config.model.latentSize;
      const x = tensor(data.images, { shape: [data.count, run.config.model.inputSize], dtype: run.model.dtype });
      // A VAE gives q(z|x)'s mean and log-variance; an AE one code per image (columns z0...).
      const model = run.model;
      const columns = model.kind === "vae" ? noGrad(() => { const q = model.encode(x, labelInput(model, data.labels)); return [q.mu, q.logVar]; }) : [noGrad(() => model.encode(x))];
      const prefixes = model.kind === "vae" ? ["mu", "logVar"] : ["z"];
      if (model.kind === "ae") log("An autoencoder has one code per image, no posterior: the CSV holds label, z0...");
      const header = ["label", ...prefixes.flatMap((prefix) => Array.from({ length: latent }, (_, d) => `${prefix}${d}`))];
      const lines = [header.join(",")];
      for (let i = 0; i < data.count; i++) {
        const row = [String(data.labels[i])];
        for (const column of columns) for (let d = 0; d < latent; d++) row.push(String(column.data[i * latent + d]));
        lines.push(row.join(","));
      }
      writeOut(flags, new TextEncoder().encode(`${lines.join("\n")}\n`), log);
      const plotPath = flagString(flags, "plot");
      writeFileAtomicSync(plotPath, latentPng(run.model, data));
      log(`Wrote ${plotPath}`);
    },
  },
  score: {
    description:
      "Estimate log p(x) of each test image with the importance-weighted bound L_k (batched, so every k fits in memory); low values are outliers. Prints the mean with its standard error; --k 5000 is the density-estimation tables' setting.",
    flags: {
      run: runFlag,
      data: dataFlag,
      k: { type: "int", default: 100, min: 1, help: "importance samples per image" },
      count: { type: "int", min: 1, help: "score the first N test images only (default: all of them)" },
      seed: seedFlag,
      out: { type: "string", default: "scores.csv", output: "file", help: "CSV to write (index, label, logPx), most unusual first" },
    },
    run(flags, log) {
      const run = loadRun(flagString(flags, "run"));
      const model = run.model;
      if (model.kind !== "vae") throw new UsageError(`${flagString(flags, "run")} holds an autoencoder, which has no density p(x) to score; train a VAE (--model vae)`);
      const data = firstImages(testSet(run, flags), flags.count as number | undefined);
      const k = flagNumber(flags, "k");
      const estimate = estimateLogLikelihood(model, data, { k, generator: new Generator(flagNumber(flags, "seed")), onProgress: scoreProgress(log) });
      const scores = estimate.logPx;
      const order = Array.from(scores.keys()).sort((a, b) => (scores[a] as number) - (scores[b] as number));
      const lines = ["index,label,logPx", ...order.map((i) => `${i},${data.labels[i]},${scores[i]}`)];
      writeOut(flags, new TextEncoder().encode(`${lines.join("\n")}\n`), log);
      const sampling = k === 1 ? "not estimable from one draw" : estimate.samplingError.toFixed(3);
      log(
        `log p(x) ≈ ${estimate.mean.toFixed(2)} ± ${estimate.standardError.toFixed(2)} nats per image on average (IWAE, k = ${k}, ${data.count} images; ` +
          `± is the standard error over the images, the Monte Carlo error of the mean is ${sampling}): NLL ${(-estimate.mean).toFixed(2)}`,
      );
    },
  },
};
