import { describe, expect, it } from "vitest";
import { nonFiniteEntries } from "../../src/tensor/index.js";

describe("nonFiniteEntries", () => {
  it("counts NaN, +Inf and -Inf and names the first, in float32 and float64 arrays", () => {
    expect(nonFiniteEntries(Float32Array.from([1, 0, -3.5]))).toEqual({ count: 0, first: -1 });
    expect(nonFiniteEntries(Float32Array.from([1, Number.NaN, 2, Number.POSITIVE_INFINITY]))).toEqual({ count: 2, first: 1 });
    expect(nonFiniteEntries(Float64Array.from([Number.NEGATIVE_INFINITY, 1e308, Number.NaN]))).toEqual({ count: 2, first: 0 });
    expect(nonFiniteEntries(new Float64Array(0))).toEqual({ count: 0, first: -1 });
  });

  it("counts a float32 overflow (3e38 * 10 is Infinity in the array) but not the largest finite value", () => {
    const values = Float32Array.from([3.4028234663852886e38, 3e38 * 10]);
    expect(nonFiniteEntries(values)).toEqual({ count: 1, first: 1 });
  });
});
