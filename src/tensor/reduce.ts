/**
 * Reductions over any set of axes: sum, max, argmax. `keepDims` keeps each reduced axis as
 * size 1, which is the form the gradients need.
 */
import { activeWasmReduce } from "./backend.js";
import { allocate, type TypedArray } from "./dtype.js";
import type { WasmReduce } from "./wasm/reduce.js";
import { NDArray } from "./ndarray.js";
import { broadcastStrides, formatShape, normalizeAxes, normalizeAxis, ShapeError, sizeOf, type Shape } from "./shape.js";
import { forEachRow } from "./elementwise.js";

export type Axes = number | readonly number[] | undefined;

/** The shape after reducing `axes`, with reduced axes kept as 1 or dropped. */
export function reducedShape(shape: Shape, axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((dim, axis) => {
    if (!axes.includes(axis)) out.push(dim);
    else if (keepDims) out.push(1);
  });
  return out;
}

/**
 * Reduce `x` into an accumulator of the keep-dims shape: every input element is combined into
 * the output cell it maps to (stride 0 along reduced axes).
 */
function reduceInto(
  x: NDArray,
  keepShape: Shape,
  accumulator: Float64Array,
  combine: "sum" | "max",
): void {
  const outStrides = broadcastStrides(keepShape, x.shape);
  const src = x.data;
  forEachRow(x.shape, [outStrides], (inOffset, offsets, length, steps) => {
    let o = offsets[0] as number;
    const step = steps[0] as number;
    if (combine === "sum" && step === 0) accumulator[o] = sumRow(src, inOffset, length, accumulator[o] as number);
    else if (combine === "sum" && step === 1) addRow(accumulator, o, src, inOffset, length);
    else if (combine === "sum") {
      for (let i = inOffset; i < inOffset + length; i++, o += step) accumulator[o] = (accumulator[o] as number) + (src[i] as number);
    } else {
      for (let i = inOffset; i < inOffset + length; i++, o += step) {
        const v = src[i] as number;
        const acc = accumulator[o] as number;
        if (v > acc || v !== v) accumulator[o] = v; // NaN propagates, as in torch.amax
      }
    }
  });
}

/**
 * Σ src[start .. start+length) in a local rather than through the accumulator in memory (a
 * store-to-load dependency per element); the same order, so the same float64 sum.
 */
function sumRow(src: TypedArray, start: number, length: number, initial: number): number {
  let total = initial;
  for (let i = start; i < start + length; i++) total += src[i] as number;
  return total;
}

/** accumulator[o ..] += src[start .. start+length): a row added into the reduced row. */
function addRow(accumulator: Float64Array, o: number, src: TypedArray, start: number, length: number): void {
  for (let j = 0; j < length; j++) accumulator[o + j] = (accumulator[o + j] as number) + (src[start + j] as number);
}

/**
 * The row sums of the `rows × length` block of `src` at `start` added into accumulator[0 .. rows)
 * (a sum over trailing axes, as a log-likelihood per example), four rows at a time: their four
 * chains of dependent additions overlap in the CPU, where one chain waits for each add to finish.
 * Each row is still summed left to right from its accumulator, so the float64 sums are those of
 * `sumRow`.
 */
function rowSums(src: TypedArray, start: number, rows: number, length: number, accumulator: Float64Array): void {
  const wasm = wasmSums(src, rows * length, length);
  let r = wasm === null ? 0 : wasm.rowSums(src as Float32Array, start, rows, length, accumulator);
  for (; r + 4 <= rows; r += 4) {
    const a = start + r * length, b = a + length, c = b + length, d = c + length;
    let sa = accumulator[r] as number, sb = accumulator[r + 1] as number, sc = accumulator[r + 2] as number, sd = accumulator[r + 3] as number;
    for (let j = 0; j < length; j++) {
      sa += src[a + j] as number;
      sb += src[b + j] as number;
      sc += src[c + j] as number;
      sd += src[d + j] as number;
    }
    accumulator[r] = sa;
    accumulator[r + 1] = sb;
    accumulator[r + 2] = sc;
    accumulator[r + 3] = sd;
  }
  for (; r < rows; r++) accumulator[r] = sumRow(src, start + r * length, length, accumulator[r] as number);
}

/**
 * The column sums of `src` as `rows × length` (a sum over leading axes, as a bias gradient),
 * eight rows per pass over the accumulator, each column still summed row after row in order.
 */
function columnSums(src: TypedArray, rows: number, length: number, accumulator: Float64Array): void {
  let r = 0;
  for (; r + 8 <= rows; r += 8) {
    const a = r * length, b = a + length, c = b + length, d = c + length;
    const e = d + length, f = e + length, g = f + length, h = g + length;
    for (let j = 0; j < length; j++) {
      accumulator[j] = (accumulator[j] as number) + (src[a + j] as number) + (src[b + j] as number) + (src[c + j] as number) + (src[d + j] as number)
        + (src[e + j] as number) + (src[f + j] as number) + (src[g + j] as number) + (src[h + j] as number);
    }
  }
  for (; r < rows; r++) addRow(accumulator, 0, src, r * length, length);
}

