/**
 * The public differentiable functions. Primitives call `apply` with their entry of the op
 * table; composites (mean, square, logSigmoid, logSumExp, clamp, ...)
 * are built from primitives only, so their gradients come for free and are checked the same way.
 */
import {
  argmax as argmaxKernel,
  binary,
  checkPermutation,
  conv2dGeometry,
  convTranspose2dGeometry,
  formatShape,
  NDArray,
  normalizeAxes,
  normalizeAxis,
  resolveReshape,
  resolveSlice,
  shapesEqual,
  ShapeError,
  sizeOf,
  type BinaryOp,
  type Conv2dOptions,
  type ConvTranspose2dOptions,
  type DType,
  type MatmulOptions,
  type Shape,
} from "../tensor/index.js";
import { ops } from "./ops.js";
import { apply, Tensor, type TensorLike } from "./tensor.js";

/** Turn a number operand into a scalar tensor of `like`'s dtype; non-finite numbers are refused. */
function lift(op: string, value: TensorLike, like: Tensor): Tensor {
  if (value instanceof Tensor) return value;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new TypeError(`${op}: scalar operand must be a finite number, got ${String(value)} (with tensor of shape ${formatShape(like.shape)})`);
  }
  return new Tensor(NDArray.full([], value, like.dtype));
}

function binaryPair(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (a instanceof Tensor) return [a, lift(op, b, a)];
  if (b instanceof Tensor) return [lift(op, a, b), b];
  throw new TypeError(`${op}: at least one operand must be a Tensor`);
}

// ---- primitives ----

export const add = (a: TensorLike, b: TensorLike): Tensor => apply(ops.add, binaryPair("add", a, b), undefined);
export const sub = (a: TensorLike, b: TensorLike): Tensor => apply(ops.sub, binaryPair("sub", a, b), undefined);
export const mul = (a: TensorLike, b: TensorLike): Tensor => apply(ops.mul, binaryPair("mul", a, b), undefined);
export const div = (a: TensorLike, b: TensorLike): Tensor => apply(ops.div, binaryPair("div", a, b), undefined);
export const maximum = (a: TensorLike, b: TensorLike): Tensor => apply(ops.maximum, binaryPair("maximum", a, b), undefined);
export const minimum = (a: TensorLike, b: TensorLike): Tensor => apply(ops.minimum, binaryPair("minimum", a, b), undefined);
export const neg = (x: Tensor): Tensor => apply(ops.neg, [x], undefined);
export const exp = (x: Tensor): Tensor => apply(ops.exp, [x], undefined);
export const log = (x: Tensor): Tensor => apply(ops.log, [x], undefined);
export const sqrt = (x: Tensor): Tensor => apply(ops.sqrt, [x], undefined);
export const abs = (x: Tensor): Tensor => apply(ops.abs, [x], undefined);
export const relu = (x: Tensor): Tensor => apply(ops.relu, [x], undefined);
export const sigmoid = (x: Tensor): Tensor => apply(ops.sigmoid, [x], undefined);
/**
 * softplus(x) = log(1 + eˣ), a stable special (like sigmoid): computed as max(x, 0) + log1p(e^-|x|),
 * so exp never overflows and tiny values keep their precision; its derivative is σ(x).
 */
export const softplus = (x: Tensor): Tensor => apply(ops.softplus, [x], undefined);
/** A primitive rather than 2σ(2x) − 1, which loses all relative precision near 0 in float32. */
export const tanh = (x: Tensor): Tensor => apply(ops.tanh, [x], undefined);

export function pow(x: Tensor, exponent: number): Tensor {
  if (!Number.isFinite(exponent)) throw new TypeError(`pow: exponent must be a finite number, got ${exponent} (tensor of shape ${formatShape(x.shape)})`);
  return apply(ops.pow, [x], exponent);
}

/** `where(cond, a, b)`: a where cond is non-zero (true), else b. No gradient flows to cond. */
export function where(condition: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const [left, right] = binaryPair("where", a, b);
  return apply(ops.where, [left, right], condition.value);
}

export function sum(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return apply(ops.sum, [x], { axes: normalizeAxes("sum", axes, x.shape), keepDims });
}

/** Maximum over axes; the gradient is shared evenly among tied maxima. */
export function max(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return apply(ops.max, [x], { axes: normalizeAxes("max", axes, x.shape), keepDims });
}

