/** Tensors made from data (`tensor`) and from nothing: constants and seeded random draws. */
import { DEFAULT_DTYPE, Generator, NDArray, checkShape, formatShape, type Shape, type TypedArray } from "../tensor/index.js";
import { Tensor, type NestedArray, type TensorOptions } from "./tensor.js";

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

/** The generator used when a caller passes none. Reseed it with `manualSeed`. */
export const defaultGenerator = new Generator(0);

/** Reset the default generator to `seed`, as `torch.manual_seed` does. */
export function manualSeed(seed: number): void {
  defaultGenerator.setState(new Generator(seed).getState());
}

export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

export function full(shape: Shape, value: number, options: TensorOptions = {}): Tensor {
  checkShape("full", shape);
  return new Tensor(NDArray.full(shape, value, options.dtype ?? DEFAULT_DTYPE), { requiresGrad: options.requiresGrad ?? false });
}

export const zeros = (shape: Shape, options: TensorOptions = {}): Tensor => full(shape, 0, options);
export const ones = (shape: Shape, options: TensorOptions = {}): Tensor => full(shape, 1, options);

/** Standard normal draws N(0, 1) from a seeded generator. */
export function randn(shape: Shape, options: RandomOptions = {}): Tensor {
  const out = zeros(shape, options);
  (options.generator ?? defaultGenerator).fillNormal(out.data);
  return out;
}

/** Uniform draws in [low, high) from a seeded generator. */
export function rand(shape: Shape, options: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  const out = zeros(shape, options);
  (options.generator ?? defaultGenerator).fillUniform(out.data, options.low ?? 0, options.high ?? 1);
  return out;
}

/** 0, 1, ..., n-1. */
export function arange(n: number, options: TensorOptions = {}): Tensor {
  const out = zeros([n], options);
  for (let i = 0; i < n; i++) out.data[i] = i;
  return out;
}
