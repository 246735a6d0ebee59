/**
 * Float64 reference implementations for the op-spec tests: plain per-element index arithmetic
 * over plain number arrays, written independently of the kernels in `src/tensor` (no strides,
 * no row walking: every output element is computed from its multi-index).
 */

/** A reference array: a shape and its row-major values, always in float64. */
export interface Ref {
  shape: number[];
  data: number[];
}

export function ref(shape: readonly number[], data: readonly number[]): Ref {
  if (data.length !== count(shape)) throw new Error(`ref: ${data.length} values for shape [${shape.join(",")}]`);
  return { shape: [...shape], data: [...data] };
}

export function count(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** The multi-index of flat position `flat` in `shape` (row-major). */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length).fill(0);
  let rest = flat;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const dim = shape[axis] as number;
    index[axis] = rest % dim;
    rest = Math.floor(rest / dim);
  }
  return index;
}

/** The flat position of multi-index `index` in `shape` (row-major). */
export function ravel(index: readonly number[], shape: readonly number[]): number {
  let flat = 0;
  for (let axis = 0; axis < shape.length; axis++) flat = flat * (shape[axis] as number) + (index[axis] as number);
  return flat;
}

/** Build an array of `shape` from a function of each output multi-index. */
export function generate(shape: readonly number[], at: (index: number[]) => number): Ref {
  const data: number[] = [];
  for (let flat = 0; flat < count(shape); flat++) data.push(at(unravel(flat, shape)));
  return { shape: [...shape], data };
}

/** NumPy broadcasting of shapes, written out directly: right-aligned, equal or 1. */
export function broadcastShape(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let fromRight = rank; fromRight >= 1; fromRight--) {
    const dims = shapes.map((s) => (s.length - fromRight >= 0 ? (s[s.length - fromRight] as number) : 1));
    const big = dims.filter((d) => d !== 1);
    if (big.some((d) => d !== big[0])) throw new Error(`reference: shapes do not broadcast: ${JSON.stringify(shapes)}`);
    out.push(big[0] ?? 1);
  }
  return out;
}

/** The element of `x` seen at output multi-index `index` under broadcasting. */
export function readBroadcast(x: Ref, index: readonly number[]): number {
  const offset = index.length - x.shape.length;
  const own = x.shape.map((dim, axis) => (dim === 1 ? 0 : (index[offset + axis] as number)));
  return x.data[ravel(own, x.shape)] as number;
}

export function map(x: Ref, f: (v: number) => number): Ref {
  return { shape: [...x.shape], data: x.data.map(f) };
}

export function zip(a: Ref, b: Ref, f: (x: number, y: number) => number): Ref {
  const shape = broadcastShape(a.shape, b.shape);
  return generate(shape, (index) => f(readBroadcast(a, index), readBroadcast(b, index)));
}

export function zip3(a: Ref, b: Ref, c: Ref, f: (x: number, y: number, z: number) => number): Ref {
  const shape = broadcastShape(a.shape, b.shape, c.shape);
  return generate(shape, (index) => f(readBroadcast(a, index), readBroadcast(b, index), readBroadcast(c, index)));
}

/** Resolve reduction axes as the public API does: undefined is all, negatives count from the end. */
export function resolveAxes(axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === "number" ? [axes] : [...axes];
  return list.map((a) => (a < 0 ? a + rank : a));
}

/** Reduce `axes` (non-negative) with `combine`, visiting each group's elements in row-major order. */
export function reduce(x: Ref, axes: readonly number[], keepDims: boolean, combine: (values: number[]) => number): Ref {
  const keptShape = x.shape.map((d, axis) => (axes.includes(axis) ? 1 : d));
  const groups = new Map<number, number[]>();
  x.data.forEach((v, flat) => {
    const index = unravel(flat, x.shape).map((i, axis) => (axes.includes(axis) ? 0 : i));
    const key = ravel(index, keptShape);
    const group = groups.get(key);
    if (group) group.push(v);
    else groups.set(key, [v]);
  });
  const data: number[] = [];
  for (let key = 0; key < count(keptShape); key++) data.push(combine(groups.get(key) ?? []));
  const shape = keepDims ? keptShape : x.shape.filter((_, axis) => !axes.includes(axis));
  return { shape, data };
}

export const sumOf = (values: readonly number[]): number => values.reduce((acc, v) => acc + v, 0);
export const maxOf = (values: readonly number[]): number => values.reduce((acc, v) => (v > acc ? v : acc), -Infinity);

