/**
 * WebAssembly SIMD gemm against the JavaScript gemm: `npx tsx bench/gemm-wasm.ts [runs]`.
 *
 * float32, the first layer of the MNIST VAE (batch 128, 784 → 400) and its two gradient
 * products, same inputs for both kernels in the same process. Prints the median GFLOP/s
 * (2·m·n·k / seconds) with min-max over `runs` (≥ 5) timed runs after warm-ups, and wasm/JS.
 * Each wasm result is checked against the JS one before anything is timed.
 */
import { gemm } from "../src/tensor/matmul.js";
import { Generator } from "../src/tensor/random.js";
import { wasmKernels } from "../src/tensor/wasm/kernels.js";

interface Product {
  label: string;
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
}

const products: Product[] = [
  { label: "A·B   [128,784]@[784,400]", m: 128, n: 400, k: 784, transposeA: false, transposeB: false },
  { label: "Aᵀ·B  [128,784]ᵀ@[128,400]", m: 784, n: 400, k: 128, transposeA: true, transposeB: false },
  { label: "A·Bᵀ  [128,400]@[784,400]ᵀ", m: 128, n: 784, k: 400, transposeA: false, transposeB: true },
];

type Kernel = (p: Product, a: Float32Array, b: Float32Array, out: Float32Array) => void;

const wasm = wasmKernels();
if (wasm === null) throw new Error("bench: WebAssembly SIMD is not available in this runtime");

const kernels: Record<string, Kernel> = {
  "JS gemm": (p, a, b, out) => gemm(p.m, p.n, p.k, a, 0, p.transposeA, b, 0, p.transposeB, out, 0),
  "wasm gemm": (p, a, b, out) => wasm.gemm(p.m, p.n, p.k, a, 0, p.transposeA, b, 0, p.transposeB, out, 0),
};

const runs = Math.max(5, Number(process.argv[2] ?? 9));
const warmups = 5;

function median(sorted: number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** max |got - want| / max |want|. */
function relativeError(got: Float32Array, want: Float32Array): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i] as number));
    worst = Math.max(worst, Math.abs((got[i] as number) - (want[i] as number)));
  }
  return worst / (scale || 1);
}

interface Row {
  product: Product;
  name: string;
  gflops: number[];
}

const rng = new Generator(2024);
const rows: Row[] = [];
for (const product of products) {
  const a = rng.fillNormal(new Float32Array(product.m * product.k)) as Float32Array;
  const b = rng.fillNormal(new Float32Array(product.k * product.n)) as Float32Array;
  const outs = Object.fromEntries(Object.keys(kernels).map((name) => [name, new Float32Array(product.m * product.n)]));
  const each = (f: (name: string, kernel: Kernel, out: Float32Array) => void): void => {
    for (const [name, kernel] of Object.entries(kernels)) f(name, kernel, outs[name] as Float32Array);
  };
  each((_, kernel, out) => kernel(product, a, b, out));
  const error = relativeError(outs["wasm gemm"] as Float32Array, outs["JS gemm"] as Float32Array);
  if (!(error < 1e-5)) throw new Error(`wasm gemm disagrees with JS gemm on ${product.label}: ${error}`);
  for (let w = 0; w < warmups; w++) each((_, kernel, out) => kernel(product, a, b, out));
  const flops = 2 * product.m * product.n * product.k;
  each((name, kernel, out) => {
    const gflops: number[] = [];
    for (let r = 0; r < runs; r++) {
      const start = performance.now();
      kernel(product, a, b, out);
      gflops.push(flops / ((performance.now() - start) / 1000) / 1e9);
    }
    rows.push({ product, name, gflops: gflops.sort((x, y) => x - y) });
  });
}

console.log(`gemm float32, GFLOP/s: median (min-max) of ${runs} runs after ${warmups} warm-ups; node ${process.version}`);
const header = ["product", "kernel", "GFLOP/s", "min-max", "wasm/JS"];
const table = rows.map((row) => {
  const js = rows.find((r) => r.product === row.product && r.name === "JS gemm") as Row;
  const first = row.gflops[0] as number;
  const last = row.gflops[row.gflops.length - 1] as number;
  return [
    row.name === "JS gemm" ? row.product.label : "",
    row.name,
    median(row.gflops).toFixed(2),
    `${first.toFixed(2)}-${last.toFixed(2)}`,
    row.name === "JS gemm" ? "" : `${(median(row.gflops) / median(js.gflops)).toFixed(2)}x`,
  ];
});
const widths = header.map((h, col) => Math.max(h.length, ...table.map((row) => (row[col] as string).length)));
const format = (row: string[]): string => row.map((cell, col) => cell.padEnd(widths[col] as number)).join("  ").trimEnd();
console.log(format(header));
console.log(format(widths.map((w) => "-".repeat(w))));
for (const row of table) console.log(format(row));