export function reshape(x: Tensor, shape: Shape): Tensor {
  return apply(ops.reshape, [x], resolveReshape(x.shape, shape));
}

export function permute(x: Tensor, axes: readonly number[]): Tensor {
  return apply(ops.permute, [x], checkPermutation("permute", axes, x.shape));
}

/** Broadcast to `shape` (NumPy rules); the gradient is summed back. */
export function expand(x: Tensor, shape: Shape): Tensor {
  return apply(ops.expand, [x], [...shape]);
}

/** `x[starts[0]:ends[0], ...]`, with Python's negative indices and clamping; trailing axes whole. */
export function slice(x: Tensor, starts: readonly number[], ends: readonly number[]): Tensor {
  return apply(ops.slice, [x], resolveSlice(x.shape, starts, ends));
}

export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  const first = tensors[0];
  if (!first) throw new ShapeError("concat: needs at least one tensor");
  return apply(ops.concat, tensors, normalizeAxis("concat", axis, first.rank, first.shape));
}

/** Select slices along `axis` by integer indices (as `torch.index_select` / `tf.gather`). */
export function gather(x: Tensor, indices: Tensor | readonly number[], axis = 0): Tensor {
  const index = indices instanceof Tensor ? indices.value : new NDArray(Float64Array.from(indices), [indices.length]);
  return apply(ops.gather, [x], { indices: index, axis: normalizeAxis("gather", axis, x.rank, x.shape) });
}

export interface MatmulArgs extends MatmulOptions {
  /** A vector over the product's columns, added to every row: `x.matmul(W, { transposeB: true, bias })`. */
  bias?: Tensor | null;
}

/** `op(A)·op(B)` (+ bias): one primitive, so a Linear layer is one pass and one graph node. */
export function matmul(a: Tensor, b: Tensor, options: MatmulArgs = {}): Tensor {
  const { bias, ...flags } = options;
  return apply(ops.matmul, bias ? [a, b, bias] : [a, b], flags);
}

/**
 * 2-D convolution (cross-correlation, as torch.nn.functional.conv2d) of x [N, C, H, W] with
 * weight [O, C, kH, kW] and an optional bias [O]: output [N, O, ⌊(H + 2p - kH)/s⌋ + 1, ...].
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  const geometry = conv2dGeometry(x.shape, weight.shape, options);
  checkBias("conv2d", bias, geometry.outChannels, weight);
  return apply(ops.conv2d, bias ? [x, weight, bias] : [x, weight], geometry);
}

/**
 * The transposed convolution (torch.nn.functional.conv_transpose2d): x [N, Cin, H, W], weight
 * [Cin, Cout, kH, kW], optional bias [Cout]; output [N, Cout, (H - 1)s - 2p + kH + outputPadding, ...].
 */
export function convTranspose2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: ConvTranspose2dOptions = {}): Tensor {
  const geometry = convTranspose2dGeometry(x.shape, weight.shape, options);
  checkBias("convTranspose2d", bias, geometry.inChannels, weight);
  return apply(ops.convTranspose2d, bias ? [x, weight, bias] : [x, weight], geometry);
}

function checkBias(op: string, bias: Tensor | null, channels: number, weight: Tensor): void {
  if (bias && (bias.rank !== 1 || bias.shape[0] !== channels)) {
    throw new ShapeError(`${op}: bias must have shape [${channels}] (one per output channel of weight ${formatShape(weight.shape)}), got ${formatShape(bias.shape)}`);
  }
}

/** A copy in another dtype; the gradient is cast back to the input's dtype. */
export function cast(x: Tensor, dtype: DType): Tensor {
  return dtype === x.dtype ? x : apply(ops.cast, [x], dtype);
}

// ---- not differentiable: comparisons, argmax ----

/** Elementwise comparison: 1 where true, 0 where false. The result never requires grad. */
export function compare(op: Extract<BinaryOp, "eq" | "ne" | "lt" | "le" | "gt" | "ge">, a: TensorLike, b: TensorLike): Tensor {
  const [left, right] = binaryPair(op, a, b);
  return new Tensor(binary(op, left.value, right.value));
}

export function argmax(x: Tensor, axis: number, keepDims = false): Tensor {
  return new Tensor(argmaxKernel(x.value, axis, keepDims));
}

// ---- composites ----

