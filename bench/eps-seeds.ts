/**
 * Adam's ε across starts of the conv VAE: `npx tsx bench/eps-seeds.ts [--seeds 7] [--steps 300]`.
 *
 * For each seed s in 0 … seeds − 1, the `--arch conv` networks start from `Generator(s)` (as
 * bench/quality.ts builds them) and train `steps` steps of batch 128 on the batch-mean ELBO, on the
 * first steps · 128 Fashion-MNIST training images (batches from `Generator(s + 1)`), once with
 * ε = 1e-8 and once with 1e-8 / 128 (the steps of the loss summed over the batch, `elbo train --arch
 * conv`'s default); then tests each on the first 2,000 t10k images. Prints one JSON line per run and
 * the difference of the test losses (1e-8 / 128 minus 1e-8, nats). Needs `dataset-fashion-mnist`.
 */
import { loadDataset, subset, type Dataset } from "../src/data/index.js";
import { Adam } from "../src/nn/index.js";
import { Generator } from "../src/tensor/index.js";
import { setNumThreads } from "../src/threads/node.js";
import { elboObjective, evaluate, trainEpoch, VAE } from "../src/vae/index.js";
import { parseBenchArgs } from "./args.js";

const BATCH_SIZE = 128;
const TEST_COUNT = 2000;
const args = parseBenchArgs(process.argv.slice(2), { usage: "usage: npx tsx bench/eps-seeds.ts [--seeds 7] [--steps 300]", values: ["--seeds", "--steps"] });
const seeds = args.integer("--seeds", 7, 1);
const steps = args.integer("--steps", 300, 1);

/** The first `count` examples of a dataset. */
const head = (dataset: Dataset, count: number): Dataset => subset(dataset, Array.from({ length: count }, (_, i) => i));

/** The test loss (−ELBO, nats) after training from seed `seed` with Adam's ε. */
function testLoss(seed: number, eps: number, train: Dataset, test: Dataset): number {
  const model = new VAE({ inputSize: 784, arch: "conv", hiddenSizes: [16], latentSize: 20, likelihood: "bernoulli", generator: new Generator(seed) });
  const optimizer = new Adam(model.parameters(), { lr: 1e-3, eps });
  trainEpoch(model, optimizer, train, { objective: elboObjective(), batchSize: BATCH_SIZE, generator: new Generator(seed + 1), startStep: 0 });
  return -evaluate(model, test, { objective: elboObjective(), batchSize: 500, generator: new Generator(seed + 1000) }).elbo;
}

setNumThreads(1);
const train = head(loadDataset("fashion-mnist", "train"), Math.min(60_000, steps * BATCH_SIZE));
const test = head(loadDataset("fashion-mnist", "t10k"), TEST_COUNT);
console.log(`# conv VAE, ${train.count} training images (${Math.ceil(train.count / BATCH_SIZE)} steps of ${BATCH_SIZE}), batch-mean ELBO, tested on ${TEST_COUNT}`);
for (let seed = 0; seed < seeds; seed++) {
  const torchEps = testLoss(seed, 1e-8, train, test);
  const perBatchEps = testLoss(seed, 1e-8 / BATCH_SIZE, train, test);
  console.log(JSON.stringify({ seed, "eps 1e-8": torchEps, "eps 1e-8/128": perBatchEps, difference: perBatchEps - torchEps }));
}
