/**
 * Kernels that move elements without arithmetic: reshape, permute, broadcast, slice, concat,
 * gather, and the scatters that are their gradients.
 */
import { allocateOverwritten } from "./reuse.js";
import { allocate } from "./dtype.js";
import { checkSameDType, NDArray } from "./ndarray.js";
import {
  broadcastShapes,
  broadcastStrides,
  checkShape,
  formatShape,
  normalizeAxis,
  shapesEqual,
  ShapeError,
  sizeOf,
  stridesOf,
  type Shape,
} from "./shape.js";
import { forEachRow } from "./elementwise.js";

/** Same elements, new shape (storage shared). One dimension may be -1 and is then inferred. */
export function reshape(x: NDArray, shape: Shape): NDArray {
  const resolved = resolveReshape(x.shape, shape);
  return new NDArray(x.data, resolved);
}

export function resolveReshape(from: Shape, to: Shape): number[] {
  const inferred = to.filter((d) => d === -1).length;
  if (inferred > 1) throw new ShapeError(`reshape: only one dimension can be -1, got ${formatShape(to)}`);
  const size = sizeOf(from);
  const known = to.reduce((acc, d) => (d === -1 ? acc : acc * d), 1);
  if (inferred === 1 && known !== 0 && size % known !== 0) {
    throw new ShapeError(`reshape: cannot reshape ${formatShape(from)} (${size} elements) to ${formatShape(to)}`);
  }
  const resolved = to.map((d) => (d === -1 ? (known === 0 ? 0 : size / known) : d));
  checkShape("reshape", resolved);
  if (sizeOf(resolved) !== size) {
    throw new ShapeError(`reshape: cannot reshape ${formatShape(from)} (${size} elements) to ${formatShape(to)}`);
  }
  return resolved;
}

/** Reorder axes: output axis i is input axis `axes[i]`. */
export function permute(x: NDArray, axes: readonly number[]): NDArray {
  const resolved = checkPermutation("permute", axes, x.shape);
  const shape = resolved.map((a) => x.shape[a] as number);
  const inStrides = stridesOf(x.shape);
  const strides = resolved.map((a) => inStrides[a] as number);
  return gatherStrided(x, shape, strides);
}

export function checkPermutation(op: string, axes: readonly number[], shape: Shape): number[] {
  const resolved = axes.map((a) => normalizeAxis(op, a, shape.length, shape));
  if (resolved.length !== shape.length || new Set(resolved).size !== resolved.length) {
    throw new ShapeError(`${op}: [${axes.join(",")}] is not a permutation of the axes of shape ${formatShape(shape)}`);
  }
  return resolved;
}

/** The inverse of a permutation: `permute(permute(x, p), inversePermutation(p))` is x. */
export function inversePermutation(axes: readonly number[]): number[] {
  const inverse = new Array<number>(axes.length);
  axes.forEach((a, i) => (inverse[a] = i));
  return inverse;
}

/** Broadcast `x` to `shape` (NumPy rules), materialized; `x` itself when nothing is broadcast. */
export function broadcastTo(x: NDArray, shape: Shape): NDArray {
  if (shapesEqual(x.shape, shape)) return x; // arrays are immutable: no copy needed
  const target = broadcastShapes("expand", x.shape, shape);
  if (!shapesEqual(target, shape)) {
    throw new ShapeError(`expand: cannot expand ${formatShape(x.shape)} to ${formatShape(shape)}`);
  }
  return gatherStrided(x, target, broadcastStrides(x.shape, target));
}

/** Copy `x` read with arbitrary `strides` into a contiguous array of `shape`. */
function gatherStrided(x: NDArray, shape: Shape, strides: readonly number[]): NDArray {
  const out = allocateOverwritten(x.dtype, sizeOf(shape));
  const src = x.data;
  forEachRow(shape, [strides], (outOffset, offsets, length, steps) => {
    let i = offsets[0] as number;
    const step = steps[0] as number;
    // A broadcast row is one repeated value (step 0: sum's gradient over the last axis) or a
    // contiguous run (step 1: a bias row): fill and set are memset and memcpy.
    if (step === 0) out.fill(src[i] as number, outOffset, outOffset + length);
    else if (step === 1) out.set(src.subarray(i, i + length), outOffset);
    else for (let o = outOffset; o < outOffset + length; o++, i += step) out[o] = src[i] as number;
  });
  return new NDArray(out, shape);
}

/** Per axis, `[start, end)` with step 1; `starts`/`ends` cover the leading axes, the rest are whole. */
export interface SliceRange {
  starts: number[];
  ends: number[];
}

/** Resolve slice bounds (negative counts from the end; clamped as in Python) for `shape`. */
export function resolveSlice(shape: Shape, starts: readonly number[], ends: readonly number[]): SliceRange {
  if (starts.length !== ends.length || starts.length > shape.length) {
    throw new ShapeError(`slice: ${starts.length} starts and ${ends.length} ends for shape ${formatShape(shape)}`);
  }
  const resolvedStarts: number[] = [];
  const resolvedEnds: number[] = [];
  shape.forEach((dim, axis) => {
    const rawStart = axis < starts.length ? (starts[axis] as number) : 0;
    const rawEnd = axis < ends.length ? (ends[axis] as number) : dim;
    if (!Number.isInteger(rawStart) || !Number.isInteger(rawEnd)) {
      throw new ShapeError(`slice: bounds must be integers, got [${rawStart}, ${rawEnd}) on axis ${axis} of ${formatShape(shape)}`);
    }
    const start = Math.min(dim, Math.max(0, rawStart < 0 ? rawStart + dim : rawStart));
    const end = Math.min(dim, Math.max(start, rawEnd < 0 ? rawEnd + dim : rawEnd));
    resolvedStarts.push(start);
    resolvedEnds.push(end);
  });
  return { starts: resolvedStarts, ends: resolvedEnds };
}

