/**
 * fast-check arbitraries for gradient checks: shapes, float64 tensors that require a gradient,
 * and shapes that broadcast together. Made from the `fc` the caller passes, so elbo never
 * imports fast-check itself.
 */
import type * as FastCheck from "fast-check";
import { tensor } from "../autograd/factories.js";
import type { Tensor } from "../autograd/tensor.js";
import type { FastCheckApi } from "./gradients.js";

export interface ValueRange {
  /** Smallest value. Default -3. */
  low?: number;
  /** Largest value. Default 3. */
  high?: number;
  /** Values this close to 0 are moved away from it (for ops with a kink at 0, such as relu). Default 0. */
  awayFromZero?: number;
}

export interface Arbitraries {
  /** A shape of rank in [minRank, maxRank] (defaults 0 and 3), each dimension 1 to maxDim (4). */
  shape(minRank?: number, maxRank?: number, maxDim?: number): FastCheck.Arbitrary<number[]>;
  /** A float64 tensor of `shape` (fixed or drawn), values in the range, requiresGrad. */
  tensor(shape: readonly number[] | FastCheck.Arbitrary<number[]>, range?: ValueRange): FastCheck.Arbitrary<Tensor>;
  /** `count` shapes that broadcast together (NumPy rules): some axes 1, some leading axes missing. */
  broadcastShapes(count: number, maxRank?: number): FastCheck.Arbitrary<number[][]>;
  /** Tensors of `count` shapes that broadcast together, each as `tensor` draws it. */
  broadcastTensors(count: number, range?: ValueRange): FastCheck.Arbitrary<Tensor[]>;
}

/** The arbitraries, built on the caller's fast-check. */
export function arbitraries(fc: FastCheckApi): Arbitraries {
  const dim = (max: number) => fc.noBias(fc.integer({ min: 1, max }));
  const unit = () => fc.integer({ min: 0, max: 2 ** 30 }).map((i) => i / 2 ** 30);
  const values = (size: number, { low = -3, high = 3, awayFromZero = 0 }: ValueRange) =>
    fc.array(unit(), { minLength: size, maxLength: size }).map((us) =>
      us.map((u) => {
        const v = low + (high - low) * u;
        return Math.abs(v) < awayFromZero ? (v < 0 ? -awayFromZero : awayFromZero) : v;
      }),
    );
  const fromShape = (shape: readonly number[], range: ValueRange) =>
    values(shape.reduce((a, b) => a * b, 1), range).map((data) => tensor(Float64Array.from(data), { shape, requiresGrad: true }));
  const shape = (minRank = 0, maxRank = 3, maxDim = 4) => fc.integer({ min: minRank, max: maxRank }).chain((rank) => fc.array(dim(maxDim), { minLength: rank, maxLength: rank }));
  const broadcastShapes = (count: number, maxRank = 3) =>
    shape(0, maxRank).chain((full) =>
      fc.tuple(
        ...Array.from({ length: count }, () =>
          fc.tuple(fc.integer({ min: 0, max: full.length }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: full.length, maxLength: full.length })).map(
            ([dropped, ones]) => full.map((d, i) => (ones[i] === 0 ? 1 : d)).slice(dropped),
          ),
        ),
      ),
    );
  return {
    shape,
    tensor: (s, range = {}) => (Array.isArray(s) ? fromShape(s, range) : (s as FastCheck.Arbitrary<number[]>).chain((drawn) => fromShape(drawn, range))),
    broadcastShapes,
    broadcastTensors: (count, range = {}) => broadcastShapes(count).chain((shapes) => fc.tuple(...shapes.map((s) => fromShape(s, range)))),
  };
}
