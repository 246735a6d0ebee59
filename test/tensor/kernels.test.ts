/**
 * Tensor-layer kernels the op-spec does not reach: argmax, comparisons, where with broadcasting,
 * the unary helpers used by gradients (sign, step, reciprocal, square), and the row walker
 * (`forEachRow`) on rank-0 and size-0 shapes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  affine,
  argmax,
  binary,
  broadcastTo,
  concat,
  forEachRow,
  gather,
  max,
  NDArray,
  permute,
  powScalar,
  reshape,
  resolveSlice,
  slice,
  sum,
  unary,
  where,
  type BinaryOp,
  type UnaryOp,
} from "../../src/tensor/index.js";
import { broadcastFrom, runs, type Dims } from "../support/arbitraries.js";
import * as R from "../support/reference.js";

const nd = (shape: number[], data: number[], dtype: "float32" | "float64" = "float64"): NDArray =>
  new NDArray(dtype === "float64" ? Float64Array.from(data) : Float32Array.from(data), shape);
const toRef = (x: NDArray): R.Ref => R.ref(x.shape, Array.from(x.data));

/** Shapes of rank 0-4 with dimensions 0-3 (empty arrays included). */
const anyShape = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 0, maxLength: 4 });
/** Small integers, so that ties and equalities are common. */
const smallInts = (n: number): fc.Arbitrary<number[]> => fc.array(fc.integer({ min: -2, max: 2 }), { minLength: n, maxLength: n });
const arrayOn = (shape: Dims): fc.Arbitrary<NDArray> => smallInts(R.count(shape)).map((data) => nd(shape, data));
/** Two or three arrays whose shapes broadcast together, each side possibly reduced. */
const broadcasting = (n: number): fc.Arbitrary<NDArray[]> =>
  anyShape.chain((base) => fc.tuple(...Array.from({ length: n }, () => fc.oneof(fc.constant(base), broadcastFrom(base)).chain(arrayOn))));

const binaryOps: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  maximum: Math.max,
  minimum: Math.min,
  eq: (a, b) => Number(a === b),
  ne: (a, b) => Number(a !== b),
  lt: (a, b) => Number(a < b),
  le: (a, b) => Number(a <= b),
  gt: (a, b) => Number(a > b),
  ge: (a, b) => Number(a >= b),
};

describe("binary kernels", () => {
  it.each(Object.keys(binaryOps) as BinaryOp[])("%s broadcasts like the reference, including rank-0 and size-0 shapes", (op) => {
    fc.assert(
      fc.property(broadcasting(2), ([a, b]) => {
        const got = binary(op, a as NDArray, b as NDArray);
        const want = R.zip(toRef(a as NDArray), toRef(b as NDArray), binaryOps[op]);
        expect([...got.shape]).toEqual(want.shape);
        expect(Array.from(got.data)).toEqual(want.data);
      }),
      runs(40),
    );
  });

  it("propagates NaN through maximum and minimum from either side", () => {
    const a = nd([3], [NaN, 1, 2]);
    const b = nd([3], [0, NaN, 5]);
    expect(Array.from(binary("maximum", a, b).data)).toEqual([NaN, NaN, 5]);
    expect(Array.from(binary("minimum", a, b).data)).toEqual([NaN, NaN, 2]);
  });

  it("compares NaN as unequal to everything", () => {
    const a = nd([2], [NaN, 1]);
    expect(Array.from(binary("eq", a, a).data)).toEqual([0, 1]);
    expect(Array.from(binary("ne", a, a).data)).toEqual([1, 0]);
  });

  it("keeps the dtype and refuses mixed dtypes", () => {
    expect(binary("lt", nd([2], [1, 2], "float32"), nd([], [1.5], "float32")).dtype).toBe("float32");
    expect(() => binary("add", nd([2], [1, 2], "float32"), nd([2], [1, 2]))).toThrow(/add: mixed dtypes, float32\[2\] and float64\[2\]/);
  });

  it("refuses shapes that do not broadcast, empty ones included", () => {
    expect(() => binary("add", nd([0], []), nd([2], [1, 2]))).toThrow(/add: shapes cannot be broadcast together, \[0\] and \[2\]/);
  });
});

describe("where", () => {
  it("selects with a condition broadcast against both branches", () => {
    fc.assert(
      fc.property(broadcasting(3), ([c, a, b]) => {
        const got = where(c as NDArray, a as NDArray, b as NDArray);
        const want = R.zip3(toRef(c as NDArray), toRef(a as NDArray), toRef(b as NDArray), (cv, av, bv) => (cv !== 0 ? av : bv));
        expect([...got.shape]).toEqual(want.shape);
        expect(Array.from(got.data)).toEqual(want.data);
      }),
      runs(60),
    );
  });

  it("takes any non-zero condition (NaN and negatives) as true", () => {
    const got = where(nd([4], [0, -1, NaN, 0.5]), nd([], [1]), nd([], [2]));
    expect(Array.from(got.data)).toEqual([2, 1, 1, 1]);
  });
});

