/**
 * Matmul benchmark: `npx tsx bench/matmul.ts [runs]`.
 *
 * Times the first layer of the MNIST VAE (batch 128, 784 → 400), its two gradient products and a
 * latent head (400 → 20, which the wasm kernel computes as Cᵀ), in float32 and float64, for every
 * contender on the same inputs in the same process, and prints the median GFLOP/s (2·m·n·k / seconds) with min-max and the ratio of ours to each peer.
 * Each contender's result is checked against ours before it is timed.
 *
 * A contender is a name and a `prepare` that sets up one product and returns the function to
 * time, or null for a dtype it does not support. The peer libraries (TensorFlow.js cpu and wasm,
 * jax-js) are float32-only contenders from `bench/peers/`; one that fails to load is listed as
 * skipped. Their time includes reading C back (`dataSync`), which ours does not need.
 * Last, the register peak of f32x4 and f64x2 mul+add on this machine (register-peak.ts), measured
 * in the same run, and each of our one-thread products as a share of it.
 */
import { allocate, type DType, type TypedArray } from "../src/tensor/dtype.js";
import { gemm } from "../src/tensor/matmul.js";
import { gemmJs } from "../src/tensor/gemm.js";
import { Generator } from "../src/tensor/random.js";
import { GEMM_SHAPE, KC_MAX } from "../src/tensor/wasm/gemm.js";
import { createWasmKernels } from "../src/tensor/wasm/kernels.js";
import { spawnNodeWorker } from "../src/threads/node.js";
import type { MatmulPeer } from "./peers/common.js";
import { jaxMatmulPeer } from "./peers/jax.js";
import { registerPeak } from "./register-peak.js";
import { tfjsMatmulPeers } from "./peers/tfjs.js";

/** One product `op(A)[m,k] · op(B)[k,n]`, with A and B stored as `aShape` and `bShape`. */
interface Product {
  label: string;
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
}

interface Contender {
  name: string;
  /** Set up one product on these inputs; the returned function computes it once and returns C. Null: dtype not supported. */
  prepare(product: Product, a: TypedArray, b: TypedArray): (() => ArrayLike<number>) | null;
}

const products: Product[] = [
  { label: "A·B   [128,784]@[784,400]", m: 128, n: 400, k: 784, transposeA: false, transposeB: false },
  { label: "Aᵀ·B  [128,784]ᵀ@[128,400]", m: 784, n: 400, k: 128, transposeA: true, transposeB: false },
  { label: "A·Bᵀ  [128,400]@[784,400]ᵀ", m: 128, n: 784, k: 400, transposeA: false, transposeB: true },
  { label: "A·Bᵀ  [128,400]@[20,400]ᵀ", m: 128, n: 20, k: 400, transposeA: false, transposeB: true },
];

/** Stored strides of op(A)[i,p] and op(B)[p,j]: the reference loops read through them. */
function strides(p: Product): { aI: number; aP: number; bP: number; bJ: number } {
  return {
    aI: p.transposeA ? 1 : p.k,
    aP: p.transposeA ? p.m : 1,
    bP: p.transposeB ? 1 : p.n,
    bJ: p.transposeB ? p.k : 1,
  };
}

/** Reference: the textbook i-k-j loop (one row of C at a time, a row of op(B) per step). */
function plainLoop(p: Product, a: TypedArray, b: TypedArray, out: TypedArray): void {
  const { m, n, k } = p;
  const { aI, aP, bP, bJ } = strides(p);
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) out[row + j] = 0;
    for (let q = 0; q < k; q++) {
      const aiq = a[i * aI + q * aP] as number;
      const bRow = q * bP;
      for (let j = 0; j < n; j++) out[row + j] = (out[row + j] as number) + aiq * (b[bRow + j * bJ] as number);
    }
  }
}

