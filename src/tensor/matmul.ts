/**
 * Matrix multiplication, 2-D and batched, with `transposeA` / `transposeB` flags so that the
 * gradients `dA = dC·Bᵀ` and `dB = Aᵀ·dC` never copy a transpose.
 */
import type { TypedArray } from "./dtype.js";
import { allocateOverwritten } from "./reuse.js";
import { checkSameDType, NDArray } from "./ndarray.js";
import { broadcastShapes, broadcastStrides, formatShape, ShapeError, sizeOf, type Shape } from "./shape.js";
import { forEachRow } from "./elementwise.js";
import { gemmJs } from "./gemm.js";
import { activeWasmGemm64, activeWasmKernels } from "./backend.js";

export interface MatmulOptions {
  transposeA?: boolean;
  transposeB?: boolean;
}

/**
 * The flat kernel: `out[m,n] = op(A)[m,k] · op(B)[k,n]`, where `op(A)` is A stored row-major as
 * `[m,k]`, or as `[k,m]` when `transposeA` (likewise B). Reads and writes at the given offsets and
 * overwrites `out`, which must not overlap A or B. With `bias` (n values from `biasOffset`), adds
 * it to every row: `out[i,j] += bias[j]`. Float32 runs on the WebAssembly SIMD kernel when that
 * path is active (see backend.ts), which adds the bias as it stores; float64 on the float64 wasm
 * kernel, with the JS kernel's bits; everything else on the plain-JS one in `gemm.ts`. Both of the
 * latter add the bias after.
 */
export function gemm(
  m: number, n: number, k: number,
  a: TypedArray, aOffset: number, transposeA: boolean,
  b: TypedArray, bOffset: number, transposeB: boolean,
  out: TypedArray, outOffset: number,
  bias?: TypedArray, biasOffset = 0,
): void {
  const wasm = activeWasmKernels();
  if (wasm && a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array && (!bias || bias instanceof Float32Array)) {
    wasm.gemm(m, n, k, a, aOffset, transposeA, b, bOffset, transposeB, out, outOffset, bias, biasOffset);
    return;
  }
  const wasm64 = activeWasmGemm64();
  if (wasm64 && a instanceof Float64Array && b instanceof Float64Array && out instanceof Float64Array) wasm64.gemm(m, n, k, a, aOffset, transposeA, b, bOffset, transposeB, out, outOffset);
  else gemmJs(m, n, k, a, aOffset, transposeA, b, bOffset, transposeB, out, outOffset);
  if (!bias) return;
  for (let i = 0, o = outOffset; i < m; i++) {
    for (let j = 0; j < n; j++, o++) out[o] = (out[o] as number) + (bias[biasOffset + j] as number);
  }
}

/** The shapes of a matmul: rows, inner and columns of each matrix, and the broadcast batch shape. */
export interface MatmulShape {
  m: number;
  k: number;
  n: number;
  batch: number[];
  out: number[];
}

function matmulShape(a: Shape, b: Shape, options: MatmulOptions = {}): MatmulShape {
  // Built only for an error (formatting both shapes on every call was 0.2% of the VAE step).
  const describe = (): string => `${formatShape(a)}${options.transposeA ? "ᵀ" : ""} @ ${formatShape(b)}${options.transposeB ? "ᵀ" : ""}`;
  if (a.length < 2 || b.length < 2) {
    throw new ShapeError(`matmul: both operands need at least 2 dimensions, ${describe()}`);
  }
  const [aRows, aCols] = a.slice(-2) as [number, number];
  const [bRows, bCols] = b.slice(-2) as [number, number];
  const m = options.transposeA ? aCols : aRows;
  const k = options.transposeA ? aRows : aCols;
  const kB = options.transposeB ? bCols : bRows;
  const n = options.transposeB ? bRows : bCols;
  if (k !== kB) throw new ShapeError(`matmul: inner dimensions differ, ${describe()}`);
  const batch = broadcastShapes("matmul", a.slice(0, -2), b.slice(0, -2));
  return { m, k, n, batch, out: [...batch, m, n] };
}

/**
 * `op(A) · op(B)` over the last two axes, broadcasting the leading (batch) axes; with `bias`, a
 * vector of n values, plus that bias on every row (`x·Wᵀ + b` in one pass).
 */
export function matmul(a: NDArray, b: NDArray, options: MatmulOptions = {}, bias?: NDArray): NDArray {
  const dtype = checkSameDType("matmul", a, b, ...(bias ? [bias] : []));
  const { m, k, n, batch, out: outShape } = matmulShape(a.shape, b.shape, options);
  if (bias) {
    if (bias.rank !== 1 || bias.shape[0] !== n) {
      throw new ShapeError(`matmul: bias must have shape [${n}] (the columns of the product), got ${formatShape(bias.shape)}`);
    }
  }
  const transposeA = options.transposeA ?? false;
  const transposeB = options.transposeB ?? false;
  const out = allocateOverwritten(dtype, sizeOf(outShape)); // each batch entry's gemm writes all of its m×n
  const aBatchStrides = broadcastStrides(a.shape.slice(0, -2), batch).map((s) => s * m * k);
  const bBatchStrides = broadcastStrides(b.shape.slice(0, -2), batch).map((s) => s * k * n);
  // Visit each batch entry: a row of length 1 over a trailing unit axis gives one call per matrix.
  forEachRow([...batch, 1], [[...aBatchStrides, 0], [...bBatchStrides, 0]], (index, offsets) => {
    gemm(m, n, k, a.data, offsets[0] as number, transposeA, b.data, offsets[1] as number, transposeB, out, index * m * n, bias?.data);
  });
  return new NDArray(out, outShape);
}
