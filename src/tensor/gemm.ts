/**
 * The plain-JavaScript matrix-multiply kernel: `out[m,n] = op(A)[m,k] · op(B)[k,n]`.
 *
 * Blocking scheme (after Goto & van de Geijn, "Anatomy of High-Performance Matrix
 * Multiplication", 2008):
 *
 *   for each block of NC columns of op(B)
 *     for each slice of KC along k:  pack op(B)[slice, block] into panels of NR columns
 *       for each block of MC rows:   pack op(A)[block, slice] into panels of MR rows
 *         for each B panel, for each A panel:  an MR×NR micro-kernel, accumulators in registers
 *
 * Packing copies the operands, in whatever layout the transpose flags give, into panels that the
 * micro-kernel reads strictly sequentially, so all four transpose cases run the same hot loop.
 * The panels are Float64Array whatever the input dtype: the hot loop stays monomorphic (V8
 * compiles one version rather than dispatching on the typed-array kind at every load; panels of
 * the input's own dtype measured 1.4x slower once both dtypes had been seen), and float32
 * products are summed in float64, then rounded once on store.
 */
import type { TypedArray } from "./dtype.js";

/** Micro-kernel size: 4×3 = 12 accumulators plus 7 operands fit the 16 SSE registers V8 uses
 * (4×4 spills and measured 5-10% slower, 4×2 15% slower; 3×4 and 2×6 tie with 4×3). */
const MR = 4;
const NR = 3;
/**
 * Cache blocks: a packed A block (MC×KC float64, 256 KiB) stays in L2 and a B panel (KC×NR,
 * 6 KiB) in L1. NOTE: the scalar kernel is compute-bound, so the blocking measured no faster
 * than packing whole operands, even at 1024³; it is kept because it bounds the scratch memory
 * (about 2.3 MiB) whatever the shapes.
 */
export const KC = 256;
const MC = 128;
const NC = 1020;

// Scratch panels, reused across calls and grown on demand (JS is single-threaded, and the kernel
// never calls out while they are in use).
let packedA = new Float64Array(0);
let packedB = new Float64Array(0);
/** One MR×NR tile, for the partial tiles at the bottom and right edges. */
const edge = new Float64Array(MR * NR);

/** `gemm` in plain JavaScript (the oracle for other kernels); see `gemm` in `matmul.ts`. */
export function gemmJs(
  m: number, n: number, k: number,
  a: TypedArray, aOffset: number, transposeA: boolean,
  b: TypedArray, bOffset: number, transposeB: boolean,
  out: TypedArray, outOffset: number,
): void {
  if (m === 0 || n === 0) return;
  if (k === 0) {
    out.fill(0, outOffset, outOffset + m * n);
    return;
  }
  // Strides of op(A)[i,p] and of op(B)ᵀ[j,p] in storage: both are packed as "rows × k".
  const aRowStride = transposeA ? 1 : k;
  const aDepthStride = transposeA ? m : 1;
  const bColStride = transposeB ? k : 1;
  const bDepthStride = transposeB ? 1 : n;
  const kcMax = Math.min(k, KC);
  const aSize = roundUp(Math.min(m, MC), MR) * kcMax;
  const bSize = roundUp(Math.min(n, NC), NR) * kcMax;
  if (packedA.length < aSize) packedA = new Float64Array(aSize);
  if (packedB.length < bSize) packedB = new Float64Array(bSize);

  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = Math.min(KC, k - p0);
      // The first k-slice stores into `out`, later slices add to it.
      const accumulate = p0 > 0;
      pack(b, bOffset + j0 * bColStride + p0 * bDepthStride, bColStride, bDepthStride, nc, kc, NR, packedB);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = Math.min(MC, m - i0);
        pack(a, aOffset + i0 * aRowStride + p0 * aDepthStride, aRowStride, aDepthStride, mc, kc, MR, packedA);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = Math.min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = Math.min(MR, mc - ir);
            const o = outOffset + (i0 + ir) * n + j0 + jr;
            microKernel(kc, packedA, ir * kc, packedB, jr * kc, out, o, n, rows, cols, accumulate);
          }
        }
      }
    }
  }
}

