/**
 * `elbo experiment <name>`: the lecture notes' experiments (src/experiments), each writing its
 * figures and summary.json into --out, every file atomically, and printing where they are.
 * The judge classifier is trained once per dataset and cached under runs/.
 */
import { join } from "node:path";
import { FASHION_MNIST_CLASSES, subset } from "../data/index.js";
import { AE_VS_VAE_BUDGET, aeVsVae } from "../experiments/ae-vs-vae.js";
import { BETA_SWEEP_BUDGET, betaSweep, betaSweepTable } from "../experiments/beta-sweep.js";
import type { ExperimentData, ExperimentResult } from "../experiments/experiment.js";
import { loadOrTrainJudge } from "../experiments/judge.js";
import { LOSS_TERMS_BUDGET, lossTerms } from "../experiments/loss-terms.js";
import type { TrainingBudget } from "../experiments/train-models.js";
import type { ModelMeasurements } from "../experiments/measure.js";
import { ensureParentDir, writeFileAtomicSync } from "../io/files.js";
import { getNumThreads, setNumThreads } from "../threads/node.js";
import { flagNumber, flagString, UsageError, type FlagSpec, type ParsedFlags } from "./args.js";
import type { Command } from "./commands.js";
import { loadSplits } from "./splits.js";
import { loadRun } from "./run-folder.js";
import { fitTrainingCodes } from "../experiments/measure.js";
import { reconstructionAccuracy, sampleQuality } from "../experiments/sample-quality.js";
import { generativeCodes } from "../vae/index.js";
import { Generator } from "../tensor/index.js";
import { noGrad } from "../autograd/index.js";

/** Models see this many training images by default: all of the bundled digits' 9,000, 15% of Fashion-MNIST's 60,000. */
const TRAIN_SIZE = 9000;

const common = (budget: TrainingBudget, out: string): Record<string, FlagSpec> => ({
  data: { type: "string", default: "mnist", help: 'dataset: "mnist", "fashion-mnist", or a directory of IDX files' },
  epochs: { type: "int", default: budget.epochs, min: 1, help: "epochs per model" },
  lr: { type: "number", default: budget.lr, min: 0, help: "Adam's learning rate" },
  "batch-size": { type: "int", default: budget.batchSize, min: 1, help: "examples per step" },
  seed: { type: "int", default: 0, min: 0, help: "seed of every random draw" },
  "test-size": { type: "int", default: 1000, min: 1, help: "held-out examples, for datasets without a test split (mnist)" },
  "train-size": { type: "int", default: TRAIN_SIZE, min: 0, help: `train on N training examples spread evenly over the split (0: all); ${TRAIN_SIZE} is all of the bundled digits' training split, 15% of Fashion-MNIST's` },
  judge: { type: "string", default: "", help: "classifier cache file (default runs/classifier-<data>/model.safetensors)" },
  threads: { type: "int", default: 2, min: 1, help: "threads for the matrix products" },
  out: { type: "string", default: out, help: "folder for the figures and summary.json" },
});

function loadData(flags: ParsedFlags, log: (line: string) => void): ExperimentData {
  const spec = flagString(flags, "data");
  const seed = flagNumber(flags, "seed");
  log(`Loading ${spec} ...`);
  const splits = loadSplits(spec, flagNumber(flags, "test-size"), seed);
  const { test } = splits;
  // The judge always learns from the whole training split; --train-size only slices what the models see.
  const cacheName = spec.replace(/[^A-Za-z0-9._-]+/g, "_");
  const judgePath = flagString(flags, "judge") || join("runs", `classifier-${cacheName}`, "model.safetensors");
  const judge = loadOrTrainJudge(splits.train, test, { path: judgePath, log });
  log(`Judge: ${judgePath} (${(100 * judge.testAccuracy).toFixed(1)}% test accuracy${judge.cached ? ", cached" : ""})`);
  const trainSize = flagNumber(flags, "train-size");
  // Evenly spaced examples, not the first N: a split of the bundled digits may be sorted by label.
  const train = trainSize > 0 && trainSize < splits.train.count
    ? subset(splits.train, Array.from({ length: trainSize }, (_, i) => Math.floor((i * splits.train.count) / trainSize)))
    : splits.train;
  return { train, test, name: spec, judge, ...(spec === "fashion-mnist" ? { labelNames: FASHION_MNIST_CLASSES } : {}) };
}

