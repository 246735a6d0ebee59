/** `sumToShape`, the one place where broadcasting's gradient is reduced. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sumToShape } from "../../src/autograd/index.js";
import { NDArray } from "../../src/tensor/index.js";
import { broadcastFrom, runs, shape, values, real } from "../support/arbitraries.js";
import * as R from "../support/reference.js";

describe("sumToShape", () => {
  it("sums a gradient over the axes its input was broadcast along", () => {
    const cases = shape().chain((full) =>
      fc.tuple(fc.constant(full), broadcastFrom(full), values(R.count(full), real())),
    );
    fc.assert(
      fc.property(cases, ([full, own, data]) => {
        const got = sumToShape(new NDArray(Float64Array.from(data), full), own);
        // Reference: every gradient element is added to the input element it was copied from.
        const want = new Array<number>(R.count(own)).fill(0);
        const source = R.ref(own, Array.from({ length: R.count(own) }, (_, i) => i));
        data.forEach((g, flat) => {
          const i = R.readBroadcast(source, R.unravel(flat, full));
          want[i] = (want[i] as number) + g;
        });
        expect([...got.shape]).toEqual(own);
        const gotData = Array.from(got.data);
        gotData.forEach((v, i) => expect(v).toBeCloseTo(want[i] as number, 12));
      }),
      runs(100),
    );
  });

  it("returns the gradient itself when the shapes already agree, and refuses impossible shapes", () => {
    const g = new NDArray(new Float64Array(6), [2, 3]);
    expect(sumToShape(g, [2, 3])).toBe(g);
    expect(() => sumToShape(g, [4])).toThrow(/sumToShape: gradient of shape \[2,3\] does not broadcast from \[4\]/);
    expect(() => sumToShape(g, [1, 2, 3])).toThrow(/sumToShape: gradient of shape \[2,3\] has fewer axes than \[1,2,3\]/);
  });
});