export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const resolved = normalizeAxes("mean", axes, x.shape);
  const count = sizeOf(resolved.map((axis) => x.shape[axis] as number));
  // Divide (not multiply by 1/count): the mean over an empty axis is 0/0 = NaN, as in torch.
  return div(sum(x, resolved, keepDims), count);
}

export const square = (x: Tensor): Tensor => mul(x, x);


/** log σ(x) = -softplus(-x), stable for large |x|. */
export const logSigmoid = (x: Tensor): Tensor => neg(softplus(neg(x)));

/**
 * log Σ exp(x) over axes, with the maximum m taken out: m + log Σ exp(x - m). m is a constant
 * (its gradient cancels exactly), so it is detached; an all -∞ slice uses m = 0.
 */
export function logSumExp(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const resolved = normalizeAxes("logSumExp", axes, x.shape);
  const m = max(x.detach(), resolved, true);
  for (let i = 0; i < m.data.length; i++) if (!Number.isFinite(m.data[i] as number)) m.data[i] = 0;
  const result = add(log(sum(exp(sub(x, m)), resolved, true)), m);
  return keepDims ? result : reshape(result, result.shape.filter((_, axis) => !resolved.includes(axis)));
}

/** log softmax along one axis: x - logSumExp(x). */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return sub(x, logSumExp(x, axis, true));
}

/**
 * Binary cross-entropy from logits, elementwise: -[t log σ(l) + (1 - t) log(1 - σ(l))]
 * = softplus(l) - t·l. Targets may be any value in [0, 1]. A primitive: its gradient is
 * σ(l) - t for the logits and -l for the targets.
 */
export function bceWithLogits(logits: Tensor, targets: Tensor): Tensor {
  if (!shapesEqual(logits.shape, targets.shape)) {
    throw new ShapeError(`bceWithLogits: logits ${formatShape(logits.shape)} and targets ${formatShape(targets.shape)} differ`);
  }
  return apply(ops.bceWithLogits, [logits, targets], undefined);
}

/**
 * Softmax cross-entropy per example, −log softmax(logits)_label (nats), [batch]: logits
 * [batch, classes] and one integer label in [0, classes) per example. A primitive, so its
 * gradient is the familiar softmax(l) − onehot(y) in one pass; `.mean()` it for a loss.
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor | ArrayLike<number>): Tensor {
  if (logits.rank !== 2) throw new ShapeError(`softmaxCrossEntropy: logits must be [batch, classes], got ${formatShape(logits.shape)}`);
  const [batch, classes] = logits.shape as [number, number];
  const values = labels instanceof Tensor ? labels.data : labels;
  if (values.length !== batch) {
    throw new ShapeError(`softmaxCrossEntropy: ${values.length} labels for logits ${formatShape(logits.shape)} (one per example expected)`);
  }
  const positions = new Float64Array(batch);
  for (let i = 0; i < batch; i++) {
    const label = values[i] as number;
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new RangeError(`softmaxCrossEntropy: label ${label} of example ${i} is not an integer in [0, ${classes}) (logits ${formatShape(logits.shape)})`);
    }
    positions[i] = i * classes + label;
  }
  return apply(ops.softmaxCrossEntropy, [logits], new NDArray(positions, [batch]));
}

/** Limit to [min, max] (either may be null). Gradient 1 inside and on the bounds, 0 outside. */
export function clamp(x: Tensor, min: number | null, max: number | null): Tensor {
  if (min !== null && max !== null && min > max) {
    throw new RangeError(`clamp: min ${min} is greater than max ${max} (tensor of shape ${formatShape(x.shape)})`);
  }
  let out = x;
  if (min !== null) out = where(x.lt(min), min, out);
  if (max !== null) out = where(x.gt(max), max, out);
  return out;
}

export function transpose(x: Tensor, axis0 = -2, axis1 = -1): Tensor {
  const axes = x.shape.map((_, i) => i);
  const a = normalizeAxis("transpose", axis0, x.rank, x.shape);
  const b = normalizeAxis("transpose", axis1, x.rank, x.shape);
  [axes[a], axes[b]] = [b, a];
  return permute(x, axes);
}

export function flatten(x: Tensor, startAxis = 0): Tensor {
  const start = normalizeAxis("flatten", startAxis, Math.max(x.rank, 1), x.shape);
  // The flattened size is given, not inferred with -1, which cannot be inferred beside a 0 (an empty batch).
  return reshape(x, [...x.shape.slice(0, start), sizeOf(x.shape.slice(start))]);
}