describe("argmax", () => {
  it("gives the first index of the maximum along an axis, like a plain loop", () => {
    const cases = fc
      .array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 })
      .chain((shape) => fc.tuple(arrayOn(shape), fc.integer({ min: -shape.length, max: shape.length - 1 }), fc.boolean()));
    fc.assert(
      fc.property(cases, ([x, axis, keepDims]) => {
        const a = axis < 0 ? axis + x.rank : axis;
        const keptShape = x.shape.map((d, i) => (i === a ? 1 : d));
        const expected = R.generate(keptShape, (index) => {
          let best = -Infinity;
          let bestIndex = -1;
          for (let k = 0; k < (x.shape[a] as number); k++) {
            const v = x.data[R.ravel(index.map((v2, i) => (i === a ? k : v2)), x.shape)] as number;
            if (v > best) {
              best = v;
              bestIndex = k;
            }
          }
          return bestIndex;
        });
        const got = argmax(x, axis, keepDims);
        expect([...got.shape]).toEqual(keepDims ? keptShape : x.shape.filter((_, i) => i !== a));
        expect(Array.from(got.data)).toEqual(expected.data);
        expect(got.dtype).toBe(x.dtype);
      }),
      runs(60),
    );
  });

  it("picks the first NaN, and refuses an empty axis", () => {
    expect(Array.from(argmax(nd([4], [1, NaN, 3, NaN]), 0).data)).toEqual([1]);
    expect(() => argmax(nd([2, 0], []), 1)).toThrow(/argmax: cannot reduce axis 1 of size 0, shape \[2,0\]/);
  });
});

describe("unary helpers", () => {
  const x = nd([6], [-2, -0.5, 0, 0.5, 2, -0]);
  const cases: [UnaryOp, (v: number) => number][] = [
    ["sign", Math.sign],
    ["step", (v) => (v > 0 ? 1 : 0)],
    ["reciprocal", (v) => 1 / v],
    ["square", (v) => v * v],
    ["neg", (v) => -v],
    ["abs", Math.abs],
  ];
  it.each(cases)("%s matches its definition", (op, f) => {
    expect(Array.from(unary(op, x).data)).toEqual(Array.from(x.data).map(f));
  });

  it("sigmoid is finite and exact on both tails", () => {
    const s = Array.from(unary("sigmoid", nd([4], [-1000, -40, 40, 1000])).data);
    expect([s[0], s[2], s[3]]).toEqual([0, 1 / (1 + Math.exp(-40)), 1]);
    // σ(-40) ≈ 4.25e-18: computed as e/(1+e), not 1 - σ(40) (which would be 0).
    expect(Math.abs((s[1] as number) / (1 / (1 + Math.exp(40))) - 1)).toBeLessThan(1e-15);
  });

  it("affine and powScalar", () => {
    expect(Array.from(affine(nd([3], [1, 2, 3]), -2, 0.5).data)).toEqual([-1.5, -3.5, -5.5]);
    expect(Array.from(powScalar(nd([3], [4, 9, 0.25]), 0.5).data)).toEqual([2, 3, 0.5]);
  });
});

