/**
 * Where the VAE training step's time goes, on one thread and on two: `npx tsx bench/step-split.ts [blocks] [steps]`.
 *
 * The step of `bench/vae-step.ts` (peers/ours.ts: 784-400-20-400-784, batch 128, Adam) on the
 * wasm path, each thread count in a process of its own (forked from this file), `blocks` blocks
 * (default 7) of `steps` steps (default 40) after a second of warm-up. The caller's wall time
 * inside the float32 products is summed by wrapping the kernels' `gemm`; on two threads it
 * includes the copies into and out of wasm memory, the packing of the shared operand and the wait
 * for the worker's last chunk. The rest of the step (elementwise ops, the BCE, reductions, random
 * numbers, Adam, autograd, allocation) runs on the caller's thread alone; Adam's share of it is
 * summed by wrapping AdamKernel.step. Printed per thread count: ms per step, ms in products, ms in
 * the rest and in Adam (medians over the blocks, with min-max); then
 * each product shape's ms per step on one thread and on two (medians), beside its ratio.
 * The products' time divided by two threads' is the most the step can gain while the rest is
 * single-threaded: T1 / T2 ≤ (P1 + R) / (P1 / s + R) for a product speed-up s.
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { AdamKernel } from "../src/tensor/adam.js";
import { activeWasmKernels } from "../src/tensor/backend.js";
import { syntheticBatch } from "./peers/common.js";
import { loadOurs } from "./peers/ours.js";

interface Split {
  threads: number;
  step: number[];
  products: number[];
  /** ms per step in Adam's update (AdamKernel.step, all parameters). */
  adam: number[];
  /** Per product shape ("m×n×k" with ᵀ marks), its ms per step in each block. */
  shapes: Record<string, number[]>;
}

async function measure(threads: number, blocks: number, steps: number): Promise<Split> {
  const loaded = loadOurs("wasm", syntheticBatch(), threads);
  if ("skipped" in loaded) throw new Error(loaded.skipped);
  const { system } = loaded;
  await system.run(1); // selects the kernels (and starts the workers)
  const kernels = activeWasmKernels();
  if (kernels === null) throw new Error("step-split: no wasm kernels");
  let inProducts = 0;
  let byShape = new Map<string, number>();
  const gemm = kernels.gemm.bind(kernels);
  kernels.gemm = (...args) => {
    const start = performance.now();
    try {
      gemm(...args);
    } finally {
      const ms = performance.now() - start;
      const [m, n, k, , , transposeA, , , transposeB] = args;
      const shape = `${m}×${n}×${k}${transposeA ? " Aᵀ" : ""}${transposeB ? " Bᵀ" : ""}`;
      inProducts += ms;
      byShape.set(shape, (byShape.get(shape) ?? 0) + ms);
    }
  };
  let inAdam = 0;
  const step = AdamKernel.prototype.step;
  AdamKernel.prototype.step = function (this: AdamKernel, ...args) {
    const start = performance.now();
    try {
      return step.apply(this, args);
    } finally {
      inAdam += performance.now() - start;
    }
  };
  const warmup = performance.now();
  while (performance.now() - warmup < 1000) await system.run(1);
  const split: Split = { threads, step: [], products: [], adam: [], shapes: {} };
  for (let b = 0; b < blocks; b++) {
    inProducts = 0;
    inAdam = 0;
    byShape = new Map();
    const seconds = await system.run(steps);
    split.step.push((seconds * 1000) / steps);
    split.products.push(inProducts / steps);
    split.adam.push(inAdam / steps);
    for (const [shape, ms] of byShape) (split.shapes[shape] ??= []).push(ms / steps);
  }
  await system.close();
  return split;
}

const median = (values: readonly number[]): number => [...values].sort((x, y) => x - y)[values.length >> 1] as number;
const show = (values: readonly number[]): string => `${median(values).toFixed(2)} (${Math.min(...values).toFixed(2)}-${Math.max(...values).toFixed(2)})`;

const [blocksArg, stepsArg, childThreads] = process.argv.slice(2);
const blocks = Math.max(1, Number(blocksArg ?? 7));
const steps = Math.max(1, Number(stepsArg ?? 40));

if (childThreads !== undefined) {
  process.send?.(await measure(Number(childThreads), blocks, steps));
  process.exit(0);
}

// Each thread count in its own process (fork reuses this process's execArgv, so tsx too).
const run = (threads: number): Promise<Split> =>
  new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [String(blocks), String(steps), String(threads)], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    child.once("message", (split: Split) => resolve(split));
    child.once("exit", (code) => (code === 0 ? undefined : reject(new Error(`step-split: the ${threads}-thread process exited with code ${code}`))));
  });

console.log(`VAE step split (wasm path), ${blocks} blocks of ${steps} steps per thread count; ms per step, median (min-max)`);
const splits = [await run(1), await run(2)];
for (const { threads, step, products, adam } of splits) {
  const rest = step.map((s, i) => s - (products[i] as number));
  console.log(`${threads} thread${threads > 1 ? "s" : ""}: step ${show(step)}, in products ${show(products)}, rest ${show(rest)} (of which Adam ${show(adam)})`);
}
const [one, two] = splits as [Split, Split];
const [p1, p2, s1, s2] = [median(one.products), median(two.products), median(one.step), median(two.step)];
const r = s1 - p1;
console.log(`2 threads / 1: step ${(s1 / s2).toFixed(2)}x, products ${(p1 / p2).toFixed(2)}x; with the rest on one thread, products 2.00x would give ${((p1 + r) / (p1 / 2 + r)).toFixed(2)}x`);
for (const [shape, ms] of Object.entries(one.shapes)) {
  const [a, b] = [median(ms), median(two.shapes[shape] ?? [NaN])];
  console.log(`  ${shape.padEnd(18)} ${a.toFixed(3)} ms, ${b.toFixed(3)} ms on 2 threads (${(a / b).toFixed(2)}x)`);
}
