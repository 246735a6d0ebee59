/**
 * The composites: ops built from the primitive methods of `Tensor` only, so their gradients
 * come for free and are checked like the primitives'. Each is a method of `Tensor` and a free
 * function of `functional.ts`; this file imports `Tensor` as a type, never as a value.
 */
import { formatShape, normalizeAxes, normalizeAxis, ShapeError, sizeOf } from "../tensor/index.js";
import type { Axes, Tensor } from "./tensor.js";

export function mean(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  const resolved = normalizeAxes("mean", axes, x.shape);
  const count = sizeOf(resolved.map((axis) => x.shape[axis] as number));
  // Divide (not multiply by 1/count): the mean over an empty axis is 0/0 = NaN, as in torch.
  return x.sum(resolved, keepDims).div(count);
}

export const square = (x: Tensor): Tensor => x.mul(x);

/** log σ(x) = -softplus(-x), stable for large |x|. */
export const logSigmoid = (x: Tensor): Tensor => x.neg().softplus().neg();

/**
 * log Σ exp(x) over axes, with the maximum m taken out: m + log Σ exp(x - m). m is a constant
 * (its gradient cancels exactly), so it is detached; an all -∞ slice uses m = 0.
 */
export function logSumExp(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  const resolved = normalizeAxes("logSumExp", axes, x.shape);
  const m = x.detach().max(resolved, true);
  for (let i = 0; i < m.data.length; i++) if (!Number.isFinite(m.data[i] as number)) m.data[i] = 0;
  const result = x.sub(m).exp().sum(resolved, true).log().add(m);
  return keepDims ? result : result.reshape(result.shape.filter((_, axis) => !resolved.includes(axis)));
}

/** log softmax along one axis: x - logSumExp(x). */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return x.sub(logSumExp(x, axis, true));
}

export function transpose(x: Tensor, axis0 = -2, axis1 = -1): Tensor {
  const axes = x.shape.map((_, i) => i);
  const a = normalizeAxis("transpose", axis0, x.rank, x.shape);
  const b = normalizeAxis("transpose", axis1, x.rank, x.shape);
  [axes[a], axes[b]] = [b, a];
  return x.permute(axes);
}

export function flatten(x: Tensor, startAxis = 0): Tensor {
  const start = normalizeAxis("flatten", startAxis, Math.max(x.rank, 1), x.shape);
  // The flattened size is given, not inferred with -1, which cannot be inferred beside a 0 (an empty batch).
  return x.reshape([...x.shape.slice(0, start), sizeOf(x.shape.slice(start))]);
}

/** Remove axes of size 1: all of them, or those of `axes` (an axis whose size is not 1 stays, as in torch). */
export function squeeze(x: Tensor, axes?: Axes): Tensor {
  const chosen = axes === undefined ? x.shape.map((_, axis) => axis) : normalizeAxes("squeeze", axes, x.shape);
  return x.reshape(x.shape.filter((dim, axis) => !(dim === 1 && chosen.includes(axis))));
}

/** Insert an axis of size 1 at `axis` (in [-rank - 1, rank], as in torch). */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const at = normalizeAxis("unsqueeze", axis, x.rank + 1);
  return x.reshape([...x.shape.slice(0, at), 1, ...x.shape.slice(at)]);
}

/** Entry `index` of `axis` (negative counts from the end), that axis removed: `torch.select`. */
export function select(x: Tensor, axis: number, index: number): Tensor {
  const a = normalizeAxis("select", axis, x.rank, x.shape);
  const dim = x.shape[a] as number;
  if (!Number.isInteger(index) || index < -dim || index >= dim) {
    throw new ShapeError(`select: index ${index} is out of range for axis ${a} of size ${dim} (shape ${formatShape(x.shape)})`);
  }
  const i = index < 0 ? index + dim : index;
  const starts = x.shape.slice(0, a + 1).map((_, k) => (k === a ? i : 0));
  const ends = x.shape.slice(0, a + 1).map((d, k) => (k === a ? i + 1 : d));
  return x.slice(starts, ends).reshape(x.shape.filter((_, k) => k !== a));
}

/**
 * Cut `axis` into pieces: of `size` each (the last may be smaller) or of the given `sizes`,
 * which must add up to the axis: `torch.split`.
 */
export function split(x: Tensor, sizeOrSizes: number | readonly number[], axis = 0): Tensor[] {
  const a = normalizeAxis("split", axis, x.rank, x.shape);
  const dim = x.shape[a] as number;
  let sizes: readonly number[];
  if (typeof sizeOrSizes === "number") {
    if (!Number.isInteger(sizeOrSizes) || sizeOrSizes < 1) throw new RangeError(`split: size must be a positive integer, got ${sizeOrSizes}`);
    sizes = Array.from({ length: Math.ceil(dim / sizeOrSizes) }, (_, i) => Math.min(sizeOrSizes, dim - i * sizeOrSizes));
  } else {
    sizes = sizeOrSizes;
    const total = sizes.reduce((s, n) => s + n, 0);
    if (sizes.some((n) => !Number.isInteger(n) || n < 0) || total !== dim) {
      throw new ShapeError(`split: sizes [${sizes.join(", ")}] do not add up to axis ${a} of size ${dim} (shape ${formatShape(x.shape)})`);
    }
  }
  let start = 0;
  return sizes.map((n) => {
    const starts = x.shape.slice(0, a + 1).map((_, k) => (k === a ? start : 0));
    const ends = x.shape.slice(0, a + 1).map((d, k) => (k === a ? start + n : d));
    start += n;
    return x.slice(starts, ends);
  });
}

/** `chunks` pieces of `axis`, each ceil(size / chunks) long but the last (so maybe fewer pieces): `torch.chunk`. */
export function chunk(x: Tensor, chunks: number, axis = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks < 1) throw new RangeError(`chunk: chunks must be a positive integer, got ${chunks}`);
  const dim = x.shape[normalizeAxis("chunk", axis, x.rank, x.shape)] as number;
  return dim === 0 ? [x] : split(x, Math.ceil(dim / chunks), axis);
}
