/**
 * Memory benchmark: `npx tsx bench/memory.ts [epochs] [kernel path] [--gc-every-step] [--threads N]`.
 *
 * Trains the canonical VAE (784-400-20-400-784, ReLU, Bernoulli likelihood, Adam 1e-3, batch 128)
 * on the bundled MNIST sample (90% train, 10% held out) for `epochs` epochs (default 5; 20 shows
 * a long run) with `trainEpoch`, and prints after each epoch:
 *
 * - peak RSS: the process's resident-set high-water mark (`process.resourceUsage().maxRSS`), the
 *   figure the target names ("peak memory stays flat after the first epoch");
 * - RSS: the resident set now;
 * - heap: V8 heap in use (JS objects, not the typed arrays' storage);
 * - external: memory outside the V8 heap that V8 accounts for, array buffers included;
 * - array buffers: the storage of typed arrays, i.e. of tensors, live or not yet collected.
 *
 * With --expose-gc (tsx passes NODE_OPTIONS through) each row is measured after a forced GC, so
 * heap and array buffers count live objects only; without it they include uncollected garbage.
 * A forced GC lowers the current figures, never the high-water mark.
 *
 * Reading the peak. A step allocates about 9 MB of typed arrays (110 of them, up to 1.2 MB) and
 * drops them, so RSS is the live set plus the garbage V8 has not collected yet plus what the C
 * allocator keeps after `free`. In a plain run (no forced GC) the peak is set in epoch 1 and
 * stayed there, +0.0 MB to epoch 5, 10 and 20, in all 9 runs of 2026-11-21 on this code (wasm and
 * JS kernels, 1 and 2 threads, about 210-230 MB), while a 40-epoch run rose 4.0 MB (2%, last in
 * epoch 12); earlier that day, on the code before the single-thread work, 20 epochs rose by
 * 2-3 MB and one 40-epoch run by 29 MB. With --expose-gc the forced GCs between epochs lower
 * epoch 1's high-water mark (to about 175-190 MB), and a later epoch's pile-up of garbage exceeds
 * it by 5-10 MB over 10 epochs: collection timing, not growth, since heap and live array buffers
 * stay flat. A GC after every step (`--gc-every-step`) keeps even that peak flat, and
 * `MALLOC_MMAP_THRESHOLD_=131072` (every array of 128 KiB or more gets its own mapping, returned
 * on free) shows the current RSS tracking the live set.
 */
import { setTimeout as delay } from "node:timers/promises";
import { loadBundledMnist, splitDataset } from "../src/data/index.js";
import { Adam } from "../src/nn/index.js";
import { Generator, setKernelPath, kernelPath, type KernelPath } from "../src/tensor/index.js";
import { setNumThreads } from "../src/threads/node.js";
import { elboObjective, trainEpoch, VAE } from "../src/vae/index.js";
import { parseBenchArgs } from "./args.js";

const USAGE = "usage: npx tsx bench/memory.ts [epochs] [auto|wasm|js] [--gc-every-step] [--threads N]";
if (process.argv.includes("--help") || process.argv.includes("-h")) {
  console.log(USAGE);
  process.exit(0);
}
const args = parseBenchArgs(process.argv.slice(2), { usage: USAGE, values: ["--threads"], switches: ["--gc-every-step"], positional: 2 });
const threads = args.integer("--threads", 1, 1);
const epochs = Number(args.positional[0] ?? 5);
const path = args.positional[1] ?? "auto";
if (!Number.isInteger(epochs) || epochs < 1 || !["auto", "wasm", "js"].includes(path)) args.fail(`bench/memory: bad arguments ${JSON.stringify(process.argv.slice(2))}`);
setKernelPath(path as KernelPath | "auto");
setNumThreads(threads);

