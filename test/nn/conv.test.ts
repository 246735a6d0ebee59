/**
 * Conv2d and ConvTranspose2d: PyTorch's parameter names, layouts and default initialisation
 * (bounds, fan-in of the transpose's stored layout), forward equal to the functional op on the
 * layer's own parameters, and gradcheck of the input and of every parameter.
 */
import { describe, expect, it } from "vitest";
import { assertGradcheck, conv2d, convTranspose2d, randn, type Tensor } from "../../src/autograd/index.js";
import { Generator } from "../../src/tensor/index.js";
import { Conv2d, ConvTranspose2d, Flatten, Unflatten, type Layer } from "../../src/nn/index.js";

function asFunction(model: Layer): (x: Tensor, ...params: Tensor[]) => Tensor {
  const names = model.namedParameters().map(([name]) => name);
  return (x, ...params) => model.withParameters(new Map(names.map((name, i) => [name, params[i] as Tensor])), () => model.forward(x));
}

const maxAbs = (t: Tensor): number => Math.max(...Array.from(t.data, Math.abs));

describe("Conv2d", () => {
  it("has torch.nn.Conv2d's parameters: weight [out, in, kH, kW], bias [out]", () => {
    const layer = new Conv2d(3, 8, [3, 2], { stride: 2, padding: 1 });
    expect(layer.namedParameters().map(([name, p]) => [name, [...p.shape]])).toEqual([["weight", [8, 3, 3, 2]], ["bias", [8]]]);
    expect(new Conv2d(3, 8, 3, { bias: false }).namedParameters().map(([name]) => name)).toEqual(["weight"]);
  });

  it("draws weight and bias from U(-1/√fanIn, 1/√fanIn) with fanIn = in·kH·kW, deterministically for a seed", () => {
    const layer = new Conv2d(16, 32, 3, { generator: new Generator(7) });
    const bound = 1 / Math.sqrt(16 * 9);
    for (const p of [layer.weight, layer.bias as Tensor]) expect(maxAbs(p)).toBeLessThanOrEqual(bound);
    // 4,608 uniform draws: the largest is within 1% of the bound and the variance is bound²/3 within 5%.
    expect(maxAbs(layer.weight)).toBeGreaterThan(0.99 * bound);
    const variance = Array.from(layer.weight.data).reduce((s, v) => s + v * v, 0) / layer.weight.size;
    expect(variance / (bound * bound / 3)).toBeGreaterThan(0.95);
    expect(variance / (bound * bound / 3)).toBeLessThan(1.05);
    expect(Array.from(new Conv2d(16, 32, 3, { generator: new Generator(7) }).weight.data)).toEqual(Array.from(layer.weight.data));
  });

  it("forward is conv2d with the layer's weight, bias, stride and padding", () => {
    const layer = new Conv2d(2, 4, 3, { stride: [2, 1], padding: [1, 0], dtype: "float64", generator: new Generator(1) });
    const x = randn([2, 2, 7, 6], { dtype: "float64", generator: new Generator(2) });
    const y = layer.forward(x);
    expect([...y.shape]).toEqual([2, 4, 4, 4]);
    expect(Array.from(y.data)).toEqual(Array.from(conv2d(x, layer.weight, layer.bias, { stride: [2, 1], padding: [1, 0] }).data));
  });

  it("passes gradcheck in the input and every parameter", () => {
    const layer = new Conv2d(2, 3, 3, { stride: 2, padding: 1, dtype: "float64", generator: new Generator(3) });
    const x = randn([2, 2, 5, 5], { dtype: "float64", generator: new Generator(4), requiresGrad: true });
    assertGradcheck((input, ...params) => asFunction(layer)(input, ...params).add(1).square().mean(), [x, ...layer.parameters()]);
  });

  it("refuses bad sizes, naming the layer", () => {
    expect(() => new Conv2d(0, 4, 3)).toThrow("Conv2d: inChannels must be a positive integer, got 0");
    expect(() => new Conv2d(1, 4, [3, 0])).toThrow("Conv2d: kernelSize must be a positive integer, got 0");
    expect(() => new Conv2d(3, 4, 3).forward(randn([1, 2, 8, 8]))).toThrow("conv2d: weight expects 3 input channels, input has 2");
  });
});

describe("ConvTranspose2d", () => {
  it("has torch.nn.ConvTranspose2d's parameters: weight [in, out, kH, kW], bias [out]", () => {
    const layer = new ConvTranspose2d(8, 3, 3, { stride: 2, padding: 1, outputPadding: 1 });
    expect(layer.namedParameters().map(([name, p]) => [name, [...p.shape]])).toEqual([["weight", [8, 3, 3, 3]], ["bias", [3]]]);
  });

  it("draws from U(-1/√fanIn, 1/√fanIn) with torch's fanIn of the stored layout, out·kH·kW", () => {
    const layer = new ConvTranspose2d(64, 4, 3, { generator: new Generator(9) });
    const bound = 1 / Math.sqrt(4 * 9);
    for (const p of [layer.weight, layer.bias as Tensor]) expect(maxAbs(p)).toBeLessThanOrEqual(bound);
    expect(maxAbs(layer.weight)).toBeGreaterThan(0.99 * bound);
  });

  it("forward is convTranspose2d with the layer's parameters; 7x7 -> 14x14 with stride 2, padding 1, outputPadding 1", () => {
    const layer = new ConvTranspose2d(4, 2, 3, { stride: 2, padding: 1, outputPadding: 1, dtype: "float64", generator: new Generator(5) });
    const x = randn([3, 4, 7, 7], { dtype: "float64", generator: new Generator(6) });
    const y = layer.forward(x);
    expect([...y.shape]).toEqual([3, 2, 14, 14]);
    expect(Array.from(y.data)).toEqual(Array.from(convTranspose2d(x, layer.weight, layer.bias, { stride: 2, padding: 1, outputPadding: 1 }).data));
  });

  it("passes gradcheck in the input and every parameter", () => {
    const layer = new ConvTranspose2d(3, 2, 3, { stride: 2, padding: 1, outputPadding: 1, dtype: "float64", generator: new Generator(7) });
    const x = randn([2, 3, 3, 3], { dtype: "float64", generator: new Generator(8), requiresGrad: true });
    assertGradcheck((input, ...params) => asFunction(layer)(input, ...params).add(1).square().mean(), [x, ...layer.parameters()]);
  });
});

describe("Flatten and Unflatten", () => {
  it("move between [N, C, H, W] and [N, C·H·W] without touching the values, as torch's", () => {
    const x = randn([2, 3, 4, 5], { generator: new Generator(1) });
    const flat = new Flatten().forward(x);
    expect([...flat.shape]).toEqual([2, 60]);
    expect([...new Flatten(2).forward(x).shape]).toEqual([2, 3, 20]);
    const back = new Unflatten(1, [3, 4, 5]).forward(flat);
    expect([...back.shape]).toEqual([2, 3, 4, 5]);
    expect(Array.from(back.data)).toEqual(Array.from(x.data));
  });

  it("Unflatten names the axis and the sizes when they do not fit", () => {
    expect(() => new Unflatten(1, [1, 28, 28]).forward(randn([2, 780]))).toThrow("Unflatten: axis 1 of [2,780] must have 784 elements to become [1,28,28]");
    expect(() => new Unflatten(1, [0, 4])).toThrow("Unflatten: sizes must be positive integers, got [0,4]");
  });
});
