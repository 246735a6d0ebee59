/**
 * `Tensor`: what users hold. A value (an `NDArray`), whether it requires a gradient, its
 * accumulated `grad`, and, when it came out of an op, the graph node that made it.
 *
 * The methods are the ops: a primitive runs its entry of the op table through `apply` (the
 * elementwise ones of `unaryOps` are made from the list); a composite is a function of methods
 * (`composites.ts`). The free functions of `functional.ts`
 * (`add(a, b)`, `mean(x)`) call these methods, so each op is written once.
 */
import {
  argmax,
  binary,
  checkPermutation,
  formatShape,
  NDArray,
  normalizeAxes,
  normalizeAxis,
  resolveReshape,
  resolveSlice,
  type BinaryOp,
  type DType,
  type MatmulOptions,
  type Shape,
  type TypedArray,
} from "../tensor/index.js";
import { runBackward } from "./backward.js";
import { disown, freeze } from "./leaf-grad.js";
import * as C from "./composites.js";
import { formatTensor } from "./format.js";
import { isGradEnabled, nextId, type Node } from "./graph.js";
import type { OpDef } from "./op.js";
import { ops, unaryOps } from "./ops.js";
import { checkForward, creationStack, isAnomalyEnabled } from "./anomaly.js";

export type NestedArray = number | NestedArray[];
export type Scalar = number;
export type TensorLike = Tensor | Scalar;
export type Axes = number | readonly number[];

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export interface MatmulArgs extends MatmulOptions {
  /** A vector over the product's columns, added to every row: `x.matmul(W, { transposeB: true, bias })`. */
  bias?: Tensor | null;
}

export type Comparison = Extract<BinaryOp, "eq" | "ne" | "lt" | "le" | "gt" | "ge">;

export class Tensor {
  /** The values. Optimizers update `value.data` in place; everything else treats it as immutable. */
  readonly value: NDArray;
  private gradient: Tensor | null = null;
  /** The op that produced this tensor (null for leaves and for anything computed without grad). */
  readonly node: Node<Tensor> | null;
  private requires: boolean;

  constructor(value: NDArray, options: { requiresGrad?: boolean; node?: Node<Tensor> | null } = {}) {
    this.value = value;
    this.node = options.node ?? null;
    this.requires = options.requiresGrad ?? this.node !== null;
  }

  /**
   * The accumulated gradient dL/d(this), set by `backward()` on leaves that require it: a new
   * tensor at each backward, so a held `p.grad` keeps its values, unless `zeroGrad({ setToNone:
   * false })` (trainEpoch uses it) zero-filled it for later backward passes to write into (when:
   * `ZeroGradOptions`, nn/zero-grad.ts). Clone `p.grad` to keep it across steps.
   */
  get grad(): Tensor | null {
    return this.gradient;
  }
  set grad(value: Tensor | null) {
    disown(value);
    this.gradient = value;
  }