describe("forEachRow and the kernels on rank-0 and size-0 shapes", () => {
  it("visits a rank-0 shape once, as one row of length 1 at offset 0", () => {
    const visits: unknown[] = [];
    forEachRow([], [[], []], (out, offsets, length, steps) => visits.push([out, [...offsets], length, [...steps]]));
    expect(visits).toEqual([[0, [0, 0], 1, [0, 0]]]);
  });

  it("visits nothing for a size-0 shape, whatever axis is empty", () => {
    for (const shape of [[0], [2, 0], [0, 3], [2, 0, 3]]) {
      let visits = 0;
      forEachRow(shape, [shape.map(() => 1)], () => visits++);
      expect(visits).toBe(0);
    }
  });

  it("walks rows with each input's strides, resetting them when an outer axis wraps", () => {
    const visits: unknown[] = [];
    // Output [2,3,2]; input 0 contiguous, input 1 broadcast along axis 1 (stride 0).
    forEachRow([2, 3, 2], [[6, 2, 1], [2, 0, 1]], (out, offsets, length, steps) => visits.push([out, [...offsets], length, [...steps]]));
    expect(visits).toEqual([
      [0, [0, 0], 2, [1, 1]],
      [2, [2, 0], 2, [1, 1]],
      [4, [4, 0], 2, [1, 1]],
      [6, [6, 2], 2, [1, 1]],
      [8, [8, 2], 2, [1, 1]],
      [10, [10, 2], 2, [1, 1]],
    ]);
  });

  it("broadcasts a scalar to a shape and a shape to an empty one", () => {
    expect(Array.from(binary("add", nd([], [1]), nd([], [2])).data)).toEqual([3]);
    expect([...binary("add", nd([], [1]), nd([], [2])).shape]).toEqual([]);
    const s = binary("mul", nd([], [2]), nd([2, 3], [1, 2, 3, 4, 5, 6]));
    expect([...s.shape]).toEqual([2, 3]);
    expect(Array.from(s.data)).toEqual([2, 4, 6, 8, 10, 12]);
    expect([...binary("add", nd([2, 0], []), nd([2, 1], [1, 2])).shape]).toEqual([2, 0]);
    expect([...binary("add", nd([1, 0], []), nd([3, 1], [1, 2, 3])).shape]).toEqual([3, 0]);
    expect([...binary("add", nd([0, 3], []), nd([3], [1, 2, 3])).shape]).toEqual([0, 3]);
    expect([...where(nd([], [1]), nd([0], []), nd([1], [5])).shape]).toEqual([0]);
  });

  it("reduces empty arrays: sums are 0, a max over an empty axis is an error", () => {
    const s = sum(nd([0], []));
    expect([...s.shape]).toEqual([]);
    expect(Array.from(s.data)).toEqual([0]);
    expect(Array.from(sum(nd([2, 0], []), 1).data)).toEqual([0, 0]);
    expect([...sum(nd([2, 0], []), 0).shape]).toEqual([0]);
    expect([...sum(nd([2, 0], []), 1, true).shape]).toEqual([2, 1]);
    expect([...max(nd([2, 0], []), 0).shape]).toEqual([0]);
    expect(() => max(nd([2, 0], []), 1)).toThrow(/max: cannot reduce axis 1 of size 0, shape \[2,0\]/);
    expect(Array.from(sum(nd([], [7])).data)).toEqual([7]);
    expect(Array.from(max(nd([], [7])).data)).toEqual([7]);
  });

  it("broadcastTo and permute copy repeated, contiguous and strided rows alike (plain-loop expectations)", () => {
    const col = nd([3, 1], [1, 2, 3], "float32"); // last axis repeated: sum's gradient over axis -1
    expect(Array.from(broadcastTo(col, [3, 4]).data)).toEqual([1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
    const row = nd([1, 3], [1, 2, 3]); // a contiguous row repeated: a bias
    expect(Array.from(broadcastTo(row, [2, 2, 3]).data)).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
    const x = nd([2, 3], [1, 2, 3, 4, 5, 6]);
    expect(Array.from(permute(x, [1, 0]).data)).toEqual([1, 4, 2, 5, 3, 6]); // strided rows
    const y = nd([2, 1, 3], [1, 2, 3, 4, 5, 6]);
    expect(Array.from(permute(y, [1, 0, 2]).data)).toEqual([1, 2, 3, 4, 5, 6]); // contiguous rows
    expect(Array.from(broadcastTo(nd([2, 1, 3], [1, 2, 3, 4, 5, 6]), [2, 2, 3]).data)).toEqual([1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6]);
  });

  it("moves empty and scalar arrays through the layout kernels", () => {
    expect([...permute(nd([0, 2], []), [1, 0]).shape]).toEqual([2, 0]);
    expect(Array.from(permute(nd([], [3]), []).data)).toEqual([3]);
    const b = broadcastTo(nd([], [4]), [2, 2]);
    expect(Array.from(b.data)).toEqual([4, 4, 4, 4]);
    expect([...broadcastTo(nd([1, 0], []), [3, 0]).shape]).toEqual([3, 0]);
    expect([...slice(nd([3, 2], [1, 2, 3, 4, 5, 6]), resolveSlice([3, 2], [2], [1])).shape]).toEqual([0, 2]);
    expect([...slice(nd([], [5]), resolveSlice([], [], [])).shape]).toEqual([]);
    const c = concat([nd([2, 0], []), nd([2, 1], [1, 2]), nd([2, 2], [3, 4, 5, 6])], 1);
    expect([...c.shape]).toEqual([2, 3]);
    expect(Array.from(c.data)).toEqual([1, 3, 4, 2, 5, 6]);
    const g = gather(nd([3, 2], [1, 2, 3, 4, 5, 6]), nd([0], []), 0);
    expect([...g.shape]).toEqual([0, 2]);
    expect([...reshape(nd([0, 3], []), [3, 0, 1]).shape]).toEqual([3, 0, 1]);
  });
});
