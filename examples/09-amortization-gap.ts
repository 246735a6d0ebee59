/**
 * The amortization gap (docs/elbo.md, section 12): the encoder's q(z|x) against the best
 * Gaussian q for each digit on its own, found by per-datapoint variational inference with the
 * decoder fixed (eq. 21).
 *
 *   npx tsx examples/09-amortization-gap.ts              # trains a small VAE first (a few seconds)
 *   npx tsx examples/09-amortization-gap.ts runs/mnist   # a run folder from `elbo train` / `npm start`
 *
 * The digits are the first 32 of the run's test split (binarized for the small VAE).
 */
import { Generator, noGrad, tensor, type Tensor } from "../src/index.js";
import { binarizeDataset, loadBundledMnist, subset } from "../src/data/index.js";
import { Adam } from "../src/nn/index.js";
import { elboAt, elboObjective, fitPosterior, iwaeBound, trainEpoch, VAE } from "../src/vae/index.js";
import { sampleEpsilon } from "../src/vae/gaussian.js";
import { loadRun } from "../src/cli/run-folder.js";
import { loadSplits } from "../src/cli/splits.js";

const count = 32;

/** The model and test digits: from a run folder, or a 784-200-10 VAE trained for 2 epochs on 2,000 digits. */
function setup(runDir: string | undefined): { model: VAE; x: Tensor; what: string } {
  if (runDir !== undefined) {
    const run = loadRun(runDir);
    if (run.model.kind !== "vae") throw new Error(`${runDir} holds an autoencoder; the amortization gap needs a VAE's q(z|x)`);
    const { test } = loadSplits(run.config.training.data, run.config.training.testSize, run.config.training.seed);
    const pixels = run.config.model.inputSize;
    const x = tensor(test.images.slice(0, count * pixels), { shape: [count, pixels], dtype: run.model.dtype });
    const sizes = [pixels, ...run.config.model.hiddenSizes, run.config.model.latentSize].join("-");
    return { model: run.model, x, what: `the run in ${runDir} (${sizes}, ${run.config.model.likelihood})` };
  }
  const generator = new Generator(0);
  const all = loadBundledMnist();
  const order = generator.permutation(all.count);
  const train = binarizeDataset(subset(all, order.subarray(0, 2000)));
  const test = binarizeDataset(subset(all, order.subarray(9000, 9000 + count)));
  const model = new VAE({ inputSize: 784, hiddenSizes: [200], latentSize: 10, generator });
  const optimizer = new Adam(model.parameters(), { lr: 2e-3 });
  for (let epoch = 0; epoch < 2; epoch++) trainEpoch(model, optimizer, train, { objective: elboObjective(), batchSize: 100, generator, startStep: epoch * 20 });
  return { model, x: tensor(test.images, { shape: [count, 784] }), what: "a 784-200-10 VAE trained for 2 epochs on 2,000 binarized digits" };
}

const { model, x, what } = setup(process.argv[2]);
console.log(`model: ${what}; ${count} test digits`);

// Per-datapoint variational inference: start at the encoder's q, 200 Adam steps on each digit's
// own ELBO (4 draws of z per step), decoder fixed.
const fitted = fitPosterior(model, x, { steps: 200, samples: 4, generator: new Generator(1) });

// Both ELBOs with the same 500 draws of ε per digit (common random numbers: the difference is
// far less noisy than either).
const eps = sampleEpsilon([500, count, model.latentSize], new Generator(2), model.dtype);
const amortized = noGrad(() => elboAt(model, x, model.encode(x), eps)).data;
const optimized = noGrad(() => elboAt(model, x, fitted, eps)).data;
const gaps = Array.from(optimized, (v, i) => v - (amortized[i] as number));
const mean = (values: ArrayLike<number>): number => Array.from(values).reduce((a, b) => a + b, 0) / values.length;
const sorted = [...gaps].sort((a, b) => a - b);

console.log(`amortized ELBO (the encoder's q):         ${mean(amortized).toFixed(2)} nats per digit`);
console.log(`optimized ELBO (per-datapoint q):         ${mean(optimized).toFixed(2)} nats per digit`);
console.log(`amortization gap: ${mean(gaps).toFixed(2)} nats per digit (median ${(sorted[count >> 1] as number).toFixed(2)}, smallest ${(sorted[0] as number).toFixed(2)}, largest ${(sorted[count - 1] as number).toFixed(2)})`);
// log p(x) is above both; the importance-weighted bound with the encoder's q estimates it from below.
const iwae = iwaeBound(model, x, 1000, { generator: new Generator(3) });
console.log(`IWAE bound L_1000 (encoder's q):          ${mean(iwae.data).toFixed(2)} nats per digit, a lower estimate of log p(x)`);
console.log(`of the gap L_1000 − amortized ELBO (${(mean(iwae.data) - mean(amortized)).toFixed(2)} nats), amortization accounts for ${(mean(gaps) / (mean(iwae.data) - mean(amortized)) * 100).toFixed(0)}%`);