/** Reference: the same i-k-j loop with its inner loop unrolled 4 ways. */
function unrolledLoop(p: Product, a: TypedArray, b: TypedArray, out: TypedArray): void {
  const { m, n, k } = p;
  const { aI, aP, bP, bJ } = strides(p);
  const n4 = n - (n % 4);
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) out[row + j] = 0;
    for (let q = 0; q < k; q++) {
      const aiq = a[i * aI + q * aP] as number;
      const bRow = q * bP;
      let j = 0;
      for (; j < n4; j += 4) {
        const o = row + j;
        const s = bRow + j * bJ;
        out[o] = (out[o] as number) + aiq * (b[s] as number);
        out[o + 1] = (out[o + 1] as number) + aiq * (b[s + bJ] as number);
        out[o + 2] = (out[o + 2] as number) + aiq * (b[s + 2 * bJ] as number);
        out[o + 3] = (out[o + 3] as number) + aiq * (b[s + 3 * bJ] as number);
      }
      for (; j < n; j++) out[row + j] = (out[row + j] as number) + aiq * (b[bRow + j * bJ] as number);
    }
  }
}

/** A contender that runs `loop(product, a, b, out)` into an output array it allocates once. */
function loopContender(name: string, loop: typeof plainLoop): Contender {
  return {
    name,
    prepare(p, a, b) {
      const out = allocate(a instanceof Float64Array ? "float64" : "float32", p.m * p.n);
      return () => {
        loop(p, a, b, out);
        return out;
      };
    },
  };
}

const ours = loopContender("elbo gemm", (p, a, b, out) => gemm(p.m, p.n, p.k, a, 0, p.transposeA, b, 0, p.transposeB, out, 0));
/** Our plain-JavaScript kernel, whatever path is active: the fallback where wasm SIMD is missing. */
const oursJs = loopContender("elbo js gemm", (p, a, b, out) => gemmJs(p.m, p.n, p.k, a, 0, p.transposeA, b, 0, p.transposeB, out, 0));

/**
 * Our wasm kernel on two threads (float32; products of one CHUNK_WORK or less, like the n = 20
 * head, stay on one). Null where wasm SIMD is missing.
 */
function oursThreaded(): Contender | null {
  let kernels: ReturnType<typeof createWasmKernels>;
  try {
    kernels = createWasmKernels(GEMM_SHAPE, KC_MAX, { workers: 1, spawn: spawnNodeWorker });
  } catch {
    return null;
  }
  return {
    name: "elbo gemm, 2 threads",
    prepare(p, a, b) {
      if (!(a instanceof Float32Array && b instanceof Float32Array)) return null;
      const out = new Float32Array(p.m * p.n);
      return () => {
        kernels.gemm(p.m, p.n, p.k, a, 0, p.transposeA, b, 0, p.transposeB, out, 0);
        return out;
      };
    },
  };
}

/** A float32-only peer from bench/peers/ as a contender. */
function peerContender(peer: MatmulPeer): Contender {
  return {
    name: peer.name,
    prepare(p, a, b) {
      if (!(a instanceof Float32Array && b instanceof Float32Array)) return null;
      return peer.prepare(p.m, p.n, p.k, a, p.transposeA, b, p.transposeB);
    },
  };
}

const tfjs = await tfjsMatmulPeers();
const jax = await jaxMatmulPeer();
const skipped = [...tfjs.skipped, ...("skipped" in jax ? [jax.skipped] : [])];
const peers = [...tfjs.peers, ...("skipped" in jax ? [] : [jax])];

const threaded = oursThreaded();
const contenders: Contender[] = [
  ours,
  ...(threaded ? [threaded] : []),
  oursJs,
  loopContender("plain i-k-j", plainLoop),
  loopContender("unrolled x4", unrolledLoop),
  ...peers.map(peerContender),
];

const runs = Math.max(5, Number(process.argv[2] ?? 7));
const warmups = 3;
const dtypes: DType[] = ["float32", "float64"];

interface Cell {
  product: Product;
  dtype: DType;
  name: string;
  run: () => ArrayLike<number>;
  gflops: number[];
}

function maxRelativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i] as number));
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs((got[i] as number) - (want[i] as number)));
  return worst / (scale || 1);
}