/** The sub-array `x[starts[0]:ends[0], starts[1]:ends[1], ...]` (bounds already resolved). */
export function slice(x: NDArray, range: SliceRange): NDArray {
  const shape = range.ends.map((end, axis) => end - (range.starts[axis] as number));
  const strides = stridesOf(x.shape);
  const base = range.starts.reduce((acc, start, axis) => acc + start * (strides[axis] as number), 0);
  const out = allocate(x.dtype, sizeOf(shape));
  const src = x.data;
  forEachRow(shape, [strides], (outOffset, offsets, length) => {
    const from = base + (offsets[0] as number);
    for (let k = 0; k < length; k++) out[outOffset + k] = src[from + k] as number;
  });
  return new NDArray(out, shape);
}

/** The gradient of slice: `x` placed at `range` inside zeros of `shape`. */
export function padSlice(x: NDArray, shape: Shape, range: SliceRange): NDArray {
  const out = allocate(x.dtype, sizeOf(shape));
  const strides = stridesOf(shape);
  const base = range.starts.reduce((acc, start, axis) => acc + start * (strides[axis] as number), 0);
  const src = x.data;
  forEachRow(x.shape, [strides], (inOffset, offsets, length) => {
    const to = base + (offsets[0] as number);
    for (let k = 0; k < length; k++) out[to + k] = src[inOffset + k] as number;
  });
  return new NDArray(out, shape);
}

/** Join arrays along `axis`; all other dimensions must agree. */
export function concat(xs: readonly NDArray[], axis: number): NDArray {
  const first = xs[0];
  if (!first) throw new ShapeError("concat: needs at least one array");
  checkSameDType("concat", ...xs);
  const resolved = normalizeAxis("concat", axis, first.rank, first.shape);
  for (const x of xs) {
    const agrees = x.rank === first.rank && x.shape.every((d, i) => i === resolved || d === first.shape[i]);
    if (!agrees) {
      throw new ShapeError(`concat: shapes differ outside axis ${axis}, ${xs.map((a) => formatShape(a.shape)).join(" and ")}`);
    }
  }
  const shape = [...first.shape];
  shape[resolved] = xs.reduce((acc, x) => acc + (x.shape[resolved] as number), 0);
  const outer = sizeOf(first.shape.slice(0, resolved));
  const inner = sizeOf(first.shape.slice(resolved + 1));
  const out = allocate(first.dtype, sizeOf(shape));
  const outRow = (shape[resolved] as number) * inner;
  let column = 0;
  for (const x of xs) {
    const rowLength = (x.shape[resolved] as number) * inner;
    for (let o = 0; o < outer; o++) out.set(x.data.subarray(o * rowLength, (o + 1) * rowLength), o * outRow + column);
    column += rowLength;
  }
  return new NDArray(out, shape);
}

/** Check integer indices in `[0, length)` and return them as plain numbers. */
function checkIndices(op: string, indices: NDArray, length: number, shape: Shape, axis: number): void {
  for (let i = 0; i < indices.size; i++) {
    const index = indices.data[i] as number;
    if (!Number.isInteger(index) || index < 0 || index >= length) {
      throw new RangeError(`${op}: index ${index} at position ${i} is out of range for axis ${axis} of shape ${formatShape(shape)}`);
    }
  }
}

/**
 * Select slices along `axis` (as `tf.gather` / `torch.index_select`): the output shape is
 * `x.shape[:axis] + indices.shape + x.shape[axis+1:]`.
 */
export function gather(x: NDArray, indices: NDArray, axis: number): NDArray {
  const resolved = normalizeAxis("gather", axis, x.rank, x.shape);
  const length = x.shape[resolved] as number;
  checkIndices("gather", indices, length, x.shape, resolved);
  const outer = sizeOf(x.shape.slice(0, resolved));
  const inner = sizeOf(x.shape.slice(resolved + 1));
  const count = indices.size;
  const out = allocate(x.dtype, outer * count * inner);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < count; k++) {
      const from = (o * length + (indices.data[k] as number)) * inner;
      out.set(x.data.subarray(from, from + inner), (o * count + k) * inner);
    }
  }
  return new NDArray(out, [...x.shape.slice(0, resolved), ...indices.shape, ...x.shape.slice(resolved + 1)]);
}

/** The gradient of gather: add each slice of `grad` back at its index, into zeros of `shape`. */
export function scatterAdd(grad: NDArray, indices: NDArray, axis: number, shape: Shape): NDArray {
  const length = shape[axis] as number;
  const outer = sizeOf(shape.slice(0, axis));
  const inner = sizeOf(shape.slice(axis + 1));
  const count = indices.size;
  const out = allocate(grad.dtype, sizeOf(shape));
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < count; k++) {
      const to = (o * length + (indices.data[k] as number)) * inner;
      const from = (o * count + k) * inner;
      for (let i = 0; i < inner; i++) out[to + i] = (out[to + i] as number) + (grad.data[from + i] as number);
    }
  }
  return new NDArray(out, shape);
}