function roundUp(x: number, multiple: number): number {
  return Math.ceil(x / multiple) * multiple;
}

/**
 * Packs `rows × depth` elements, element (r, p) at `src[offset + r*rowStride + p*depthStride]`,
 * into panels of `R` rows: `dest[(panel*depth + p)*R + r % R]`. The last panel is padded with
 * zeros, which only feed tile entries outside the matrix (the micro-kernel drops them), so NaN
 * and Inf in real entries propagate exactly as in a plain loop.
 * NOTE: one loop order for every layout. Reading along p even when it is the strided axis
 * measured as fast as switching to the contiguous order (whose inner loop is only R long), and
 * packing is a few percent of the time.
 */
function pack(
  src: TypedArray, offset: number, rowStride: number, depthStride: number,
  rows: number, depth: number, R: number, dest: Float64Array,
): void {
  for (let r0 = 0; r0 < rows; r0 += R) {
    const base = r0 * depth;
    const height = Math.min(R, rows - r0);
    for (let r = 0; r < R; r++) {
      let d = base + r;
      if (r < height) {
        let s = offset + (r0 + r) * rowStride;
        for (let p = 0; p < depth; p++, s += depthStride, d += R) dest[d] = src[s] as number;
      } else {
        for (let p = 0; p < depth; p++, d += R) dest[d] = 0;
      }
    }
  }
}

/**
 * `out[o + i*ldo + j] (+)= Σ_p a[i,p] b[p,j]` for one MR×NR tile, of which the top-left
 * `rows × cols` is kept. `a` and `b` are packed panels read sequentially from `ia` and `ib`.
 */
function microKernel(
  kc: number, a: Float64Array, ia: number, b: Float64Array, ib: number,
  out: TypedArray, o: number, ldo: number, rows: number, cols: number, accumulate: boolean,
): void {
  let c00 = 0, c01 = 0, c02 = 0;
  let c10 = 0, c11 = 0, c12 = 0;
  let c20 = 0, c21 = 0, c22 = 0;
  let c30 = 0, c31 = 0, c32 = 0;
  for (let p = 0; p < kc; p++, ia += MR, ib += NR) {
    const a0 = a[ia] as number, a1 = a[ia + 1] as number, a2 = a[ia + 2] as number, a3 = a[ia + 3] as number;
    const b0 = b[ib] as number, b1 = b[ib + 1] as number, b2 = b[ib + 2] as number;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2;
  }
  if (rows === MR && cols === NR) {
    const o1 = o + ldo, o2 = o1 + ldo, o3 = o2 + ldo;
    if (accumulate) {
      c00 += out[o] as number; c01 += out[o + 1] as number; c02 += out[o + 2] as number;
      c10 += out[o1] as number; c11 += out[o1 + 1] as number; c12 += out[o1 + 2] as number;
      c20 += out[o2] as number; c21 += out[o2 + 1] as number; c22 += out[o2 + 2] as number;
      c30 += out[o3] as number; c31 += out[o3 + 1] as number; c32 += out[o3 + 2] as number;
    }
    out[o] = c00; out[o + 1] = c01; out[o + 2] = c02;
    out[o1] = c10; out[o1 + 1] = c11; out[o1 + 2] = c12;
    out[o2] = c20; out[o2 + 1] = c21; out[o2 + 2] = c22;
    out[o3] = c30; out[o3 + 1] = c31; out[o3 + 2] = c32;
    return;
  }
  edge[0] = c00; edge[1] = c01; edge[2] = c02;
  edge[3] = c10; edge[4] = c11; edge[5] = c12;
  edge[6] = c20; edge[7] = c21; edge[8] = c22;
  edge[9] = c30; edge[10] = c31; edge[11] = c32;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const at = o + i * ldo + j;
      const value = edge[i * NR + j] as number;
      out[at] = accumulate ? (out[at] as number) + value : value;
    }
  }
}