function writeResult(flags: ParsedFlags, result: ExperimentResult<object>, log: (line: string) => void): void {
  const out = flagString(flags, "out");
  const names = Object.keys(result.figures);
  for (const [name, canvas] of Object.entries(result.figures)) {
    const path = join(out, name);
    ensureParentDir(path);
    writeFileAtomicSync(path, canvas.toPng());
  }
  writeFileAtomicSync(join(out, "summary.json"), new TextEncoder().encode(`${JSON.stringify(result.summary, null, 2)}\n`));
  log(`Wrote ${out}/{${[...names, "summary.json"].join(",")}}`);
}

/** One line per model: the numbers a reader compares. */
function describe(name: string, m: ModelMeasurements): string {
  const bound = m.elbo === null ? "" : `, ELBO ${m.elbo.toFixed(2)}, KL ${(m.kl ?? NaN).toFixed(2)}`;
  return `${name.padEnd(22)} reconstruction ${m.reconstruction.toFixed(2)}${bound}; samples: top-class p ${m.samples.meanTopProbability.toFixed(3)}, class entropy ${m.samples.classEntropy.toFixed(3)} nats, IS ${m.samples.inceptionScore.toFixed(2)}; latent map top-class p ${m.latentMap.meanTopProbability.toFixed(3)}; reconstructions classified right ${(100 * m.reconstructionAccuracy).toFixed(1)}%`;
}

/** The --epochs, --lr and --batch-size flags. */
function budgetFlags(flags: ParsedFlags): TrainingBudget {
  return { epochs: flagNumber(flags, "epochs"), lr: flagNumber(flags, "lr"), batchSize: flagNumber(flags, "batch-size") };
}

function withThreads(flags: ParsedFlags, run: () => void): void {
  const before = getNumThreads();
  setNumThreads(flagNumber(flags, "threads"));
  try {
    run();
  } finally {
    setNumThreads(before);
  }
}

/** "0.5,1,4,8" as numbers ≥ 0. */
function parseBetas(text: string): number[] {
  const parts = text.split(",");
  const values = parts.map((p) => Number(p.trim()));
  values.forEach((v, i) => {
    if (parts[i]?.trim() === "" || !Number.isFinite(v) || v < 0) throw new UsageError(`--betas: expected comma-separated numbers ≥ 0 such as 0.5,1,4,8, got "${text}"`);
  });
  return values;
}

