/**
 * Elementwise kernels: unary maps (their loops in `unary.ts`) and binary ops with NumPy
 * broadcasting.
 *
 * Each op is a tight loop chosen once per call (or once per row when broadcasting), never a
 * closure per element. Equal shapes take a single flat loop.
 */
import { activeWasmElementwise } from "./backend.js";
import { allocate } from "./dtype.js";
import { allocateOverwritten } from "./reuse.js";
import type { TypedArray } from "./dtype.js";
import { hasWasmBinary, type WasmElementwise } from "./wasm/elementwise.js";
import { hasWasmUnary, UNARY_KERNELS, type UnaryOp } from "./unary.js";
import { checkSameDType, NDArray } from "./ndarray.js";
import { broadcastShapes, broadcastStrides, formatShape, shapesEqual, ShapeError, sizeOf } from "./shape.js";

export type { UnaryOp } from "./unary.js";

/** Below this many elements a wasm call costs more than the JS loop. */
const WASM_MIN_SIZE = 256;

/** `out[i] = op(x[i])`, on the op's wasm body where it has one and it applies, else its JS loop (`unary.ts`). */
export function unary(op: UnaryOp, x: NDArray): NDArray {
  const out = allocateOverwritten(x.dtype, x.size);
  const wasm = wasmMap(out, x.data);
  if (wasm !== null && hasWasmUnary(op)) wasm.unary(op, x.data as Float32Array, out as Float32Array);
  else UNARY_KERNELS[op].js(x.data, out);
  return new NDArray(out, x.shape);
}

/** `out[i] = x[i] ** exponent`, for a scalar exponent. */
export function powScalar(x: NDArray, exponent: number): NDArray {
  const out = allocate(x.dtype, x.size);
  const src = x.data;
  for (let i = 0; i < out.length; i++) out[i] = (src[i] as number) ** exponent;
  return new NDArray(out, x.shape);
}

/** `out[i] = x[i] * scale + shift`: the one affine map kernels and optimizers need. */
export function affine(x: NDArray, scale: number, shift: number): NDArray {
  const out = allocate(x.dtype, x.size);
  const src = x.data;
  for (let i = 0; i < out.length; i++) out[i] = (src[i] as number) * scale + shift;
  return new NDArray(out, x.shape);
}

/**
 * Binary cross-entropy from logits, elementwise: -[t log σ(l) + (1 - t) log(1 - σ(l))]
 * = softplus(l) - t·l, computed as (max(l, 0) - t·l) + log1p(e^-|l|): exp never overflows, and
 * the first part is exact for t ∈ {0, 1}, so a confident right answer keeps its tiny loss.
 */
export function bceWithLogits(logits: NDArray, targets: NDArray): NDArray {
  return bceWithLogitsAndResidual(logits, targets, false).loss;
}

/**
 * `bceWithLogits`, and with `keepResidual`, where its kernel has it on the way, the residual
 * σ(l) - t of its gradient: the wasm kernel's exp(-|l|) for the loss is the one σ needs, so the
 * backward is then one multiply, g·residual (`bceWithLogitsGrad`), with the bits of the wasm
 * gradient kernel (forward 313 → 333 µs, backward 166 → 41 µs at [128, 784], 2026-12-04).
 * Null on the JS path, whose gradient is computed from the logits in float64 (its bits).
 */
export function bceWithLogitsAndResidual(logits: NDArray, targets: NDArray, keepResidual: boolean): { loss: NDArray; residual: NDArray | null } {
  checkSameShape("bceWithLogits", logits, targets);
  const n = logits.size;
  const out = allocateOverwritten(logits.dtype, n);
  const l = logits.data;
  const t = targets.data;
  const wasm = wasmMap(out, l, t);
  if (wasm !== null && keepResidual) {
    const residual = allocateOverwritten("float32", n) as Float32Array;
    wasm.bceResidual(l as Float32Array, t as Float32Array, out as Float32Array, residual);
    return { loss: new NDArray(out, logits.shape), residual: new NDArray(residual, logits.shape) };
  }
  if (wasm !== null) wasm.bce(l as Float32Array, t as Float32Array, out as Float32Array);
  else {
    for (let i = 0; i < n; i++) {
      const v = l[i] as number;
      out[i] = (v > 0 ? v : 0) - (t[i] as number) * v + Math.log1p(Math.exp(-Math.abs(v)));
    }
  }
  return { loss: new NDArray(out, logits.shape), residual: null };
}

