/**
 * The public differentiable functions, in the free form (`add(a, b)`, `mean(x)`). Each calls the
 * `Tensor` method of the same name, where the op is written; the ops that take several tensors
 * (`where`, `concat`, `bceWithLogits`) are written here.
 */
import {
  conv2dGeometry,
  convTranspose2dGeometry,
  formatShape,
  NDArray,
  normalizeAxis,
  shapesEqual,
  ShapeError,
  type Conv2dOptions,
  type ConvTranspose2dOptions,
  type DType,
  type Shape,
} from "../tensor/index.js";
import { isGradEnabled } from "./graph.js";
import { ops } from "./ops.js";
import { apply, lift, Tensor, type Axes, type Comparison, type MatmulArgs, type TensorLike } from "./tensor.js";

export type { MatmulArgs } from "./tensor.js";

/** The two operands as tensors: a number operand becomes a scalar of the other's dtype. */
function binaryPair(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (a instanceof Tensor) return [a, lift(op, b, a)];
  if (b instanceof Tensor) return [lift(op, a, b), b];
  throw new TypeError(`${op}: at least one operand must be a Tensor`);
}

// ---- elementwise ----

export const add = (a: TensorLike, b: TensorLike): Tensor => { const [x, y] = binaryPair("add", a, b); return x.add(y); };
export const sub = (a: TensorLike, b: TensorLike): Tensor => { const [x, y] = binaryPair("sub", a, b); return x.sub(y); };
export const mul = (a: TensorLike, b: TensorLike): Tensor => { const [x, y] = binaryPair("mul", a, b); return x.mul(y); };
export const div = (a: TensorLike, b: TensorLike): Tensor => { const [x, y] = binaryPair("div", a, b); return x.div(y); };
export const maximum = (a: TensorLike, b: TensorLike): Tensor => { const [x, y] = binaryPair("maximum", a, b); return x.maximum(y); };
export const minimum = (a: TensorLike, b: TensorLike): Tensor => { const [x, y] = binaryPair("minimum", a, b); return x.minimum(y); };
export const neg = (x: Tensor): Tensor => x.neg();
export const exp = (x: Tensor): Tensor => x.exp();
export const log = (x: Tensor): Tensor => x.log();
export const sqrt = (x: Tensor): Tensor => x.sqrt();
export const abs = (x: Tensor): Tensor => x.abs();
export const relu = (x: Tensor): Tensor => x.relu();
export const sigmoid = (x: Tensor): Tensor => x.sigmoid();
/**
 * softplus(x) = log(1 + eˣ), a stable special (like sigmoid): computed as max(x, 0) + log1p(e^-|x|),
 * so exp never overflows and tiny values keep their precision; its derivative is σ(x).
 */
export const softplus = (x: Tensor): Tensor => x.softplus();
/**
 * silu(x) = x·σ(x) (SiLU or swish, `torch.nn.functional.silu`): a smooth relu, the activation of
 * many recent VAEs. A primitive, so it is one pass forward and one back.
 */
export const silu = (x: Tensor): Tensor => x.silu();
/** A primitive rather than 2σ(2x) − 1, which loses all relative precision near 0 in float32. */
export const tanh = (x: Tensor): Tensor => x.tanh();
export const pow = (x: Tensor, exponent: number): Tensor => x.pow(exponent);
export const square = (x: Tensor): Tensor => x.square();
export const logSigmoid = (x: Tensor): Tensor => x.logSigmoid();
export const clamp = (x: Tensor, min: number | null, max: number | null): Tensor => x.clamp(min, max);
/** A copy in another dtype; the gradient is cast back to the input's dtype. */
export const cast = (x: Tensor, dtype: DType): Tensor => x.to(dtype);

/** `where(cond, a, b)`: a where cond is non-zero (true), else b. No gradient flows to cond. */
export function where(condition: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const [left, right] = binaryPair("where", a, b);
  return apply(ops.where, [left, right], condition.value);
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
  return apply(ops.bceWithLogits, [logits, targets], { keepResidual: isGradEnabled() && logits.requiresGrad, residual: null });
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

// ---- reductions ----

export const sum = (x: Tensor, axes?: Axes, keepDims = false): Tensor => x.sum(axes, keepDims);
export const mean = (x: Tensor, axes?: Axes, keepDims = false): Tensor => x.mean(axes, keepDims);
export const max = (x: Tensor, axes?: Axes, keepDims = false): Tensor => x.max(axes, keepDims);
export const logSumExp = (x: Tensor, axes?: Axes, keepDims = false): Tensor => x.logSumExp(axes, keepDims);
export const logSoftmax = (x: Tensor, axis = -1): Tensor => x.logSoftmax(axis);

// ---- shape and layout ----

export const reshape = (x: Tensor, shape: Shape): Tensor => x.reshape(shape);
export const permute = (x: Tensor, axes: readonly number[]): Tensor => x.permute(axes);
export const expand = (x: Tensor, shape: Shape): Tensor => x.expand(shape);
export const slice = (x: Tensor, starts: readonly number[], ends: readonly number[]): Tensor => x.slice(starts, ends);
export const gather = (x: Tensor, indices: Tensor | readonly number[], axis = 0): Tensor => x.gather(indices, axis);
export const transpose = (x: Tensor, axis0 = -2, axis1 = -1): Tensor => x.transpose(axis0, axis1);
export const flatten = (x: Tensor, startAxis = 0): Tensor => x.flatten(startAxis);
export const matmul = (a: Tensor, b: Tensor, options: MatmulArgs = {}): Tensor => a.matmul(b, options);
export const squeeze = (x: Tensor, axes?: Axes): Tensor => x.squeeze(axes);
export const unsqueeze = (x: Tensor, axis: number): Tensor => x.unsqueeze(axis);
export const select = (x: Tensor, axis: number, index: number): Tensor => x.select(axis, index);
export const split = (x: Tensor, sizeOrSizes: number | readonly number[], axis = 0): Tensor[] => x.split(sizeOrSizes, axis);
export const chunk = (x: Tensor, chunks: number, axis = 0): Tensor[] => x.chunk(chunks, axis);

export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  const first = tensors[0];
  if (!first) throw new ShapeError("concat: needs at least one tensor");
  return apply(ops.concat, tensors, normalizeAxis("concat", axis, first.rank, first.shape));
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

/** Join tensors of one shape along a new axis `axis` (in [-rank - 1, rank]): `torch.stack`. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  const first = tensors[0];
  if (!first) throw new ShapeError("stack: needs at least one tensor");
  const other = tensors.find((t) => !shapesEqual(t.shape, first.shape));
  if (other) throw new ShapeError(`stack: every tensor must have one shape, got ${formatShape(first.shape)} and ${formatShape(other.shape)}`);
  const at = normalizeAxis("stack", axis, first.rank + 1);
  return concat(tensors.map((t) => t.unsqueeze(at)), at);
}

// ---- not differentiable: comparisons, argmax ----

/** Elementwise comparison: 1 where true, 0 where false. The result never requires grad. */
export function compare(op: Comparison, a: TensorLike, b: TensorLike): Tensor {
  const [left, right] = binaryPair(op, a, b);
  return left[op](right);
}

export const argmax = (x: Tensor, axis: number, keepDims = false): Tensor => x.argmax(axis, keepDims);