/** One row of the table, all in bytes. */
interface Sample {
  peakRss: number;
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

const MiB = 2 ** 20;
const mb = (bytes: number): string => (bytes / MiB).toFixed(1);
const signedMb = (bytes: number): string => `${bytes >= 0 ? "+" : ""}${mb(bytes)}`;
const gc = (globalThis as { gc?: () => void }).gc;
const gcEveryStep = args.has("--gc-every-step");
if (gcEveryStep && !gc) throw new Error("--gc-every-step needs NODE_OPTIONS=--expose-gc");

/**
 * The figures now; with --expose-gc, after collecting garbage. NOTE: V8 frees the storage of
 * dead array buffers on a background thread after the GC returns, so right after `gc()` the
 * array-buffer figure may still count tens of MB of garbage; a short pause and a second GC let
 * it settle to the live buffers.
 */
async function sample(): Promise<Sample> {
  if (gc) {
    gc();
    await delay(20);
    gc();
  }
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  // maxRSS is in KiB (getrusage's ru_maxrss on Linux).
  return { peakRss: process.resourceUsage().maxRSS * 1024, rss, heapUsed, external, arrayBuffers };
}

const columns = ["peak RSS", "RSS", "heap", "external", "array buffers"];
const width = (column: string): number => Math.max(8, column.length);
function row(label: string, s: Sample, elbo: string): void {
  const cells = [s.peakRss, s.rss, s.heapUsed, s.external, s.arrayBuffers].map((bytes, i) => mb(bytes).padStart(width(columns[i] as string)));
  console.log(`| ${label.padEnd(8)} | ${cells.join(" | ")} | ${elbo.padStart(10)} |`);
}

const { train } = splitDataset(loadBundledMnist(), 0.1, new Generator(1));
const model = new VAE({ inputSize: 784, hiddenSizes: [400], latentSize: 20, generator: new Generator(0) });
const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
const generator = new Generator(2);

console.log(`VAE memory over ${epochs} epochs of ${train.count} examples (batch 128, ${kernelPath()} kernels, ${threads} thread${threads === 1 ? "" : "s"}, node ${process.version}, ${gc ? `after a forced GC${gcEveryStep ? ", and one after every step" : ""}` : "without forced GC; run with NODE_OPTIONS=--expose-gc to count live objects only"}); MB = 2^20 bytes`);
console.log();
console.log(`| after    | ${columns.map((c) => c.padEnd(width(c))).join(" | ")} | train ELBO |`);
console.log(`|----------|${columns.map((c) => "-".repeat(width(c) + 2)).join("|")}|------------|`);
const start = await sample();
row("start", start, "-");
const after: Sample[] = [];
let step = 0;
for (let epoch = 1; epoch <= epochs; epoch++) {
  const result = trainEpoch(model, optimizer, train, {
    objective: elboObjective(), batchSize: 128, generator, startStep: step, onStep: gcEveryStep ? () => gc?.() : undefined,
  });
  step += result.steps;
  const s = await sample();
  after.push(s);
  row(`epoch ${epoch}`, s, result.elbo.toFixed(1));
}

const first = after[0] as Sample;
const last = after[after.length - 1] as Sample;
const growth = last.peakRss - first.peakRss;
const percent = (100 * growth) / first.peakRss;
const later = after.slice(1);
const range = (pick: (s: Sample) => number): string =>
  later.length === 0 ? "-" : `${mb(Math.min(...later.map(pick)))}-${mb(Math.max(...later.map(pick)))} MB`;
console.log();
// The last epoch that raised the peak by more than 1 MB: where the high-water mark settled.
const settled = after.reduce((at, s, i) => (i > 0 && s.peakRss - (after[i - 1] as Sample).peakRss > MiB ? i + 1 : at), 1);
console.log(`peak RSS: ${mb(first.peakRss)} MB after epoch 1, ${mb(last.peakRss)} MB after epoch ${epochs}: ${signedMb(growth)} MB (${percent >= 0 ? "+" : ""}${percent.toFixed(1)}%); last rose by over 1 MB in epoch ${settled}`);
console.log(`after epochs 2-${epochs}: RSS ${range((s) => s.rss)}, heap ${range((s) => s.heapUsed)}, array buffers ${range((s) => s.arrayBuffers)}`);
