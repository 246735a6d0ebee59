/**
 * VAE training-step benchmark: `npx tsx bench/vae-step.ts [repeats] [block-seconds]`.
 *
 * One training step of the canonical MNIST VAE (784-400-20-400-784, ReLU, Bernoulli likelihood
 * as BCE-with-logits + closed-form KL, Adam 1e-3, batch 128) in our engine, on both kernel paths
 * (wasm on one thread and on two), and in the same run in the peers: TensorFlow.js (cpu and wasm
 * backends), jax-js (jit-compiled to WebAssembly) and PyTorch (2 threads and 1 thread). Each of
 * our three, jax-js and TensorFlow.js run in a Node process of their own (peers/isolated.ts),
 * PyTorch in a python one, so that no system's heap burdens another's garbage collector and our
 * 2-thread system keeps its workers from block to block.
 * A peer that is not installed or fails to load is reported as skipped, with the reason.
 *
 * Method: every system trains on the same fixed [128,784] batch in [0,1) from our seeded
 * Generator. After warm-up steps, each system's block size N is chosen so that a block takes
 * about `block-seconds` (default 0.4); then the timed blocks run round-robin over the systems,
 * `repeats` times (default 7, at least 5), so that a burst of load from other processes hits
 * every system alike. Throughput is 128·N / (seconds of the block), each system syncing (reading
 * its loss) at the end of a block. The matmul column times [128,784]@[784,400] the same way.
 * Printed: examples/s median and min-max, GFLOP/s median, and the ratios ours (wasm, on one
 * thread and on two) / peer.
 */
import { cpus, loadavg } from "node:os";
import { BATCH, MATMUL_FLOPS, reason, syntheticBatch, type Loaded, type StepSystem } from "./peers/common.js";
import { loadIsolated } from "./peers/isolated.js";
import { loadPytorch } from "./peers/pytorch.js";

const repeats = Math.max(5, Number(process.argv[2] ?? 7));
const blockSeconds = Number(process.argv[3] ?? 0.4);
const warmupSeconds = 1;

interface Entry {
  system: StepSystem;
  steps: number;
  reps: number;
  examplesPerSecond: number[];
  gflops: number[];
  failed: string | null;
}

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(" ");
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return "-";
  if (value >= 100) return Math.round(value).toLocaleString("en-US");
  return value.toPrecision(3);
}

/** Run `f` with a growing count until one call takes ≥ 1/4 of the target; return the count for the target. */
async function calibrate(f: (n: number) => Promise<number>, target: number): Promise<number> {
  let n = 1;
  let seconds = await f(n);
  while (seconds < target / 4 && n < 1 << 16) {
    n *= 4;
    seconds = await f(n);
  }
  return Math.max(1, Math.round((n * target) / Math.max(seconds, 1e-9)));
}

console.log(`VAE training step (784-400-20-400-784, batch ${BATCH}, Adam 1e-3): node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? "?"})`);
console.log(`load average at start: ${load()}`);

// Each group in a process of its own (isolated.ts; PyTorch's is a python process).
const loaded: Loaded[] = [
  ...(await loadIsolated("ours-wasm")),
  ...(await loadIsolated("ours-wasm-2")),
  ...(await loadIsolated("ours-js")),
  ...(await loadPytorch(syntheticBatch(), [2, 1])),
  ...(await loadIsolated("jax")),
  ...(await loadIsolated("tfjs")),
];
const entries: Entry[] = [];
const skipped: string[] = [];
for (const item of loaded) {
  if ("skipped" in item) skipped.push(item.skipped);
  else entries.push({ system: item.system, steps: 1, reps: 1, examplesPerSecond: [], gflops: [], failed: null });
}

/** Run one of a system's measurements; a throw marks the system failed instead of ending the bench. */
async function guarded(entry: Entry, f: () => Promise<void>): Promise<void> {
  if (entry.failed !== null) return;
  try {
    await f();
  } catch (error) {
    entry.failed = reason(error);
  }
  // A python peer's OpenMP threads spin for a moment after a block: let them settle.
  if (entry.system.name.startsWith("PyTorch")) await sleep(20);
}

// Warm up (JIT tiers, compiled kernels, allocator pools), then size each system's blocks.
for (const entry of entries) {
  await guarded(entry, async () => {
    const start = performance.now();
    while (performance.now() - start < warmupSeconds * 1000) await entry.system.run(1);
    entry.steps = await calibrate((n) => entry.system.run(n), blockSeconds);
    entry.reps = await calibrate((n) => entry.system.matmul(n), blockSeconds / 4);
  });
}
for (let r = 0; r < repeats; r++) {
  for (const entry of entries) {
    await guarded(entry, async () => {
      const seconds = await entry.system.run(entry.steps);
      entry.examplesPerSecond.push((BATCH * entry.steps) / seconds);
    });
  }
  for (const entry of entries) {
    await guarded(entry, async () => {
      const seconds = await entry.system.matmul(entry.reps);
      entry.gflops.push((MATMUL_FLOPS * entry.reps) / seconds / 1e9);
    });
  }
}
const losses: string[] = [];
for (const entry of entries) {
  if (entry.failed === null) losses.push(`${entry.system.name} ${(await entry.system.loss()).toFixed(2)}`);
  await entry.system.close();
}
const loadAtEnd = load();

// Ours against each peer, on one thread and on two.
const medianOf = (name: string): number => {
  const entry = entries.find((e) => e.system.name === name && e.failed === null);
  return entry ? median(entry.examplesPerSecond) : NaN;
};
const oursOne = medianOf("elbo (wasm)");
const oursTwo = medianOf("elbo (wasm, 2 threads)");
const ratio = (ours: number, peer: number): string => (Number.isFinite(ours) ? `${(ours / peer).toFixed(2)}x` : "-");
const header = ["system", "threads", "examples/s (median, min-max)", "matmul GFLOP/s", "ours 1 thread/peer", "ours 2 threads/peer"];
const rows: string[][] = [];
for (const entry of entries) {
  if (entry.failed !== null) {
    skipped.push(`${entry.system.name}: failed while running (${entry.failed})`);
    continue;
  }
  const eps = entry.examplesPerSecond;
  const m = median(eps);
  rows.push([
    entry.system.name,
    entry.system.threads,
    `${formatNumber(m)} (${formatNumber(Math.min(...eps))}-${formatNumber(Math.max(...eps))})`,
    formatNumber(median(entry.gflops)),
    ratio(oursOne, m),
    ratio(oursTwo, m),
  ]);
}
const widths = header.map((h, col) => Math.max(h.length, ...rows.map((row) => (row[col] as string).length)));
const format = (row: string[]): string => `| ${row.map((cell, col) => cell.padEnd(widths[col] as number)).join(" | ")} |`;
console.log();
console.log(`${repeats} timed blocks per system (round-robin), ~${blockSeconds} s each; steps per block: ${entries.map((e) => `${e.system.name} ${e.steps}`).join(", ")}`);
console.log();
console.log(format(header));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const row of rows) console.log(format(row));
for (const line of skipped) console.log(`skipped: ${line}`);
console.log();
console.log(`loss after the last step (nats/example; all start near 784·ln 2 ≈ 543): ${losses.join("; ")}`);
console.log(`load average at end: ${loadAtEnd} (1, 5, 15 min; the machine has ${cpus().length} cores, and multi-threaded peers suffer most from other load)`);
