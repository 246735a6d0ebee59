/** Shape arithmetic: broadcasting, strides, axes and slice bounds, against the reference rules. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { broadcastShapes, broadcastStrides, normalizeAxes, resolveSlice, ShapeError, stridesOf } from "../../src/tensor/index.js";
import { runs } from "../support/arbitraries.js";
import * as R from "../support/reference.js";

const smallShape = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 0, maxLength: 4 });
const outcome = <T>(f: () => T): T | "throws" => {
  try {
    return f();
  } catch {
    return "throws";
  }
};

describe("shapes", () => {
  it("broadcastShapes agrees with the reference rule, and throws exactly when it does", () => {
    fc.assert(
      fc.property(smallShape, smallShape, (a, b) => {
        expect(outcome(() => broadcastShapes("op", a, b))).toEqual(outcome(() => R.broadcastShape(a, b)));
      }),
      runs(300),
    );
  });

  it("broadcastStrides reads a broadcast array like the reference", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 4 }).chain((full) => fc.tuple(fc.constant(full), fc.integer({ min: 0, max: full.length }), fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }))), ([full, drop, ones]) => {
        const own = full.map((d, i) => (ones[i] ? 1 : d)).slice(drop);
        const strides = broadcastStrides(own, full);
        const x = R.ref(own, Array.from({ length: R.count(own) }, (_, i) => i));
        for (let flat = 0; flat < R.count(full); flat++) {
          const index = R.unravel(flat, full);
          const offset = index.reduce((acc, i, axis) => acc + i * (strides[axis] as number), 0);
          expect(offset).toBe(R.readBroadcast(x, index));
        }
      }),
      runs(100),
    );
  });

  it("stridesOf is row-major", () => {
    expect(stridesOf([2, 3, 4])).toEqual([12, 4, 1]);
    expect(stridesOf([])).toEqual([]);
    expect(stridesOf([5, 0, 2])).toEqual([0, 2, 1]);
  });

  it("normalizeAxes sorts, resolves negatives, and names the op on bad axes", () => {
    expect(normalizeAxes("sum", [-1, 0], [2, 3, 4])).toEqual([0, 2]);
    expect(normalizeAxes("sum", undefined, [2, 3])).toEqual([0, 1]);
    expect(normalizeAxes("sum", [], [2, 3])).toEqual([]);
    expect(() => normalizeAxes("sum", 3, [2, 3, 4])).toThrow(ShapeError);
    expect(() => normalizeAxes("sum", 0, [])).toThrow(/sum: axis 0 is out of range for shape \[\]/);
  });

  it("resolveSlice follows Python's rules for any integer bounds, empty slices included", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 3 }).chain((shape) =>
          fc.integer({ min: 0, max: shape.length }).chain((k) =>
            fc.tuple(
              fc.constant(shape),
              fc.array(fc.integer({ min: -6, max: 6 }), { minLength: k, maxLength: k }),
              fc.array(fc.integer({ min: -6, max: 6 }), { minLength: k, maxLength: k }),
            ),
          ),
        ),
        ([shape, starts, ends]) => {
          const { starts: s, ends: e } = resolveSlice(shape, starts, ends);
          shape.forEach((dim, axis) => {
            const want = axis < starts.length ? R.sliceBounds(dim, starts[axis] as number, ends[axis] as number) : [0, dim];
            expect([s[axis], e[axis]]).toEqual(want);
          });
        },
      ),
      runs(200),
    );
  });
});
