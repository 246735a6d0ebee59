/**
 * Memory benchmark: `npx tsx bench/memory.ts [epochs] [kernel path]`.
 *
 * Trains the canonical VAE (784-400-20-400-784, ReLU, Bernoulli likelihood, Adam 1e-3, batch 128)
 * on the bundled MNIST sample (90% train, 10% held out) for `epochs` epochs (default 5) with
 * `trainEpoch`, and prints the process's resident set size and the V8 heap in use after each
 * epoch. Every step allocates its activations and gradients afresh and drops them, so after the
 * first epoch (JIT, wasm memories and optimizer state reach their size) both should stay flat.
 * The heap is measured right after a forced GC when node runs with --expose-gc (tsx passes
 * NODE_OPTIONS through), else as it stands.
 */
import { loadBundledMnist, splitDataset } from "../src/data/index.js";
import { Adam } from "../src/nn/index.js";
import { Generator, setKernelPath, kernelPath, type KernelPath } from "../src/tensor/index.js";
import { trainEpoch, VAE } from "../src/vae/index.js";

const epochs = Math.max(1, Number(process.argv[2] ?? 5));
setKernelPath((process.argv[3] ?? "auto") as KernelPath | "auto");

const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
const gc = (globalThis as { gc?: () => void }).gc;

function report(label: string, elbo: string): { rss: number; heapUsed: number } {
  gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  console.log(`| ${label.padEnd(8)} | ${mb(rss).padStart(8)} | ${mb(heapUsed).padStart(9)} | ${elbo.padStart(10)} |`);
  return { rss, heapUsed };
}

const { train } = splitDataset(loadBundledMnist(), 0.1, new Generator(1));
const model = new VAE({ inputSize: 784, hiddenSizes: [400], latentSize: 20, generator: new Generator(0) });
const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
const generator = new Generator(2);

console.log(`VAE memory over ${epochs} epochs of ${train.count} examples (batch 128, ${kernelPath()} kernels, node ${process.version}, heap ${gc ? "after a forced GC" : "without forced GC; run with NODE_OPTIONS=--expose-gc for a steadier figure"})`);
console.log();
console.log("| after    | RSS (MB) | heap (MB) | train ELBO |");
console.log("|----------|----------|-----------|------------|");
const start = report("start", "-");
const after: { rss: number; heapUsed: number }[] = [];
let step = 0;
for (let epoch = 1; epoch <= epochs; epoch++) {
  const result = trainEpoch(model, optimizer, train, { batchSize: 128, generator, beta: () => 1, startStep: step });
  step += result.steps;
  after.push(report(`epoch ${epoch}`, result.elbo.toFixed(1)));
}
const first = after[0] ?? start;
const last = after[after.length - 1] ?? first;
console.log();
console.log(`from epoch 1 to epoch ${epochs}: RSS ${mb(last.rss - first.rss)} MB, heap ${mb(last.heapUsed - first.heapUsed)} MB; at start RSS ${mb(start.rss)} MB, heap ${mb(start.heapUsed)} MB`);
