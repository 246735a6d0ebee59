/**
 * Activation layers: values against the scalar formulas in float64, gradients by gradcheck
 * (inputs kept off the kinks), torch's choices at the kinks and in Softplus's linear regime.
 */
import { describe, expect, it } from "vitest";
import { assertGradcheck, tensor, type Tensor } from "../../src/autograd/index.js";
import { LeakyReLU, ReLU, Sigmoid, Softplus, Tanh, type Layer } from "../../src/nn/index.js";

const XS = [-31.5, -6.25, -1.3, -0.45, -0.01, 0.02, 0.7, 1.9, 4.4, 19.5, 22.75];
const input = (values: number[] = XS, requiresGrad = false): Tensor => tensor(Float64Array.from(values), { dtype: "float64", requiresGrad });

const cases: [string, () => Layer, (x: number) => number][] = [
  ["ReLU", () => new ReLU(), (x) => Math.max(x, 0)],
  ["LeakyReLU()", () => new LeakyReLU(), (x) => (x > 0 ? x : 0.01 * x)],
  ["LeakyReLU(0.2)", () => new LeakyReLU(0.2), (x) => (x > 0 ? x : 0.2 * x)],
  ["LeakyReLU(3)", () => new LeakyReLU(3), (x) => (x > 0 ? x : 3 * x)],
  ["LeakyReLU(-0.5)", () => new LeakyReLU(-0.5), (x) => (x > 0 ? x : -0.5 * x)],
  ["Sigmoid", () => new Sigmoid(), (x) => 1 / (1 + Math.exp(-x))],
  ["Tanh", () => new Tanh(), (x) => Math.tanh(x)],
  ["Softplus()", () => new Softplus(), (x) => (x > 20 ? x : Math.log1p(Math.exp(x)))],
  ["Softplus(2, 5)", () => new Softplus(2, 5), (x) => (2 * x > 5 ? x : Math.log1p(Math.exp(2 * x)) / 2)],
  ["Softplus(0.5)", () => new Softplus(0.5), (x) => (0.5 * x > 20 ? x : Math.log1p(Math.exp(0.5 * x)) / 0.5)],
];

describe.each(cases)("%s", (_, make, formula) => {
  it("computes the formula elementwise and keeps the shape", () => {
    const layer = make();
    const x = tensor([XS.slice(0, 5), XS.slice(5, 10)], { dtype: "float64" });
    const y = layer.forward(x);
    expect(y.shape).toEqual([2, 5]);
    expect(y.dtype).toBe("float64");
    [...y.data].forEach((value, i) => {
      const want = formula(x.data[i] as number);
      expect(Math.abs(value - want)).toBeLessThanOrEqual(2e-15 * Math.max(1, Math.abs(want)));
    });
    expect(layer.parameters()).toEqual([]);
  });

  it("passes gradcheck in float64", () => {
    const layer = make();
    assertGradcheck((x) => layer.forward(x), [input(XS, true)]);
  });

  it("works in float32", () => {
    const y = make().forward(tensor([-2, 0.5, 3]));
    expect(y.dtype).toBe("float32");
    [...y.data].forEach((value, i) => expect(value).toBeCloseTo(formula([-2, 0.5, 3][i] as number), 6));
  });
});

describe("torch's conventions at the edges", () => {
  const gradAt = (layer: Layer, values: number[]): number[] => {
    const x = input(values, true);
    layer.forward(x).sum().backward();
    return [...(x.grad?.data ?? [])];
  };

  it("ReLU has gradient 0 at 0; LeakyReLU has its slope there", () => {
    expect(gradAt(new ReLU(), [0, -1, 1])).toEqual([0, 0, 1]);
    expect(gradAt(new LeakyReLU(0.1), [0, -1, 1])).toEqual([0.1, 0.1, 1]);
  });

  it("Softplus is x itself, with gradient 1, above the threshold", () => {
    const layer = new Softplus();
    const y = layer.forward(input([20.5, 100, 800]));
    expect([...y.data]).toEqual([20.5, 100, 800]);
    expect(gradAt(layer, [20.5, 100, 800])).toEqual([1, 1, 1]);
    // At very negative inputs it underflows gracefully instead of returning log(0) or NaN.
    const small = layer.forward(input([-800])).item();
    expect(small).toBe(0);
  });

  it("rejects invalid settings", () => {
    expect(() => new LeakyReLU(Number.NaN)).toThrow(/negativeSlope must be finite/);
    expect(() => new Softplus(0)).toThrow(/beta must be finite and non-zero/);
  });
});
