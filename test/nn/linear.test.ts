/**
 * Linear and Sequential: values against plain loops, PyTorch's default initialization and its
 * determinism, and gradcheck of the input and of every parameter.
 */
import { describe, expect, it } from "vitest";
import { assertGradcheck, randn, tensor, type Tensor } from "../../src/autograd/index.js";
import { Generator } from "../../src/tensor/index.js";
import { Linear, ReLU, Sequential, Tanh, type Layer } from "../../src/nn/index.js";

/** y[n][o] = Σ_i x[n][i]·W[o][i] + b[o], by plain loops. */
function linearLoops(x: Tensor, w: Tensor, b: Tensor | null): number[] {
  const [batch, inF] = x.shape as [number, number];
  const outF = w.shape[0] as number;
  const out: number[] = [];
  for (let n = 0; n < batch; n++) {
    for (let o = 0; o < outF; o++) {
      let total = b ? (b.data[o] as number) : 0;
      for (let i = 0; i < inF; i++) total += (x.data[n * inF + i] as number) * (w.data[o * inF + i] as number);
      out.push(total);
    }
  }
  return out;
}

/**
 * `f(x, ...params)` computed by `model.forward` with its parameters replaced by the given
 * tensors (Module.withParameters), so that gradcheck sees the gradients of the real forward.
 */
function asFunction(model: Layer): (x: Tensor, ...params: Tensor[]) => Tensor {
  const names = model.namedParameters().map(([name]) => name);
  return (x, ...params) => model.withParameters(new Map(names.map((name, i) => [name, params[i] as Tensor])), () => model.forward(x));
}

const paramsOf = (linears: Linear[]): Tensor[] => linears.flatMap((l) => [l.weight, l.bias as Tensor]);

describe("Linear", () => {
  it("computes x·Wᵀ + b like plain loops, with W stored [out, in]", () => {
    const layer = new Linear(5, 3, { dtype: "float64", generator: new Generator(1) });
    expect(layer.weight.shape).toEqual([3, 5]);
    expect(layer.bias?.shape).toEqual([3]);
    const x = randn([4, 5], { dtype: "float64", generator: new Generator(2) });
    const y = layer.forward(x);
    expect(y.shape).toEqual([4, 3]);
    const want = linearLoops(x, layer.weight, layer.bias);
    [...y.data].forEach((v, i) => expect(Math.abs(v - (want[i] as number))).toBeLessThanOrEqual(1e-14));
  });

  it("can omit the bias", () => {
    const layer = new Linear(4, 2, { bias: false, dtype: "float64" });
    expect(layer.bias).toBeNull();
    expect(layer.namedParameters().map(([name]) => name)).toEqual(["weight"]);
    const x = randn([3, 4], { dtype: "float64", generator: new Generator(3) });
    const want = linearLoops(x, layer.weight, null);
    [...layer.forward(x).data].forEach((v, i) => expect(Math.abs(v - (want[i] as number))).toBeLessThanOrEqual(1e-14));
  });

  it("initializes W and b within ±1/√fan_in, deterministically for a seed", () => {
    const a = new Linear(50, 20, { generator: new Generator(42) });
    const b = new Linear(50, 20, { generator: new Generator(42) });
    const c = new Linear(50, 20, { generator: new Generator(43) });
    const bound = 1 / Math.sqrt(50);
    for (const p of a.parameters()) expect(Math.max(...p.data.map(Math.abs))).toBeLessThanOrEqual(bound);
    // Not degenerate: the draws fill the interval (P(max |w| < 0.95·bound) = 0.95^1000 for 1000 draws).
    expect(Math.max(...a.weight.data.map(Math.abs))).toBeGreaterThan(0.95 * bound);
    expect(Math.max(...(a.bias?.data ?? []).map(Math.abs))).toBeGreaterThan(0.5 * bound);
    expect(a.weight.data.some((w) => w < 0) && a.weight.data.some((w) => w > 0)).toBe(true);
    expect([...a.weight.data]).toEqual([...b.weight.data]);
    expect([...(a.bias?.data ?? [])]).toEqual([...(b.bias?.data ?? [])]);
    expect([...a.weight.data]).not.toEqual([...c.weight.data]);
  });

  it("rejects invalid sizes", () => {
    expect(() => new Linear(0, 3)).toThrow(/inFeatures must be a positive integer, got 0/);
    expect(() => new Linear(2, 1.5)).toThrow(/outFeatures must be a positive integer/);
  });

  it("passes gradcheck in float64 for the input, weight and bias", () => {
    const layer = new Linear(4, 3, { dtype: "float64", generator: new Generator(5) });
    const x = randn([5, 4], { dtype: "float64", generator: new Generator(6), requiresGrad: true });
    const report = assertGradcheck(asFunction(layer), [x, ...paramsOf([layer])]);
    expect(report.inputs.map((r) => r.mode)).toEqual(["jacobian", "jacobian", "jacobian"]);
  });

  it("accepts leading batch axes, or a single vector", () => {
    const layer = new Linear(3, 2, { dtype: "float64", generator: new Generator(8) });
    const x = randn([2, 4, 3], { dtype: "float64", generator: new Generator(9) });
    const y = layer.forward(x);
    expect(y.shape).toEqual([2, 4, 2]);
    const flat = layer.forward(x.reshape([8, 3]));
    expect([...y.data]).toEqual([...flat.data]);
    const single = layer.forward(x.slice([0, 0], [1, 1]).reshape([3]));
    expect(single.shape).toEqual([2]);
    expect([...single.data]).toEqual([...flat.data.slice(0, 2)]);
  });
});