export function reshape(x: Ref, shape: readonly number[]): Ref {
  const known = shape.filter((d) => d !== -1);
  const resolved = shape.map((d) => (d === -1 ? count(x.shape) / count(known) : d));
  return ref(resolved, x.data);
}

/** Output axis i is input axis `axes[i]` (axes may be negative). */
export function permute(x: Ref, axes: readonly number[]): Ref {
  const resolved = axes.map((a) => (a < 0 ? a + x.shape.length : a));
  const shape = resolved.map((a) => x.shape[a] as number);
  return generate(shape, (outIndex) => {
    const inIndex = new Array<number>(x.shape.length).fill(0);
    resolved.forEach((a, i) => (inIndex[a] = outIndex[i] as number));
    return x.data[ravel(inIndex, x.shape)] as number;
  });
}

export function expand(x: Ref, shape: readonly number[]): Ref {
  return generate(shape, (index) => readBroadcast(x, index));
}

/** Python slice bounds for one axis: negatives count from the end, then clamp to [0, dim]. */
export function sliceBounds(dim: number, start: number, end: number): [number, number] {
  const clamp = (v: number): number => Math.min(dim, Math.max(0, v < 0 ? v + dim : v));
  const s = clamp(start);
  return [s, Math.max(s, clamp(end))];
}

export function slice(x: Ref, starts: readonly number[], ends: readonly number[]): Ref {
  const bounds = x.shape.map((dim, axis): [number, number] =>
    axis < starts.length ? sliceBounds(dim, starts[axis] as number, ends[axis] as number) : [0, dim],
  );
  const shape = bounds.map(([s, e]) => e - s);
  return generate(shape, (index) => x.data[ravel(index.map((i, axis) => i + (bounds[axis] as [number, number])[0]), x.shape)] as number);
}

export function concat(xs: readonly Ref[], axis: number): Ref {
  const first = xs[0] as Ref;
  const a = axis < 0 ? axis + first.shape.length : axis;
  const shape = [...first.shape];
  shape[a] = xs.reduce((acc, x) => acc + (x.shape[a] as number), 0);
  return generate(shape, (index) => {
    let position = index[a] as number;
    for (const x of xs) {
      const dim = x.shape[a] as number;
      if (position < dim) {
        const inner = [...index];
        inner[a] = position;
        return x.data[ravel(inner, x.shape)] as number;
      }
      position -= dim;
    }
    throw new Error("reference concat: index out of range");
  });
}

/** out[..., i..., ...] = x[..., indices[i...], ...] along `axis`. */
export function gather(x: Ref, indices: Ref, axis: number): Ref {
  const a = axis < 0 ? axis + x.shape.length : axis;
  const shape = [...x.shape.slice(0, a), ...indices.shape, ...x.shape.slice(a + 1)];
  const indexRank = indices.shape.length;
  return generate(shape, (index) => {
    const which = indices.data[ravel(index.slice(a, a + indexRank), indices.shape)] as number;
    const inIndex = [...index.slice(0, a), which, ...index.slice(a + indexRank)];
    return x.data[ravel(inIndex, x.shape)] as number;
  });
}

/** Batched op(A)·op(B) with broadcast batch axes, as a triple loop per output element. */
export function matmul(a: Ref, b: Ref, transposeA: boolean, transposeB: boolean): Ref {
  const ar = a.shape.length;
  const br = b.shape.length;
  const m = transposeA ? (a.shape[ar - 1] as number) : (a.shape[ar - 2] as number);
  const k = transposeA ? (a.shape[ar - 2] as number) : (a.shape[ar - 1] as number);
  const n = transposeB ? (b.shape[br - 2] as number) : (b.shape[br - 1] as number);
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const batch = broadcastShape(aBatch, bBatch);
  const aBatchRef: Ref = { shape: aBatch, data: [] };
  const bBatchRef: Ref = { shape: bBatch, data: [] };
  const batchOffset = (own: Ref, index: readonly number[]): number[] => {
    const offset = index.length - own.shape.length;
    return own.shape.map((dim, axis) => (dim === 1 ? 0 : (index[offset + axis] as number)));
  };
  return generate([...batch, m, n], (index) => {
    const batchIndex = index.slice(0, -2);
    const i = index[index.length - 2] as number;
    const j = index[index.length - 1] as number;
    const aLead = batchOffset(aBatchRef, batchIndex);
    const bLead = batchOffset(bBatchRef, batchIndex);
    let total = 0;
    for (let p = 0; p < k; p++) {
      const av = a.data[ravel([...aLead, ...(transposeA ? [p, i] : [i, p])], a.shape)] as number;
      const bv = b.data[ravel([...bLead, ...(transposeB ? [j, p] : [p, j])], b.shape)] as number;
      total += av * bv;
    }
    return total;
  });
}

