/**
 * Our side of bench/conv-step.ts, in a process of its own: `tsx bench/peers/conv_ours.ts THREADS
 * REPEATS`. Times one training step of the conv VAE (`VAE({ arch: "conv" })`, the step
 * trainEpoch takes: zeroGrad, elbo, backward, Adam.step) on a fixed batch, and prints one JSON
 * line {"name", "seconds": [per-step seconds of each repeat]}.
 */
import { rand } from "../../src/autograd/index.js";
import { Adam } from "../../src/nn/index.js";
import { Generator, kernelPath } from "../../src/tensor/index.js";
import { setNumThreads } from "../../src/threads/node.js";
import { elbo, VAE } from "../../src/vae/index.js";

const threads = Number(process.argv[2] ?? 1);
const repeats = Number(process.argv[3] ?? 7);
setNumThreads(threads);
const model = new VAE({ inputSize: 784, arch: "conv", latentSize: 20, generator: new Generator(0) });
const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
const x = rand([128, 784], { generator: new Generator(1) });
const generator = new Generator(2);
const step = (): number => {
  optimizer.zeroGrad({ setToNone: false }); // as trainEpoch
  const terms = elbo(model, x, { generator });
  terms.loss.backward();
  optimizer.step();
  return terms.loss.item();
};
for (let i = 0; i < 3; i++) step(); // warm-up: JIT tiers, workers, scratch buffers
const seconds: number[] = [];
let loss = NaN;
for (let r = 0; r < repeats; r++) {
  const start = performance.now();
  loss = step();
  seconds.push((performance.now() - start) / 1000);
}
console.log(JSON.stringify({ name: `elbo (${kernelPath()}, ${threads} thread${threads === 1 ? "" : "s"})`, seconds, loss }));
setNumThreads(1);
