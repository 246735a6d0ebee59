/**
 * Parameter initializers, each drawing from a seeded generator (the default one when none is
 * passed). Fan-in and fan-out follow PyTorch for a weight of shape [out, in].
 */
import { Generator, type Shape } from "../tensor/index.js";
import { defaultGenerator, type Tensor } from "../autograd/index.js";

export interface InitOptions {
  generator?: Generator;
}

/** [fanIn, fanOut] of a weight shaped [out, in, ...receptive field]. */
export function fans(shape: Shape): [number, number] {
  if (shape.length < 2) throw new Error(`init: fan in and fan out need at least 2 dimensions, got shape [${shape.join(",")}]`);
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return [(shape[1] as number) * receptive, (shape[0] as number) * receptive];
}

export function uniform(t: Tensor, low: number, high: number, options: InitOptions = {}): Tensor {
  (options.generator ?? defaultGenerator).fillUniform(t.data, low, high);
  return t;
}

export function normal(t: Tensor, mean = 0, std = 1, options: InitOptions = {}): Tensor {
  (options.generator ?? defaultGenerator).fillNormal(t.data, mean, std);
  return t;
}

export function zeros(t: Tensor): Tensor {
  t.data.fill(0);
  return t;
}

/** Glorot & Bengio (2010): U(-a, a) with a = gain·√(6 / (fanIn + fanOut)). */
export function xavierUniform(t: Tensor, options: InitOptions & { gain?: number } = {}): Tensor {
  const [fanIn, fanOut] = fans(t.shape);
  const bound = (options.gain ?? 1) * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(t, -bound, bound, options);
}

/** Glorot & Bengio (2010): N(0, std²) with std = gain·√(2 / (fanIn + fanOut)). */
export function xavierNormal(t: Tensor, options: InitOptions & { gain?: number } = {}): Tensor {
  const [fanIn, fanOut] = fans(t.shape);
  return normal(t, 0, (options.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut)), options);
}

/** The gain of a leaky ReLU with negative slope `a` (a = 0 is ReLU): √(2 / (1 + a²)). */
export function leakyReluGain(negativeSlope = 0): number {
  return Math.sqrt(2 / (1 + negativeSlope * negativeSlope));
}

/** He et al. (2015): U(-b, b) with b = gain·√(3 / fanIn). `a` is the leaky-ReLU slope. */
export function kaimingUniform(t: Tensor, options: InitOptions & { a?: number } = {}): Tensor {
  const [fanIn] = fans(t.shape);
  const bound = leakyReluGain(options.a ?? 0) * Math.sqrt(3 / fanIn);
  return uniform(t, -bound, bound, options);
}

/** He et al. (2015): N(0, std²) with std = gain / √fanIn. */
export function kaimingNormal(t: Tensor, options: InitOptions & { a?: number } = {}): Tensor {
  const [fanIn] = fans(t.shape);
  return normal(t, 0, leakyReluGain(options.a ?? 0) / Math.sqrt(fanIn), options);
}