/**
 * The gradient of `bceWithLogits` with respect to the logits, times g: g·(σ(l) - t); from the
 * forward's `residual` σ(l) - t when it kept one (the same bits), else from the logits.
 */
export function bceWithLogitsGrad(g: NDArray, logits: NDArray, targets: NDArray, residual: NDArray | null = null): NDArray {
  checkSameShape("bceWithLogitsGrad", g, logits, targets);
  if (residual !== null) {
    checkSameShape("bceWithLogitsGrad", g, residual);
    return binary("mul", g, residual);
  }
  const n = logits.size;
  const out = allocateOverwritten(logits.dtype, n);
  const [gd, l, t] = [g.data, logits.data, targets.data];
  const wasm = wasmMap(out, gd, l, t);
  if (wasm !== null) wasm.bceGrad(gd as Float32Array, l as Float32Array, t as Float32Array, out as Float32Array);
  else {
    for (let i = 0; i < n; i++) {
      // σ(v) = 1/(1 + e) for v ≥ 0, e/(1 + e) for v < 0, with e = exp(-|v|) ≤ 1
      const v = l[i] as number;
      const e = Math.exp(-Math.abs(v));
      out[i] = (gd[i] as number) * ((v >= 0 ? 1 : e) / (1 + e) - (t[i] as number));
    }
  }
  return new NDArray(out, logits.shape);
}

/** relu's gradient from its saved output y: g where y > 0, else 0 (0 at the kink, as torch). */
export function reluGrad(g: NDArray, y: NDArray): NDArray {
  checkSameShape("reluGrad", g, y);
  const out = allocateOverwritten(g.dtype, g.size);
  const [gd, yd] = [g.data, y.data];
  const wasm = wasmMap(out, gd, yd);
  if (wasm !== null) wasm.reluGrad(gd as Float32Array, yd as Float32Array, out as Float32Array);
  else for (let i = 0; i < out.length; i++) out[i] = (yd[i] as number) > 0 ? (gd[i] as number) : 0;
  return new NDArray(out, g.shape);
}

/** The wasm kernels, when they apply to a map over equal-sized arrays: float32 and large enough. */
function wasmMap(out: TypedArray, ...inputs: TypedArray[]): WasmElementwise | null {
  const float32 = out instanceof Float32Array && inputs.every((x) => x instanceof Float32Array);
  return float32 && out.length >= WASM_MIN_SIZE ? activeWasmElementwise() : null;
}

function checkSameShape(op: string, ...arrays: NDArray[]): void {
  checkSameDType(op, ...arrays);
  const first = arrays[0] as NDArray;
  if (arrays.some((a) => !shapesEqual(a.shape, first.shape))) {
    throw new ShapeError(`${op}: shapes differ, ${arrays.map((a) => formatShape(a.shape)).join(" and ")}`);
  }
}

/**
 * `target += x` in place, two float32 arrays of one length (a sum of partial results, such as a
 * weight gradient over slices of a batch): on the wasm add where it applies, the same bits.
 */
export function addInto(target: Float32Array, x: Float32Array): void {
  if (x.length !== target.length) throw new RangeError(`addInto: lengths differ, ${target.length} and ${x.length}`);
  const wasm = wasmMap(target, x);
  if (wasm !== null) wasm.binary("add", target, x, target);
  else for (let i = 0; i < target.length; i++) target[i] = (target[i] as number) + (x[i] as number);
}

export type BinaryOp = "add" | "sub" | "mul" | "div" | "maximum" | "minimum" | "eq" | "ne" | "lt" | "le" | "gt" | "ge";