// Set up every cell and check its result against ours, then warm every cell up before timing any,
// so that all of them are timed with the same (mixed float32/float64) type feedback.
const rng = new Generator(2024);
const cells: Cell[] = [];
for (const product of products) {
  for (const dtype of dtypes) {
    const a = rng.fillNormal(allocate(dtype, product.m * product.k));
    const b = rng.fillNormal(allocate(dtype, product.k * product.n));
    const expected = Array.from((ours.prepare(product, a, b) as () => ArrayLike<number>)());
    for (const contender of contenders) {
      const run = contender.prepare(product, a, b);
      if (run === null) continue;
      const error = maxRelativeError(run(), expected);
      if (!(error < 1e-4)) throw new Error(`${contender.name} disagrees with ours on ${product.label} ${dtype}: ${error}`);
      cells.push({ product, dtype, name: contender.name, run, gflops: [] });
    }
  }
}
for (let w = 0; w < warmups; w++) for (const cell of cells) cell.run();
// Round-robin over the cells, so that a burst of load from other processes hits all contenders
// alike rather than one cell's runs.
for (let r = 0; r < runs; r++) {
  for (const cell of cells) {
    const start = performance.now();
    cell.run();
    const seconds = (performance.now() - start) / 1000;
    cell.gflops.push((2 * cell.product.m * cell.product.n * cell.product.k) / seconds / 1e9);
  }
}
for (const cell of cells) cell.gflops.sort((x, y) => x - y);

function median(sorted: number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

console.log(`matmul, GFLOP/s: median (min-max) of ${runs} runs after ${warmups} warm-ups; node ${process.version}`);
const header = ["product", "dtype", "contender", "GFLOP/s", "min-max", "ours/this"];
const rows: string[][] = [];
for (const cell of cells) {
  const mine = cells.find((c) => c.product === cell.product && c.dtype === cell.dtype && c.name === ours.name);
  const ratio = mine ? median(mine.gflops) / median(cell.gflops) : NaN;
  const first = cell.gflops[0] as number;
  const last = cell.gflops[cell.gflops.length - 1] as number;
  rows.push([
    cell.name === ours.name ? cell.product.label : "",
    cell.name === ours.name ? cell.dtype : "",
    cell.name,
    median(cell.gflops).toFixed(2),
    `${first.toFixed(2)}-${last.toFixed(2)}`,
    `${ratio.toFixed(2)}x`,
  ]);
}
const widths = header.map((h, col) => Math.max(h.length, ...rows.map((row) => (row[col] as string).length)));
const format = (row: string[]): string => row.map((cell, col) => cell.padEnd(widths[col] as number)).join("  ").trimEnd();
console.log(format(header));
console.log(format(widths.map((w) => "-".repeat(w))));
for (const row of rows) console.log(format(row));
for (const line of skipped) console.log(`skipped: ${line}`);

// The ceiling our one-thread kernel works toward, measured now (the machine's load moves it too):
// median against median, and best against best (the runs no other process interrupted).
const peaks = { float32: registerPeak("f32"), float64: registerPeak("f64") };
const peakOf = (dtype: DType): { best: number; median: number } => (dtype === "float64" ? peaks.float64 : peaks.float32);
console.log();
console.log(
  `register peak (one thread, mul+add on registers only), median / best: f32x4 ${peaks.float32.median.toFixed(1)} / ${peaks.float32.best.toFixed(1)} GFLOP/s, ` +
  `f64x2 ${peaks.float64.median.toFixed(1)} / ${peaks.float64.best.toFixed(1)} GFLOP/s`,
);
for (const cell of cells) {
  if (cell.name !== ours.name) continue;
  const peak = peakOf(cell.dtype);
  const best = cell.gflops[cell.gflops.length - 1] as number;
  const share = (x: number, of: number): string => `${((100 * x) / of).toFixed(0)}%`;
  console.log(`  ${cell.product.label} ${cell.dtype}: median ${median(cell.gflops).toFixed(2)} GFLOP/s = ${share(median(cell.gflops), peak.median)} of the peak's median; best ${best.toFixed(2)} = ${share(best, peak.best)} of its best`);
}
