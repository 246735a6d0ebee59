/**
 * A tensor prints as torch prints one (values, 4 decimals, one width, summarized past 1000
 * elements), in `String(t)` and in Node's `util.inspect` / `console.log`.
 */
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { arange, tensor } from "../../src/autograd/index.js";

describe("toString", () => {
  it("prints values right-aligned with 4 decimals, a matrix one row a line, as torch", () => {
    const x = tensor([[0.5, -1.25], [3, 4]]);
    expect(String(x)).toBe("tensor([[ 0.5000, -1.2500],\n        [ 3.0000,  4.0000]])");
  });

  it("prints integers as `1.`, a scalar bare, float64 and gradients named", () => {
    expect(tensor([1, 2, 3]).toString()).toBe("tensor([1., 2., 3.])");
    expect(tensor(3.5).toString()).toBe("tensor(3.5000)");
    expect(tensor([1, 2], { dtype: "float64", requiresGrad: true }).toString()).toBe("tensor([1., 2.], dtype=float64, requiresGrad=true)");
    const y = tensor([1, 2], { requiresGrad: true }).mul(2);
    expect(y.toString()).toBe("tensor([2., 4.], gradFn=<mul>)");
  });

  it("switches to scientific notation when magnitudes span more than 1000 or pass 1e8, as torch", () => {
    expect(tensor([1e-5, 1]).toString()).toBe("tensor([1.0000e-05, 1.0000e+00])");
    expect(tensor([1.5, 2e9]).toString()).toBe("tensor([1.5000e+00, 2.0000e+09])");
    expect(tensor([NaN, 1.5, -Infinity]).toString()).toBe("tensor([   nan, 1.5000,   -inf])");
  });

  it("summarizes a tensor of more than 1000 elements: 3 entries at each end of every axis", () => {
    const text = arange(2000).reshape([40, 50]).toString();
    const lines = text.split("\n");
    expect(lines).toHaveLength(7);
    expect(lines[0]).toBe("tensor([[   0.,    1.,    2., ...,   47.,   48.,   49.],");
    expect(lines[3]).toBe("        ...,");
    expect(lines[6]).toBe("        [1950., 1951., 1952., ..., 1997., 1998., 1999.]])");
    expect(arange(1000).toString()).not.toContain("...");
  });

  it("prints a three-axis tensor with a blank line between blocks, and empty tensors with their size", () => {
    expect(arange(8).reshape([2, 2, 2]).toString()).toBe("tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]])");
    expect(tensor([]).toString()).toBe("tensor([])");
    expect(arange(0).reshape([2, 0]).toString()).toBe("tensor([], size=[2, 0])");
  });

  it("is what Node's util.inspect and console.log show", () => {
    const x = tensor([[1, 2]]);
    expect(inspect(x)).toBe(x.toString());
    expect(inspect({ x })).toBe(`{ x: ${x.toString()} }`);
  });
});