/** `out = op(a, b)` with NumPy broadcasting. Comparisons give 1 where true and 0 where false. */
export function binary(op: BinaryOp, a: NDArray, b: NDArray): NDArray {
  const dtype = checkSameDType(op, a, b);
  const wasm = wasmBinary(a, b);
  if (wasm !== null && hasWasmBinary(op)) {
    const out = allocateOverwritten("float32", a.size) as Float32Array;
    wasm.binary(op, a.data as Float32Array, b.data as Float32Array, out);
    return new NDArray(out, a.shape);
  }
  if (shapesEqual(a.shape, b.shape)) {
    const out = allocateOverwritten(dtype, a.size);
    applyRow(op, a.data, 0, 1, b.data, 0, 1, out, 0, a.size);
    return new NDArray(out, a.shape);
  }
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = allocateOverwritten(dtype, sizeOf(shape));
  if (wholeOrSingle(out.length, a, b)) {
    applyRow(op, a.data, 0, a.size === 1 ? 0 : 1, b.data, 0, b.size === 1 ? 0 : 1, out, 0, out.length);
    return new NDArray(out, shape);
  }
  forEachRow(shape, [broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)], (outOffset, offsets, length, steps) => {
    applyRow(op, a.data, offsets[0] as number, steps[0] as number, b.data, offsets[1] as number, steps[1] as number, out, outOffset, length);
  });
  return new NDArray(out, shape);
}

/**
 * `target += b` in target's own array (same shape and dtype), by the kernel `binary("add")`
 * would use, so with its bits: elementwise, each element read before it is written.
 */
export function addInPlace(target: NDArray, b: NDArray): void {
  checkSameDType("addInPlace", target, b);
  if (!shapesEqual(target.shape, b.shape)) throw new ShapeError(`addInPlace: shapes ${formatShape(target.shape)} and ${formatShape(b.shape)} differ`);
  const wasm = wasmBinary(target, b);
  if (wasm !== null && hasWasmBinary("add")) wasm.binary("add", target.data as Float32Array, b.data as Float32Array, target.data as Float32Array);
  else applyRow("add", target.data, 0, 1, b.data, 0, 1, target.data, 0, target.size);
}

/**
 * The wasm kernels, when they apply to `a op b`: float32, large enough, and b of a's shape or a
 * row block of whole f32x4s repeated over a's leading axes (a bias: [128,400] + [400]).
 */
function wasmBinary(a: NDArray, b: NDArray): WasmElementwise | null {
  if (a.size < WASM_MIN_SIZE || !(a.data instanceof Float32Array) || b.rank > a.rank) return null;
  const row = shapesEqual(a.shape.slice(a.rank - b.rank), b.shape);
  if (!row || (b.size !== a.size && (b.size === 0 || b.size % 4 !== 0))) return null;
  return activeWasmElementwise();
}

/**
 * Visit an n-d output row by row (the last axis is the row). For each row, the callback gets
 * the row's offset in the output, the offsets of each input (from `inputStrides`), the row
 * length and each input's step along the row.
 */
export function forEachRow(
  shape: readonly number[],
  inputStrides: readonly (readonly number[])[],
  visit: (outOffset: number, offsets: readonly number[], length: number, steps: readonly number[]) => void,
): void {
  const rank = shape.length;
  const total = sizeOf(shape);
  if (total === 0) return;
  if (rank === 0) {
    visit(0, inputStrides.map(() => 0), 1, inputStrides.map(() => 0));
    return;
  }
  const length = shape[rank - 1] as number;
  const steps = inputStrides.map((s) => s[rank - 1] as number);
  const offsets = inputStrides.map(() => 0);
  const index = new Array<number>(rank - 1).fill(0);
  for (let outOffset = 0; outOffset < total; outOffset += length) {
    visit(outOffset, offsets, length, steps);
    // Advance the multi-index over the outer axes, updating every input's offset.
    for (let axis = rank - 2; axis >= 0; axis--) {
      const next = (index[axis] as number) + 1;
      if (next < (shape[axis] as number)) {
        index[axis] = next;
        for (let k = 0; k < offsets.length; k++) offsets[k] = (offsets[k] as number) + ((inputStrides[k] as readonly number[])[axis] as number);
        break;
      }
      index[axis] = 0;
      for (let k = 0; k < offsets.length; k++) offsets[k] = (offsets[k] as number) - (next - 1) * ((inputStrides[k] as readonly number[])[axis] as number);
    }
  }
}

