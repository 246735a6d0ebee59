/**
 * The composites: ops built from the primitive methods of `Tensor` only, so their gradients
 * come for free and are checked like the primitives'. Each is a method of `Tensor` and a free
 * function of `functional.ts`; this file imports `Tensor` as a type, never as a value.
 */
import { normalizeAxes, normalizeAxis, sizeOf } from "../tensor/index.js";
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