describe("Sequential", () => {
  it("chains its layers and names parameters by position, as PyTorch does", () => {
    const g = new Generator(10);
    const first = new Linear(3, 4, { dtype: "float64", generator: g });
    const second = new Linear(4, 2, { dtype: "float64", generator: g });
    const model = new Sequential(first, new Tanh(), second);
    expect(model.length).toBe(3);
    expect(model.at(-1)).toBe(second);
    expect(model.namedParameters().map(([name]) => name)).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
    const x = randn([5, 3], { dtype: "float64", generator: g });
    const hidden = linearLoops(x, first.weight, first.bias).map(Math.tanh);
    const want = linearLoops(tensor(Float64Array.from(hidden), { shape: [5, 4] }), second.weight, second.bias);
    [...model.forward(x).data].forEach((v, i) => expect(Math.abs(v - (want[i] as number))).toBeLessThanOrEqual(1e-14));
    expect(() => model.at(3)).toThrow(/index 3 is out of range for 3 layers/);
  });

  it("is the identity when empty, and grows with append and extend", () => {
    const x = tensor([1, 2, 3]);
    const model = new Sequential();
    expect(model.forward(x)).toBe(x);
    model.append(new ReLU()).append(new Linear(3, 1));
    expect(model.namedParameters().map(([name]) => name)).toEqual(["1.weight", "1.bias"]);
    model.extend([new Tanh(), new Linear(1, 2)]);
    expect(model.length).toBe(4);
    expect(model.namedParameters().map(([name]) => name)).toEqual(["1.weight", "1.bias", "3.weight", "3.bias"]);
    expect(model.forward(x).shape).toEqual([2]);
  });

  it("passes gradcheck in float64 for a 2-layer MLP, input and all parameters", () => {
    const g = new Generator(11);
    const linears = [new Linear(3, 5, { dtype: "float64", generator: g }), new Linear(5, 2, { dtype: "float64", generator: g })];
    const model = new Sequential(linears[0] as Linear, new Tanh(), linears[1] as Linear);
    const x = randn([4, 3], { dtype: "float64", generator: g, requiresGrad: true });
    const report = assertGradcheck(asFunction(model), [x, ...paramsOf(linears)]);
    expect(report.inputs).toHaveLength(5);
  });
});