/** `elbo quality`: the judge's verdict on any run's samples and reconstructions. */
export const qualityCommand: Command = {
  description: "Judge a run's samples (z from the prior, or an AE's fitted Gaussian) and reconstructions with the dataset's classifier (trained on the run's training split, cached).",
  flags: {
    run: { type: "string", default: "runs/latest", help: "run folder written by elbo train" },
    n: { type: "int", default: 1000, min: 1, help: "samples to judge" },
    seed: { type: "int", default: 0, min: 0, help: "seed of the samples" },
    judge: { type: "string", default: "", help: "classifier cache file (default runs/classifier-<data>/model.safetensors)" },
  },
  run(flags, log) {
    const dir = flagString(flags, "run");
    const run = loadRun(dir);
    const spec = run.config.training.data;
    const { train, test } = loadSplits(spec, run.config.training.testSize, run.config.training.seed);
    const judgePath = flagString(flags, "judge") || join("runs", `classifier-${spec.replace(/[^A-Za-z0-9._-]+/g, "_")}`, "model.safetensors");
    const judge = loadOrTrainJudge(train, test, { path: judgePath, log });
    const fit = run.model.kind === "ae" ? fitTrainingCodes(run.model, train) : undefined;
    const codes = generativeCodes(run.model, flagNumber(flags, "n"), new Generator(flagNumber(flags, "seed")), fit);
    const quality = sampleQuality(judge.classifier, noGrad(() => run.model.decodeMean(codes)));
    const accuracy = reconstructionAccuracy(judge.classifier, run.model, test);
    log(`${dir}: ${quality.count} samples (${run.model.kind === "vae" ? "z ~ N(0, I)" : "z ~ Gaussian fitted to the training codes"}), judged by ${judgePath} (${(100 * judge.testAccuracy).toFixed(1)}% test accuracy)`);
    log(`  mean top-class probability ${quality.meanTopProbability.toFixed(3)}, class-histogram entropy ${quality.classEntropy.toFixed(3)} nats (even: ${Math.log(10).toFixed(3)}), Inception Score ${quality.inceptionScore.toFixed(2)}`);
    const names = spec === "fashion-mnist" ? FASHION_MNIST_CLASSES : undefined;
    log(`  classes: ${quality.classHistogram.map((count, label) => (names ? `${names[label]} ${count}` : count)).join(names ? ", " : " ")}`);
    log(`  reconstructions classified as their own label: ${(100 * accuracy).toFixed(1)}% of ${test.count} test images`);
  },
};

export const experimentCommands: Record<string, Command> = {
  "ae-vs-vae": {
    description: "Train an AE and a VAE on the same data and seed: their 2-D latent spaces and decoded latent maps side by side, and sample quality.",
    flags: { ...common(AE_VS_VAE_BUDGET, "runs/ae-vs-vae"), latent: { type: "int", default: 2, min: 1, help: "latent dimensions" } },
    run(flags, log) {
      withThreads(flags, () => {
        const data = loadData(flags, log);
        const result = aeVsVae(data, { ...budgetFlags(flags), latentSize: flagNumber(flags, "latent"), seed: flagNumber(flags, "seed"), log });
        log(describe("AE", result.summary.ae));
        log(describe("VAE", result.summary.vae));
        writeResult(flags, result, log);
      });
    },
  },
  "loss-terms": {
    description: "Note 002's three panels: 2-D latents trained with reconstruction only, KL only, and both.",
    flags: { ...common(LOSS_TERMS_BUDGET, "runs/loss-terms"), latent: { type: "int", default: 2, min: 1, help: "latent dimensions" } },
    run(flags, log) {
      withThreads(flags, () => {
        const data = loadData(flags, log);
        const result = lossTerms(data, { ...budgetFlags(flags), latentSize: flagNumber(flags, "latent"), seed: flagNumber(flags, "seed"), log });
        log(describe("reconstruction only", result.summary.reconstructionOnly));
        log(describe("KL only", result.summary.klOnly));
        log(describe("reconstruction + KL", result.summary.both));
        writeResult(flags, result, log);
      });
    },
  },
  "beta-sweep": {
    description: "VAEs for several betas: a traversal figure per beta, and test ELBO, reconstruction, KL and active units per beta.",
    flags: {
      ...common(BETA_SWEEP_BUDGET, "runs/beta-sweep"),
      latent: { type: "int", default: 10, min: 1, help: "latent dimensions" },
      betas: { type: "string", default: "0.5,1,4,8", help: "comma-separated KL weights" },
    },
    run(flags, log) {
      // Bad --betas is named before any data is loaded or judge trained.
      const betas = parseBetas(flagString(flags, "betas"));
      withThreads(flags, () => {
        const data = loadData(flags, log);
        const result = betaSweep(data, { betas, ...budgetFlags(flags), latentSize: flagNumber(flags, "latent"), seed: flagNumber(flags, "seed"), log });
        for (const line of betaSweepTable(result.summary)) log(line);
        writeResult(flags, result, log);
      });
    },
  },
};
