/**
 * `Tensor`: what users hold. A value (an `NDArray`), whether it requires a gradient, its
 * accumulated `grad`, and, when it came out of an op, the graph node that made it.
 * Chainable methods delegate to the functions in `functional.ts`.
 */
import {
  DEFAULT_DTYPE,
  formatShape,
  NDArray,
  type DType,
  type Shape,
  type TypedArray,
} from "../tensor/index.js";
import * as F from "./functional.js";
import { isGradEnabled, nextId, type Node } from "./graph.js";
import type { OpDef } from "./op.js";
import { runBackward } from "./backward.js";

export type NestedArray = number | NestedArray[];
export type Scalar = number;
export type TensorLike = Tensor | Scalar;

export class Tensor {
  /** The values. Optimizers update `value.data` in place; everything else treats it as immutable. */
  readonly value: NDArray;
  /** The accumulated gradient dL/d(this), set by `backward()` on leaves that require it. */
  grad: Tensor | null = null;
  /** The op that produced this tensor (null for leaves and for anything computed without grad). */
  readonly node: Node<Tensor> | null;
  private requires: boolean;

  constructor(value: NDArray, options: { requiresGrad?: boolean; node?: Node<Tensor> | null } = {}) {
    this.value = value;
    this.node = options.node ?? null;
    this.requires = options.requiresGrad ?? this.node !== null;
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
    return F.cast(this, dtype);
  }

  /** Reverse-mode differentiation from this tensor; `grad` defaults to 1 for a scalar. */
  backward(grad?: Tensor): void {
    runBackward(this, grad);
  }

  toString(): string {
    return `Tensor(${formatShape(this.shape)}, ${this.dtype}${this.requiresGrad ? ", requiresGrad" : ""})`;
  }

  add(other: TensorLike): Tensor { return F.add(this, other); }
  sub(other: TensorLike): Tensor { return F.sub(this, other); }
  mul(other: TensorLike): Tensor { return F.mul(this, other); }
  div(other: TensorLike): Tensor { return F.div(this, other); }
  maximum(other: TensorLike): Tensor { return F.maximum(this, other); }
  minimum(other: TensorLike): Tensor { return F.minimum(this, other); }
  pow(exponent: number): Tensor { return F.pow(this, exponent); }
  neg(): Tensor { return F.neg(this); }
  exp(): Tensor { return F.exp(this); }
  log(): Tensor { return F.log(this); }
  sqrt(): Tensor { return F.sqrt(this); }
  abs(): Tensor { return F.abs(this); }
  square(): Tensor { return F.square(this); }
  relu(): Tensor { return F.relu(this); }
  sigmoid(): Tensor { return F.sigmoid(this); }
  tanh(): Tensor { return F.tanh(this); }
  softplus(): Tensor { return F.softplus(this); }
  logSigmoid(): Tensor { return F.logSigmoid(this); }
  clamp(min: number | null, max: number | null): Tensor { return F.clamp(this, min, max); }
  matmul(other: Tensor, options?: F.MatmulArgs): Tensor { return F.matmul(this, other, options); }
  sum(axes?: number | readonly number[], keepDims = false): Tensor { return F.sum(this, axes, keepDims); }
  mean(axes?: number | readonly number[], keepDims = false): Tensor { return F.mean(this, axes, keepDims); }
  max(axes?: number | readonly number[], keepDims = false): Tensor { return F.max(this, axes, keepDims); }
  logSumExp(axes?: number | readonly number[], keepDims = false): Tensor { return F.logSumExp(this, axes, keepDims); }
  argmax(axis: number, keepDims = false): Tensor { return F.argmax(this, axis, keepDims); }
  reshape(shape: Shape): Tensor { return F.reshape(this, shape); }
  flatten(startAxis = 0): Tensor { return F.flatten(this, startAxis); }
  permute(axes: readonly number[]): Tensor { return F.permute(this, axes); }
  transpose(axis0 = -2, axis1 = -1): Tensor { return F.transpose(this, axis0, axis1); }
  expand(shape: Shape): Tensor { return F.expand(this, shape); }
  slice(starts: readonly number[], ends: readonly number[]): Tensor { return F.slice(this, starts, ends); }
  gather(indices: Tensor | readonly number[], axis = 0): Tensor { return F.gather(this, indices, axis); }
  eq(other: TensorLike): Tensor { return F.compare("eq", this, other); }
  ne(other: TensorLike): Tensor { return F.compare("ne", this, other); }
  lt(other: TensorLike): Tensor { return F.compare("lt", this, other); }
  le(other: TensorLike): Tensor { return F.compare("le", this, other); }
  gt(other: TensorLike): Tensor { return F.compare("gt", this, other); }
  ge(other: TensorLike): Tensor { return F.compare("ge", this, other); }
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
  const needsGrad = inputs.map((t) => t.requiresGrad);
  if (!isGradEnabled() || !needsGrad.some(Boolean)) return new Tensor(output);
  const node: Node<Tensor> = {
    id: nextId(),
    // NOTE: the table is typed per op; the graph stores ops uniformly, which TypeScript cannot
    // express without existential types. Inputs and params are stored together, so they match.
    op: op as unknown as OpDef<NDArray[], unknown>,
    inputs,
    context: { inputs: values as unknown as NDArray[], output, params, needsGrad },
  };
  return new Tensor(output, { node });
}

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

/** Infer the shape of a nested array, checking that it is rectangular and numeric. */
function nestedShape(data: NestedArray, path = "data"): number[] {
  if (typeof data === "number") return [];
  if (!Array.isArray(data)) throw new TypeError(`tensor: ${path} is neither a number nor an array`);
  if (data.length === 0) return [0];
  const inner = nestedShape(data[0] as NestedArray, `${path}[0]`);
  data.forEach((item, i) => {
    const shape = nestedShape(item, `${path}[${i}]`);
    if (formatShape(shape) !== formatShape(inner)) {
      throw new TypeError(`tensor: ragged nested array, ${path}[0] has shape ${formatShape(inner)} but ${path}[${i}] has ${formatShape(shape)}`);
    }
  });
  return [data.length, ...inner];
}

/**
 * Build a tensor from a number, a nested array, or a typed array with a shape.
 * `tensor([[1, 2], [3, 4]], { requiresGrad: true })`.
 */
export function tensor(data: NestedArray | TypedArray | NDArray, options: TensorOptions & { shape?: Shape } = {}): Tensor {
  if (data instanceof NDArray) {
    const value = options.dtype && options.dtype !== data.dtype ? data.astype(options.dtype) : data;
    return new Tensor(value, { requiresGrad: options.requiresGrad ?? false });
  }
  if (data instanceof Float32Array || data instanceof Float64Array) {
    const dtype = options.dtype ?? (data instanceof Float64Array ? "float64" : "float32");
    const array = new NDArray(data, options.shape ?? [data.length]);
    return tensor(array, { dtype, requiresGrad: options.requiresGrad ?? false });
  }
  const shape = nestedShape(data);
  const array = NDArray.zeros(shape, options.dtype ?? DEFAULT_DTYPE);
  let offset = 0;
  const fill = (item: NestedArray): void => {
    if (typeof item === "number") array.data[offset++] = item;
    else item.forEach(fill);
  };
  fill(data);
  return new Tensor(array, { requiresGrad: options.requiresGrad ?? false });
}
