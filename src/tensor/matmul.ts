/**
 * Matrix multiplication, 2-D and batched, with `transposeA` / `transposeB` flags so that the
 * gradients `dA = dC·Bᵀ` and `dB = Aᵀ·dC` never copy a transpose.
 */
import { allocate, type TypedArray } from "./dtype.js";
import { checkSameDType, NDArray } from "./ndarray.js";
import { broadcastShapes, broadcastStrides, formatShape, ShapeError, sizeOf, type Shape } from "./shape.js";
import { forEachRow } from "./elementwise.js";
import { gemmJs } from "./gemm.js";
import { activeWasmKernels } from "./backend.js";

export interface MatmulOptions {
  transposeA?: boolean;
  transposeB?: boolean;
}

/**
 * The flat kernel: `out[m,n] = op(A)[m,k] · op(B)[k,n]`, where `op(A)` is A stored row-major as
 * `[m,k]`, or as `[k,m]` when `transposeA` (likewise B). Reads and writes at the given offsets and
 * overwrites `out`, which must not overlap A or B. Float32 runs on the WebAssembly SIMD kernel
 * when that path is active (see backend.ts); everything else on the plain-JS one in `gemm.ts`.
 */
export function gemm(
  m: number, n: number, k: number,
  a: TypedArray, aOffset: number, transposeA: boolean,
  b: TypedArray, bOffset: number, transposeB: boolean,
  out: TypedArray, outOffset: number,
): void {
  const wasm = activeWasmKernels();
  if (wasm && a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array) {
    wasm.gemm(m, n, k, a, aOffset, transposeA, b, bOffset, transposeB, out, outOffset);
  } else {
    gemmJs(m, n, k, a, aOffset, transposeA, b, bOffset, transposeB, out, outOffset);
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

export function matmulShape(a: Shape, b: Shape, options: MatmulOptions = {}): MatmulShape {
  const describe = `${formatShape(a)}${options.transposeA ? "ᵀ" : ""} @ ${formatShape(b)}${options.transposeB ? "ᵀ" : ""}`;
  if (a.length < 2 || b.length < 2) {
    throw new ShapeError(`matmul: both operands need at least 2 dimensions, ${describe}`);
  }
  const [aRows, aCols] = a.slice(-2) as [number, number];
  const [bRows, bCols] = b.slice(-2) as [number, number];
  const m = options.transposeA ? aCols : aRows;
  const k = options.transposeA ? aRows : aCols;
  const kB = options.transposeB ? bCols : bRows;
  const n = options.transposeB ? bRows : bCols;
  if (k !== kB) throw new ShapeError(`matmul: inner dimensions differ, ${describe}`);
  const batch = broadcastShapes("matmul", a.slice(0, -2), b.slice(0, -2));
  return { m, k, n, batch, out: [...batch, m, n] };
}

/** `op(A) · op(B)` over the last two axes, broadcasting the leading (batch) axes. */
export function matmul(a: NDArray, b: NDArray, options: MatmulOptions = {}): NDArray {
  const dtype = checkSameDType("matmul", a, b);
  const { m, k, n, batch, out: outShape } = matmulShape(a.shape, b.shape, options);
  const transposeA = options.transposeA ?? false;
  const transposeB = options.transposeB ?? false;
  const out = allocate(dtype, sizeOf(outShape));
  const aBatchStrides = broadcastStrides(a.shape.slice(0, -2), batch).map((s) => s * m * k);
  const bBatchStrides = broadcastStrides(b.shape.slice(0, -2), batch).map((s) => s * k * n);
  // Visit each batch entry: a row of length 1 over a trailing unit axis gives one call per matrix.
  forEachRow([...batch, 1], [[...aBatchStrides, 0], [...bBatchStrides, 0]], (index, offsets) => {
    gemm(m, n, k, a.data, offsets[0] as number, transposeA, b.data, offsets[1] as number, transposeB, out, index * m * n);
  });
  return new NDArray(out, outShape);
}
