/** Tensors made from nothing: constants and seeded random draws. */
import { DEFAULT_DTYPE, Generator, NDArray, checkShape, type Shape } from "../tensor/index.js";
import { Tensor, type TensorOptions } from "./tensor.js";

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