function applyRow(
  op: BinaryOp,
  a: TypedArray, aOffset: number, aStep: number,
  b: TypedArray, bOffset: number, bStep: number,
  out: TypedArray, outOffset: number, n: number,
): void {
  let i = aOffset;
  let j = bOffset;
  const end = outOffset + n;
  switch (op) {
    case "add":
      for (let o = outOffset; o < end; o++, i += aStep, j += bStep) out[o] = (a[i] as number) + (b[j] as number);
      break;
    case "sub":
      for (let o = outOffset; o < end; o++, i += aStep, j += bStep) out[o] = (a[i] as number) - (b[j] as number);
      break;
    case "mul":
      for (let o = outOffset; o < end; o++, i += aStep, j += bStep) out[o] = (a[i] as number) * (b[j] as number);
      break;
    case "div":
      for (let o = outOffset; o < end; o++, i += aStep, j += bStep) out[o] = (a[i] as number) / (b[j] as number);
      break;
    case "maximum":
      for (let o = outOffset; o < end; o++, i += aStep, j += bStep) {
        const x = a[i] as number;
        const y = b[j] as number;
        out[o] = x > y || x !== x ? x : y; // NaN propagates, as in torch.maximum
      }
      break;
    case "minimum":
      for (let o = outOffset; o < end; o++, i += aStep, j += bStep) {
        const x = a[i] as number;
        const y = b[j] as number;
        out[o] = x < y || x !== x ? x : y;
      }
      break;
    case "eq":
      for (let o = outOffset; o < end; o++, i += aStep, j += bStep) out[o] = a[i] === b[j] ? 1 : 0;
      break;
    case "ne":
      for (let o = outOffset; o < end; o++, i += aStep, j += bStep) out[o] = a[i] !== b[j] ? 1 : 0;
      break;
    case "lt":
      for (let o = outOffset; o < end; o++, i += aStep, j += bStep) out[o] = (a[i] as number) < (b[j] as number) ? 1 : 0;
      break;
    case "le":
      for (let o = outOffset; o < end; o++, i += aStep, j += bStep) out[o] = (a[i] as number) <= (b[j] as number) ? 1 : 0;
      break;
    case "gt":
      for (let o = outOffset; o < end; o++, i += aStep, j += bStep) out[o] = (a[i] as number) > (b[j] as number) ? 1 : 0;
      break;
    case "ge":
      for (let o = outOffset; o < end; o++, i += aStep, j += bStep) out[o] = (a[i] as number) >= (b[j] as number) ? 1 : 0;
      break;
  }
}

/** `where(cond, a, b)`: a where cond is non-zero, else b; all three broadcast together. */
export function where(cond: NDArray, a: NDArray, b: NDArray): NDArray {
  const dtype = checkSameDType("where", a, b);
  const shape = broadcastShapes("where", cond.shape, a.shape, b.shape);
  const out = allocate(dtype, sizeOf(shape));
  const [cd, ad, bd] = [cond.data, a.data, b.data];
  const row = (outOffset: number, offsets: readonly number[], length: number, steps: readonly number[]): void => {
    let c = offsets[0] as number;
    let i = offsets[1] as number;
    let j = offsets[2] as number;
    const [cStep, aStep, bStep] = steps as [number, number, number];
    for (let o = outOffset; o < outOffset + length; o++, c += cStep, i += aStep, j += bStep) {
      out[o] = (cd[c] as number) !== 0 ? (ad[i] as number) : (bd[j] as number);
    }
  };
  if (wholeOrSingle(out.length, cond, a, b)) row(0, [0, 0, 0], out.length, [cond, a, b].map((x) => (x.size === 1 ? 0 : 1)));
  else forEachRow(shape, [cond.shape, a.shape, b.shape].map((s) => broadcastStrides(s, shape)), row);
  return new NDArray(out, shape);
}

/**
 * Whether each input (already checked to broadcast to an output of `size` elements) has all of
 * them, in the output's order, or a single one: then one flat loop with steps 1 and 0 does
 * (clamp's where(x < min, min, x)), with no per-row visits.
 */
function wholeOrSingle(size: number, ...inputs: NDArray[]): boolean {
  return inputs.every((x) => x.size === size || x.size === 1);
}