  get data(): TypedArray {
    return this.value.data;
  }
  get shape(): Shape {
    return this.value.shape;
  }
  get dtype(): DType {
    return this.value.dtype;
  }
  get size(): number {
    return this.value.size;
  }
  get rank(): number {
    return this.value.rank;
  }
  get requiresGrad(): boolean {
    return this.requires;
  }
  /** Only leaves can be switched: a tensor made by an op requires grad exactly when its inputs do. */
  set requiresGrad(value: boolean) {
    if (this.node !== null) throw new Error("requiresGrad: can only be set on a leaf tensor (one not produced by an op); use detach()");
    this.requires = value;
  }
  get isLeaf(): boolean {
    return this.node === null;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item: tensor has ${this.size} elements, shape ${formatShape(this.shape)}; only one-element tensors can be converted`);
    return this.data[0] as number;
  }

  /** The values as (nested) plain numbers, one nesting level per axis. */
  toArray(): NestedArray {
    const build = (axis: number, offset: number): NestedArray => {
      if (axis === this.rank) return this.data[offset] as number;
      const dim = this.shape[axis] as number;
      const stride = this.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      return Array.from({ length: dim }, (_, i) => build(axis + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  /** The same values, cut from the graph (shares storage). */
  detach(): Tensor {
    return new Tensor(this.value);
  }

  /** A copy in another dtype (recorded: gradients flow back in this tensor's dtype). */
  to(dtype: DType): Tensor {
    return dtype === this.dtype ? this : apply(ops.cast, [this], dtype);
  }

  /** Reverse-mode differentiation from this tensor; `grad` defaults to 1 for a scalar. */
  backward(grad?: Tensor): void {
    runBackward(this, grad, (value) => new Tensor(value));
  }

  /** The values as torch prints them: `tensor([[1.5000, 2.0000]], requiresGrad=true)`, summarized past 1000 elements. */
  toString(): string {
    return formatTensor(this.data, this.shape, { dtype: this.dtype, requiresGrad: this.requiresGrad, gradFn: this.node?.op.name ?? null });
  }

  /** Node's `util.inspect` (and so `console.log`) prints `toString()`; the symbol is global, so no `node:` import. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  // ---- primitives: each runs its entry of the op table ----

  add(other: TensorLike): Tensor { return apply(ops.add, [this, lift("add", other, this)], undefined); }
  sub(other: TensorLike): Tensor { return apply(ops.sub, [this, lift("sub", other, this)], undefined); }
  mul(other: TensorLike): Tensor { return apply(ops.mul, [this, lift("mul", other, this)], undefined); }
  div(other: TensorLike): Tensor { return apply(ops.div, [this, lift("div", other, this)], undefined); }
  maximum(other: TensorLike): Tensor { return apply(ops.maximum, [this, lift("maximum", other, this)], undefined); }
  minimum(other: TensorLike): Tensor { return apply(ops.minimum, [this, lift("minimum", other, this)], undefined); }
  // neg, exp, log, sqrt, abs, relu, sigmoid, softplus, tanh: one method per entry of `unaryOps` (below)

  pow(exponent: number): Tensor {
    if (!Number.isFinite(exponent)) throw new TypeError(`pow: exponent must be a finite number, got ${exponent} (tensor of shape ${formatShape(this.shape)})`);
    return apply(ops.pow, [this], exponent);
  }

  sum(axes?: Axes, keepDims = false): Tensor {
    return apply(ops.sum, [this], { axes: normalizeAxes("sum", axes, this.shape), keepDims });
  }
  /** Maximum over axes; the gradient is shared evenly among tied maxima. */
  max(axes?: Axes, keepDims = false): Tensor {
    return apply(ops.max, [this], { axes: normalizeAxes("max", axes, this.shape), keepDims });
  }

  reshape(shape: Shape): Tensor { return apply(ops.reshape, [this], resolveReshape(this.shape, shape)); }
  permute(axes: readonly number[]): Tensor { return apply(ops.permute, [this], checkPermutation("permute", axes, this.shape)); }
  /** Broadcast to `shape` (NumPy rules); the gradient is summed back. */
  expand(shape: Shape): Tensor { return apply(ops.expand, [this], [...shape]); }
  /** `x[starts[0]:ends[0], ...]`, with Python's negative indices and clamping; trailing axes whole. */
  slice(starts: readonly number[], ends: readonly number[]): Tensor { return apply(ops.slice, [this], resolveSlice(this.shape, starts, ends)); }
  /** Select slices along `axis` by integer indices (as `torch.index_select` / `tf.gather`). */
  gather(indices: Tensor | readonly number[], axis = 0): Tensor {
    const index = indices instanceof Tensor ? indices.value : new NDArray(Float64Array.from(indices), [indices.length]);
    return apply(ops.gather, [this], { indices: index, axis: normalizeAxis("gather", axis, this.rank, this.shape) });
  }

  /** `op(this)·op(other)` (+ bias): one primitive, so a Linear layer is one pass and one graph node. */
  matmul(other: Tensor, options: MatmulArgs = {}): Tensor {
    const { bias, ...flags } = options;
    return apply(ops.matmul, bias ? [this, other, bias] : [this, other], flags);
  }

  /** Limit to [min, max] (either may be null). Gradient 1 inside and on the bounds, 0 outside. */
  clamp(min: number | null, max: number | null): Tensor {
    if (min !== null && max !== null && min > max) {
      throw new RangeError(`clamp: min ${min} is greater than max ${max} (tensor of shape ${formatShape(this.shape)})`);
    }
    let out: Tensor = this;
    if (min !== null) out = apply(ops.where, [lift("where", min, out), out], this.lt(min).value);
    if (max !== null) out = apply(ops.where, [lift("where", max, out), out], this.gt(max).value);
    return out;
  }

  // ---- composites: functions of the methods above (composites.ts) ----

  mean(axes?: Axes, keepDims = false): Tensor { return C.mean(this, axes, keepDims); }
  square(): Tensor { return C.square(this); }
  logSigmoid(): Tensor { return C.logSigmoid(this); }
  logSumExp(axes?: Axes, keepDims = false): Tensor { return C.logSumExp(this, axes, keepDims); }
  logSoftmax(axis = -1): Tensor { return C.logSoftmax(this, axis); }
  flatten(startAxis = 0): Tensor { return C.flatten(this, startAxis); }
  transpose(axis0 = -2, axis1 = -1): Tensor { return C.transpose(this, axis0, axis1); }
  squeeze(axes?: Axes): Tensor { return C.squeeze(this, axes); }
  unsqueeze(axis: number): Tensor { return C.unsqueeze(this, axis); }
  select(axis: number, index: number): Tensor { return C.select(this, axis, index); }
  /** Entry `index` of the leading axis (negative counts from the end): `x.at(0)` is torch's `x[0]`. */
  at(index: number): Tensor { return C.select(this, 0, index); }
  split(sizeOrSizes: number | readonly number[], axis = 0): Tensor[] { return C.split(this, sizeOrSizes, axis); }
  chunk(chunks: number, axis = 0): Tensor[] { return C.chunk(this, chunks, axis); }

  // ---- not differentiable: comparisons (1 where true, 0 where false) and argmax ----

  eq(other: TensorLike): Tensor { return this.compare("eq", other); }
  ne(other: TensorLike): Tensor { return this.compare("ne", other); }
  lt(other: TensorLike): Tensor { return this.compare("lt", other); }
  le(other: TensorLike): Tensor { return this.compare("le", other); }
  gt(other: TensorLike): Tensor { return this.compare("gt", other); }
  ge(other: TensorLike): Tensor { return this.compare("ge", other); }
  argmax(axis: number, keepDims = false): Tensor { return new Tensor(argmax(this.value, axis, keepDims)); }

  private compare(op: Comparison, other: TensorLike): Tensor {
    return new Tensor(binary(op, this.value, lift(op, other, this).value));
  }
}

/** `x.exp()`, `x.relu()`, ...: the methods made from `unaryOps`, one per entry. */
type UnaryMethods = { [Name in keyof typeof unaryOps]: () => Tensor };
// Declares the methods installed below on the class's instances (TypeScript merges the two).
export interface Tensor extends UnaryMethods {}

for (const [name, op] of Object.entries(unaryOps)) {
  const method = function (this: Tensor): Tensor { return apply(op, [this], undefined); };
  Object.defineProperty(Tensor.prototype, name, { value: method, writable: true, configurable: true });
}

/** Turn a number operand into a scalar tensor of `like`'s dtype; non-finite numbers are refused. */
export function lift(op: string, value: TensorLike, like: Tensor): Tensor {
  if (value instanceof Tensor) return value;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new TypeError(`${op}: scalar operand must be a finite number, got ${String(value)} (with tensor of shape ${formatShape(like.shape)})`);
  }
  return new Tensor(NDArray.full([], value, like.dtype));
}

/**
 * Run a primitive: compute its forward, and when gradients are on and some input requires one,
 * record a graph node so that `backward()` can call the op's vector-Jacobian product.
 */
export function apply<Inputs extends readonly NDArray[], Params>(
  op: OpDef<Inputs, Params>,
  inputs: readonly Tensor[],
  params: Params,
): Tensor {
  const values = inputs.map((t) => t.value) as unknown as Inputs;
  const output = op.forward(values, params);
  const creation = isAnomalyEnabled() ? creationStack() : undefined;
  if (creation !== undefined) checkForward(op.name, values, output, creation);
  const needsGrad = inputs.map((t) => t.requiresGrad);
  if (!isGradEnabled() || !needsGrad.some(Boolean)) return new Tensor(output);
  // The node saves these arrays for backward: a leaf's gradient among them (a graph built on
  // p.grad) is no longer written in place (leaf-grad.ts).
  for (const value of values) freeze(value);
  if (params instanceof NDArray) freeze(params);
  const node: Node<Tensor> = {
    id: nextId(),
    // NOTE: the table is typed per op; the graph stores ops uniformly, which TypeScript cannot
    // express without existential types. Inputs and params are stored together, so they match.
    op: op as unknown as OpDef<NDArray[], unknown>,
    inputs,
    context: { inputs: values as unknown as NDArray[], output, params, needsGrad },
    ...(creation === undefined ? {} : { creation }),
  };
  return new Tensor(output, { node });
}