/** Below this many elements summed, the JS loops beat a wasm call (its copy in and out). */
const WASM_MIN_SIZE = 4096;

/**
 * The wasm column and row sums, when they apply to `size` elements in rows of `length`: float32,
 * rows of whole f32x4s, large enough. They give `columnSums`' and `rowSums`' bits ([128, 784]:
 * columns 51 µs in JS, 17 in wasm; rows 46 and 25; 2026-12-04).
 */
function wasmSums(data: TypedArray, size: number, length: number): WasmReduce | null {
  return data instanceof Float32Array && length % 4 === 0 && size >= WASM_MIN_SIZE ? activeWasmReduce() : null;
}

/** Sum over `axes` (all axes when undefined). Accumulates in float64. */
export function sum(x: NDArray, axes?: Axes, keepDims = false): NDArray {
  const resolved = normalizeAxes("sum", axes, x.shape);
  const keepShape = reducedShape(x.shape, resolved, true);
  const accumulator = new Float64Array(sizeOf(keepShape));
  // Fast paths: the kept axes are one block [k0, k1) and the reduced ones all the others. Leading
  // axes reduced only: column sums; otherwise, for each index of the leading ones, the row sums of
  // the block over the trailing ones (a bias gradient over batch and pixels, [0, 2, 3]), in the
  // order reduceInto adds, so with its bits.
  const partial = accumulator.length > 0 && resolved.length > 0 && resolved.length < x.rank;
  const gap = resolved.findIndex((axis, i) => axis !== i);
  const k0 = gap < 0 ? resolved.length : gap;
  const k1 = k0 + x.rank - resolved.length;
  const block = partial && resolved.every((axis, i) => axis === (i < k0 ? i : k1 + i - k0));
  if (block && k1 === x.rank) {
    const wasm = wasmSums(x.data, x.size, accumulator.length);
    if (wasm !== null) wasm.columnSums(x.data as Float32Array, x.size / accumulator.length, accumulator.length, accumulator);
    else columnSums(x.data, x.size / accumulator.length, accumulator.length, accumulator);
  } else if (block) {
    const inner = sizeOf(x.shape.slice(k1));
    for (let start = 0; start < x.size; start += accumulator.length * inner) rowSums(x.data, start, accumulator.length, inner, accumulator);
  } else reduceInto(x, keepShape, accumulator, "sum");
  const out = allocate(x.dtype, accumulator.length);
  out.set(accumulator);
  return new NDArray(out, reducedShape(x.shape, resolved, keepDims));
}

/** Maximum over `axes` (all axes when undefined). Reducing an empty axis is an error. */
export function max(x: NDArray, axes?: Axes, keepDims = false): NDArray {
  const resolved = normalizeAxes("max", axes, x.shape);
  for (const axis of resolved) {
    if (x.shape[axis] === 0) throw new ShapeError(`max: cannot reduce axis ${axis} of size 0, shape ${formatShape(x.shape)}`);
  }
  const keepShape = reducedShape(x.shape, resolved, true);
  const accumulator = new Float64Array(sizeOf(keepShape)).fill(-Infinity);
  reduceInto(x, keepShape, accumulator, "max");
  const out = allocate(x.dtype, accumulator.length);
  out.set(accumulator);
  return new NDArray(out, reducedShape(x.shape, resolved, keepDims));
}

/**
 * Index of the maximum along one axis (the first one on ties), as integers stored in the
 * input's dtype.
 */
export function argmax(x: NDArray, axis: number, keepDims = false): NDArray {
  const resolved = normalizeAxis("argmax", axis, x.rank, x.shape);
  const length = x.shape[resolved] as number;
  if (length === 0) throw new ShapeError(`argmax: cannot reduce axis ${axis} of size 0, shape ${formatShape(x.shape)}`);
  const outer = sizeOf(x.shape.slice(0, resolved));
  const inner = sizeOf(x.shape.slice(resolved + 1));
  const out = allocate(x.dtype, outer * inner);
  const src = x.data;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * length * inner + i;
      let best = src[base] as number;
      let bestIndex = 0;
      for (let k = 1; k < length; k++) {
        const v = src[base + k * inner] as number;
        if (v > best || (v !== v && best === best)) {
          best = v;
          bestIndex = k;
        }
      }
      out[o * inner + i] = bestIndex;
    }
  }
  return new NDArray(out, reducedShape(x.shape, [resolved], keepDims));
}