// ---- scalar math, written from the definitions ----

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
/** log(1 + eˣ), evaluated without overflow for large x. */
export const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
export const logSigmoid = (x: number): number => -softplus(-x);

/** log Σ exp over `axes`, straight from the definition with the group maximum factored out. */
export function logSumExp(x: Ref, axes: readonly number[], keepDims: boolean): Ref {
  return reduce(x, axes, keepDims, (values) => {
    const m = maxOf(values);
    return m + Math.log(sumOf(values.map((v) => Math.exp(v - m))));
  });
}

export interface ConvRefOptions {
  stride: [number, number];
  padding: [number, number];
}

/** conv2d from its definition: y[n,o,p,q] = b[o] + Σ_{c,i,j} w[o,c,i,j]·x[n,c,p·sH-pH+i,q·sW-pW+j], outside x is 0. */
export function conv2d(x: Ref, w: Ref, bias: Ref | null, { stride: [sH, sW], padding: [pH, pW] }: ConvRefOptions): Ref {
  const [n, c, h, wd] = x.shape as [number, number, number, number];
  const [o, , kH, kW] = w.shape as [number, number, number, number];
  const outShape = [n, o, Math.floor((h + 2 * pH - kH) / sH) + 1, Math.floor((wd + 2 * pW - kW) / sW) + 1];
  return generate(outShape, ([b, oc, p, q]) => {
    let total = bias ? (bias.data[oc as number] as number) : 0;
    for (let ic = 0; ic < c; ic++) {
      for (let i = 0; i < kH; i++) {
        for (let j = 0; j < kW; j++) {
          const row = (p as number) * sH - pH + i;
          const col = (q as number) * sW - pW + j;
          if (row < 0 || row >= h || col < 0 || col >= wd) continue;
          total += (w.data[ravel([oc as number, ic, i, j], w.shape)] as number) * (x.data[ravel([b as number, ic, row, col], x.shape)] as number);
        }
      }
    }
    return total;
  });
}

/**
 * conv_transpose2d in its scatter form: every x[n,ci,h,w] adds x·w[ci,co,i,j] to
 * y[n, co, h·sH - pH + i, w·sW - pW + j] when that lies inside y, whose size is
 * (H - 1)·s - 2p + k + outputPadding.
 */
export function convTranspose2d(x: Ref, w: Ref, bias: Ref | null, options: ConvRefOptions & { outputPadding: [number, number] }): Ref {
  const [n, ci, h, wd] = x.shape as [number, number, number, number];
  const [, co, kH, kW] = w.shape as [number, number, number, number];
  const [sH, sW] = options.stride;
  const [pH, pW] = options.padding;
  const outH = (h - 1) * sH - 2 * pH + kH + options.outputPadding[0];
  const outW = (wd - 1) * sW - 2 * pW + kW + options.outputPadding[1];
  const shape = [n, co, outH, outW];
  const data = new Array<number>(count(shape)).fill(0);
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < co; oc++) {
      for (let r = 0; r < outH * outW; r++) data[ravel([b, oc, Math.floor(r / outW), r % outW], shape)] = bias ? (bias.data[oc] as number) : 0;
    }
  }
  for (let flat = 0; flat < x.data.length; flat++) {
    const [b, ic, row, col] = unravel(flat, x.shape) as [number, number, number, number];
    for (let oc = 0; oc < co; oc++) {
      for (let i = 0; i < kH; i++) {
        for (let j = 0; j < kW; j++) {
          const y = row * sH - pH + i;
          const z = col * sW - pW + j;
          if (y < 0 || y >= outH || z < 0 || z >= outW) continue;
          const at = ravel([b, oc, y, z], shape);
          data[at] = (data[at] as number) + (x.data[flat] as number) * (w.data[ravel([ic, oc, i, j], w.shape)] as number);
        }
      }
    }
  }
  return { shape, data };
}
