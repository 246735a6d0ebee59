/**
 * The float64 WebAssembly SIMD gemm: the module of `gemm.ts` built for f64x2 lanes, on one thread,
 * for the float64 products of gradient checks and reference runs.
 *
 * Its results are the JS kernel's (`tensor/gemm.ts`) bit for bit, so float64 never depends on the
 * kernel path: each entry is summed in k order in float64, mul then add (no fused multiply-add),
 * over the same k slices (KC, KC, ..., the rest, from 0), each slice's sum added to what the slices
 * before left; the bias is added after the product, by the caller, as on the JS path.
 *
 * Memory: as the float32 kernels (`kernels.ts`), one growable memory reused by every call.
 */
import { KC } from "../gemm.js";
import { buildGemmModule, type GemmShape } from "./gemm.js";
import { checkRange, instantiate, layoutGemm, MAX_BYTES, type WasmMemory } from "./kernels.js";
import { reserve } from "./memory.js";

/**
 * 2×8: 8 f64x2 accumulators + 4 B vectors + 1 broadcast + 1 product = 14 registers, as the
 * float32 kernel's 2×16, and k unrolled 8 as there: 16.0-18.0 → 17.7-19.7 GFLOP/s (best of 40)
 * on the VAE's products at unroll 1 → 8.
 */
export const GEMM64_SHAPE: GemmShape = { mr: 2, nr: 8, unroll: 8 };

/** `gemm` of `matmul.ts` on Float64Array, without bias. */
export interface WasmGemm64 {
  gemm(
    m: number, n: number, k: number,
    a: Float64Array, aOffset: number, transposeA: boolean,
    b: Float64Array, bOffset: number, transposeB: boolean,
    out: Float64Array, outOffset: number,
  ): void;
}

type Run = (...args: number[]) => void;

/** A fresh instance with its own memory (tests build other micro-kernel shapes). */
export function createWasmGemm64(shape: GemmShape = GEMM64_SHAPE): WasmGemm64 {
  const exports = instantiate(buildGemmModule(shape, "own", "f64"));
  const memory = exports.memory as WasmMemory;
  const run = exports.gemm as Run;
  const transposeOut = exports.transposeOut as Run;
  let heap = new Float64Array(memory.buffer);
  return {
    gemm(m, n, k, a, aOffset, transposeA, b, bOffset, transposeB, out, outOffset) {
      checkRange("A", a, aOffset, m * k);
      checkRange("B", b, bOffset, k * n);
      checkRange("out", out, outOffset, m * n);
      if (m === 0 || n === 0) return;
      if (k === 0) return void out.fill(0, outOffset, outOffset + m * n);
      // No bias, one thread (chunkWork 1, no workers), 8-byte elements, the JS kernel's k slices.
      const { kc, swap, rows, cols, aPtr, bPtr, cPtr, cOut, packedA, packedB, privateBase, end } = layoutGemm(m, n, k, false, shape, KC, 1, 0, Float64Array.BYTES_PER_ELEMENT, true);
      if (end > MAX_BYTES) throw new RangeError(`gemm (wasm, float64): [${m},${k}]·[${k},${n}] needs ${end} bytes, over the 4 GiB of wasm32`);
      reserve(memory, end);
      if (heap.buffer !== memory.buffer) heap = new Float64Array(memory.buffer);
      heap.set(a.subarray(aOffset, aOffset + m * k), aPtr / 8);
      heap.set(b.subarray(bOffset, bOffset + k * n), bPtr / 8);
      // Cᵀ = op(B)ᵀ·op(A)ᵀ where it pads less (kernels.ts), transposed back.
      const operands = swap
        ? [n, m, k, kc, bPtr, transposeB ? 0 : 1, aPtr, transposeA ? 0 : 1, cPtr]
        : [m, n, k, kc, aPtr, transposeA ? 1 : 0, bPtr, transposeB ? 1 : 0, cPtr];
      // No bias; the whole of C (rows [0, rows), columns [0, cols)); pack 3: pack both operands (gemm.ts).
      run(...operands, packedA, packedB, privateBase, 0, 0, rows, 0, cols, 3);
      const result = swap ? cOut : cPtr;
      if (swap) transposeOut(cPtr, n, m, cOut, 0);
      out.set(heap.subarray(result / 8, result / 8 + m * n), outOffset);
    },
  };
}

let cached: WasmGemm64 | null | undefined;

/** The float64 kernel, or null where WebAssembly SIMD cannot run. Built once, on first call. */
export function wasmGemm64(): WasmGemm64 | null {
  if (cached !== undefined) return cached;
  try {
    cached = createWasmGemm64();
  } catch {
    cached = null;
  }
  return cached;
}
