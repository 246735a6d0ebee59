/** Building tensors: nested arrays, typed arrays, factories and seeded random draws. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { arange, defaultGenerator, full, manualSeed, ones, rand, randn, tensor, zeros } from "../../src/autograd/index.js";
import { Generator, NDArray } from "../../src/tensor/index.js";
import { runs } from "../support/arbitraries.js";

describe("tensor()", () => {
  it("round-trips nested arrays of any rank through toArray", () => {
    const rectangular = fc
      .array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 4 })
      .chain((shape) => {
        const size = shape.reduce((a, b) => a * b, 1);
        return fc.array(fc.integer({ min: -100, max: 100 }), { minLength: size, maxLength: size }).map((flat) => ({ shape, flat }));
      });
    fc.assert(
      fc.property(rectangular, ({ shape, flat }) => {
        const t = tensor(Float64Array.from(flat), { shape });
        const again = tensor(t.toArray(), { dtype: "float64" });
        expect([...again.shape]).toEqual(shape);
        expect(Array.from(again.data)).toEqual(flat);
      }),
      runs(50),
    );
  });

  it("infers shapes, empty axes included, and defaults to float32 without grad", () => {
    expect([...tensor(5).shape]).toEqual([]);
    expect(tensor(5).item()).toBe(5);
    expect([...tensor([]).shape]).toEqual([0]);
    expect([...tensor([[], []]).shape]).toEqual([2, 0]);
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect([...t.shape]).toEqual([2, 3]);
    expect(t.dtype).toBe("float32");
    expect(t.requiresGrad).toBe(false);
    expect(t.isLeaf).toBe(true);
  });

  it("wraps typed arrays in their dtype and converts on request", () => {
    const data = new Float64Array([1, 2, 3, 4]);
    const t = tensor(data, { shape: [2, 2] });
    expect(t.dtype).toBe("float64");
    expect(t.data).toBe(data);
    const f = tensor(data, { shape: [4], dtype: "float32" });
    expect(f.dtype).toBe("float32");
    expect(Array.from(f.data)).toEqual([1, 2, 3, 4]);
    expect([...tensor(new Float32Array(3)).shape]).toEqual([3]);
    const fromArray = tensor(new NDArray(new Float32Array([7]), []), { requiresGrad: true });
    expect(fromArray.requiresGrad).toBe(true);
  });

  it("rounds values into float32 storage", () => {
    expect(tensor([0.1]).data[0]).toBe(Math.fround(0.1));
    expect(tensor([0.1], { dtype: "float64" }).data[0]).toBe(0.1);
  });
});

describe("factories", () => {
  it("full, zeros, ones, arange", () => {
    expect(Array.from(full([2, 2], 3.5).data)).toEqual([3.5, 3.5, 3.5, 3.5]);
    expect(zeros([3], { dtype: "float64" }).dtype).toBe("float64");
    expect(Array.from(ones([2]).data)).toEqual([1, 1]);
    expect(ones([2], { requiresGrad: true }).requiresGrad).toBe(true);
    expect(Array.from(arange(4).data)).toEqual([0, 1, 2, 3]);
    expect(() => zeros([2, -1])).toThrow(/full: invalid shape \[2,-1\]/);
    expect(() => zeros([1.5])).toThrow(/full: invalid shape \[1.5\]/);
  });

  it("randn and rand draw from the generator they are given, reproducibly", () => {
    const a = randn([3, 4], { dtype: "float64", generator: new Generator(9) });
    const b = randn([3, 4], { dtype: "float64", generator: new Generator(9) });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    const g = new Generator(9);
    expect(Array.from(a.data)).toEqual(Array.from({ length: 12 }, () => g.normal()));
    const u = rand([1000], { low: -1, high: 3, generator: new Generator(1) });
    expect(Array.from(u.data).every((v) => v >= -1 && v < 3)).toBe(true);
    expect(Array.from(u.data).some((v) => v < 0)).toBe(true);
  });

  it("manualSeed resets the default generator", () => {
    manualSeed(123);
    const first = Array.from(randn([5]).data);
    manualSeed(123);
    expect(Array.from(randn([5]).data)).toEqual(first);
    manualSeed(124);
    expect(Array.from(randn([5]).data)).not.toEqual(first);
    manualSeed(123);
    expect(defaultGenerator.getState()).toEqual(new Generator(123).getState());
  });
});
