/**
 * The convolution kernels: the lowered float32 path (im2col + gemm) against the readable
 * nested loops on the same values, on wasm vs plain JS and on 1 vs 2 threads; output sizes and
 * values against PyTorch (test/fixtures/conv-torch.json, written by conv-torch.py); random-
 * direction gradchecks on shapes too large for a full Jacobian; and the errors bad shapes get.
 */
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { assertGradcheck, conv2d, convTranspose2d, Tensor, tensor } from "../../src/autograd/index.js";
import { conv2dDirect, conv2dInputGradDirect, conv2dWeightGradDirect } from "../../src/tensor/conv-direct.js";
import {
  conv2dAndWeightGrad,
  conv2dForward,
  conv2dGeometry,
  conv2dInputGrad,
  conv2dWeightGrad,
  convTranspose2dGeometry,
  Generator,
  kernelPath,
  NDArray,
  setKernelPath,
  type ConvGeometry,
  type TypedArray,
} from "../../src/tensor/index.js";
import { setNumThreads } from "../../src/threads/node.js";
import { convCase, runs, values } from "../support/arbitraries.js";
import { expectAllClose } from "../support/compare.js";

const normal = (shape: number[], seed: number): NDArray => {
  const data = new Generator(seed).fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1))) as Float32Array;
  return new NDArray(data, shape);
};
const f64 = (a: TypedArray): Float64Array => Float64Array.from(a);

/**
 * Within 1e-5 of the largest |want|: each entry sums up to 588 products of N(0,1) values, whose
 * float32 rounding grows with the sum's size, while an indexing slip moves entries by O(1).
 */
function expectCloseToScale(got: ArrayLike<number>, want: ArrayLike<number>, label: string): void {
  const scale = Array.from(want).reduce((max, v) => Math.max(max, Math.abs(v)), 0); // no spread: arrays of 10^5 entries
  expectAllClose(Array.from(got, (v) => v / scale), Array.from(want, (v) => v / scale), 1e-5, label);
}

/** The three kernels of a geometry on float32 arrays (whatever path is active). */
function lowered(g: ConvGeometry, seed: number): { y: NDArray; dx: NDArray; dw: NDArray; x: NDArray; w: NDArray; b: NDArray; gy: NDArray } {
  const x = normal([g.batch, g.inChannels, g.inHeight, g.inWidth], seed);
  const w = normal([g.outChannels, g.inChannels, g.kernelHeight, g.kernelWidth], seed + 1);
  const b = normal([g.outChannels], seed + 2);
  const gy = normal([g.batch, g.outChannels, g.outHeight, g.outWidth], seed + 3);
  return { x, w, b, gy, y: conv2dForward(x, w, b, g), dx: conv2dInputGrad(gy, w, g), dw: conv2dWeightGrad(x, gy, g) };
}

// The conv VAE's layers (batch 3), odd strides, paddings and non-square kernels, and a batch cut into slices.
const geometries: [string, ConvGeometry][] = [
  ["encoder conv 1x28x28 -> 32, 3x3 s2 p1", conv2dGeometry([3, 1, 28, 28], [32, 1, 3, 3], { stride: 2, padding: 1 })],
  ["encoder conv 32x14x14 -> 64, 3x3 s2 p1", conv2dGeometry([3, 32, 14, 14], [64, 32, 3, 3], { stride: 2, padding: 1 })],
  ["decoder transpose 64x7x7 -> 64x14x14", convTranspose2dGeometry([3, 64, 7, 7], [64, 64, 3, 3], { stride: 2, padding: 1, outputPadding: 1 })],
  ["odd: 5x2 kernel, stride (3,1), padding (2,0)", conv2dGeometry([2, 5, 11, 9], [7, 5, 5, 2], { stride: [3, 1], padding: [2, 0] })],
  // 576 taps x 784 pixels of columns per image, over the 2^18 floats of a slice: one slice per image, 3 slices
  ["three slices: 64x28x28 -> 2, 3x3 s1 p1", conv2dGeometry([3, 64, 28, 28], [2, 64, 3, 3], { padding: 1 })],
];

describe("conv kernels, lowered float32 vs the nested loops", () => {
  it.each(geometries)("%s: forward, input and weight gradients agree within float32 rounding", (_, g) => {
    const { x, w, b, gy, y, dx, dw } = lowered(g, 11);
    expectCloseToScale(y.data, conv2dDirect(f64(x.data), f64(w.data), f64(b.data), g), `forward (${kernelPath()})`);
    expectCloseToScale(dx.data, conv2dInputGradDirect(f64(gy.data), f64(w.data), g), `input gradient (${kernelPath()})`);
    expectCloseToScale(dw.data, conv2dWeightGradDirect(f64(x.data), f64(gy.data), g), `weight gradient (${kernelPath()})`);
  });
});

describe("conv kernels, wasm vs plain JS and 1 vs 2 threads", () => {
  const previous = kernelPath();
  afterAll(() => {
    setNumThreads(1);
    setKernelPath(previous);
  });

  it.each(geometries)("%s: JS within float32 rounding of wasm, 2 threads bit-identical to 1", (_, g) => {
    setKernelPath("wasm");
    setNumThreads(1);
    const one = lowered(g, 5);
    setNumThreads(2);
    const two = lowered(g, 5);
    setNumThreads(1);
    setKernelPath("js");
    const js = lowered(g, 5);
    for (const key of ["y", "dx", "dw"] as const) {
      expect(Array.from(two[key].data), `${key} on 2 threads`).toEqual(Array.from(one[key].data));
      expectCloseToScale(js[key].data, one[key].data, `${key}: js vs wasm`);
    }
  });
});

describe("conv2dAndWeightGrad (the transposed convolution's backward: both products from one pass)", () => {
  const previous = kernelPath();
  afterAll(() => setKernelPath(previous));
  const bits = (a: NDArray | null): number[] => Array.from(new Uint32Array((a?.data as Float32Array).buffer));

  it.each(geometries)("%s: the bits of conv2dForward and conv2dWeightGrad, on wasm and on JS", (_, g) => {
    for (const path of ["wasm", "js"] as const) {
      setKernelPath(path);
      const { x, w, gy } = lowered(g, 7);
      const [y, dw] = conv2dAndWeightGrad(x, w, gy, g, true, true);
      expect(bits(y), `output (${path})`).toEqual(bits(conv2dForward(x, w, undefined, g)));
      expect(bits(dw), `weight gradient (${path})`).toEqual(bits(conv2dWeightGrad(x, gy, g)));
      expect(conv2dAndWeightGrad(x, w, gy, g, false, true)[0]).toBeNull();
      expect(conv2dAndWeightGrad(x, w, gy, g, true, false)[1]).toBeNull();
    }
  });

  it("refuses an output gradient of the wrong shape, naming it", () => {
    const g = geometries[1]?.[1] as ConvGeometry;
    const { x, w } = lowered(g, 3);
    const wrong = normal([g.batch, g.outChannels, g.outHeight, g.outWidth + 1], 4);
    expect(() => conv2dAndWeightGrad(x, w, wrong, g, true, true)).toThrow("conv2d weight gradient: output gradient must have shape [3,64,7,7], got [3,64,7,8]");
  });
});

interface TorchShape { op: "conv2d" | "convTranspose2d"; x: number[]; w: number[]; stride: number; padding: number; outputPadding: number; out: number[] | null }
interface TorchValues {
  op: "conv2d" | "convTranspose2d";
  options: { stride: number | [number, number]; padding: number | [number, number]; output_padding?: number | [number, number] };
  x: number[]; xShape: number[]; w: number[]; wShape: number[]; b: number[];
  y: number[]; yShape: number[]; g: number[]; dx: number[]; dw: number[]; db: number[];
}
const fixture = JSON.parse(readFileSync(new URL("../fixtures/conv-torch.json", import.meta.url), "utf8")) as { shapes: TorchShape[]; values: TorchValues[] };

describe("conv against PyTorch", () => {
  it("gives PyTorch's output size for all 648 argument sets of the grid, and refuses the 54 PyTorch refuses", () => {
    let refused = 0;
    for (const c of fixture.shapes) {
      const options = { stride: c.stride, padding: c.padding, outputPadding: c.outputPadding };
      const geometry = (): ConvGeometry => (c.op === "conv2d" ? conv2dGeometry(c.x, c.w, options) : convTranspose2dGeometry(c.x, c.w, options));
      if (c.out === null) {
        refused++;
        expect(geometry, JSON.stringify(c)).toThrow(c.op);
      } else {
        const g = geometry();
        const out = c.op === "conv2d" ? [g.batch, g.outChannels, g.outHeight, g.outWidth] : [g.batch, g.inChannels, g.inHeight, g.inWidth];
        expect(out, JSON.stringify(c)).toEqual(c.out);
      }
    }
    expect([fixture.shapes.length, refused]).toEqual([648, 54]);
  });

  it.each(fixture.values.map((v) => [`${v.op} ${JSON.stringify(v.options)}`, v] as const))("%s: output and gradients equal torch's in float64", (_, v) => {
    const x = tensor(Float64Array.from(v.x), { shape: v.xShape, requiresGrad: true });
    const w = tensor(Float64Array.from(v.w), { shape: v.wShape, requiresGrad: true });
    const b = tensor(Float64Array.from(v.b), { shape: [v.b.length], requiresGrad: true });
    const { stride, padding } = v.options;
    const y = v.op === "conv2d" ? conv2d(x, w, b, { stride, padding }) : convTranspose2d(x, w, b, { stride, padding, outputPadding: v.options.output_padding ?? 0 });
    expect([...y.shape]).toEqual(v.yShape);
    expectAllClose(y.data, v.y, 1e-12, "output");
    y.mul(tensor(Float64Array.from(v.g), { shape: v.yShape })).sum().backward();
    expectAllClose((x.grad as Tensor).data, v.dx, 1e-12, "dx");
    expectAllClose((w.grad as Tensor).data, v.dw, 1e-12, "dw");
    expectAllClose((b.grad as Tensor).data, v.db, 1e-12, "db");
  });
});

describe("conv properties", () => {
  const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => Array.from(a).reduce((s, v, i) => s + v * (b[i] as number), 0);
  it("convTranspose2d is the adjoint of conv2d: <conv2d(x, w), y> = <x, convTranspose2d(y, w)> for every stride, padding and output padding", () => {
    const cases = convCase(true).chain((c) => {
      const sizes = [c.x, c.weight].map((s) => s.reduce((a, b) => a * b, 1));
      return fc.tuple(values(sizes[0] as number, { kind: "uniform", low: -1, high: 1 }), values(sizes[1] as number, { kind: "uniform", low: -1, high: 1 })).map(([y, w]) => ({ c, y, w }));
    });
    fc.assert(
      fc.property(cases, ({ c, y, w }) => {
        const weight = tensor(Float64Array.from(w), { shape: c.weight });
        const small = tensor(Float64Array.from(y), { shape: c.x });
        const options = { stride: c.stride, padding: c.padding };
        const big = convTranspose2d(small, weight, null, { ...options, outputPadding: c.outputPadding });
        const probe = tensor(Float64Array.from(big.data, (_, i) => Math.sin(1 + i * 0.7)), { shape: big.shape });
        const back = conv2d(probe, weight, null, options);
        expect([...back.shape]).toEqual(c.x);
        expect(dot(back.data, small.data)).toBeCloseTo(dot(probe.data, big.data), 10);
      }),
      runs(40),
    );
  });
});

describe("conv gradients on larger shapes (random directions, float64)", () => {
  const leaf = (shape: number[], seed: number): Tensor => tensor(f64(normal(shape, seed).data), { shape, requiresGrad: true });
  it("conv2d [2,3,9,9] * [4,3,3,3], stride 2, padding 1, with bias", () => {
    assertGradcheck((x, w, b) => conv2d(x, w, b, { stride: 2, padding: 1 }).add(1).square().mean(), [leaf([2, 3, 9, 9], 1), leaf([4, 3, 3, 3], 2), leaf([4], 3)]);
  });
  it("convTranspose2d [2,4,5,5] * [4,3,3,3], stride 2, padding 1, outputPadding 1, with bias", () => {
    assertGradcheck(
      (x, w, b) => convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 }).add(1).square().mean(),
      [leaf([2, 4, 5, 5], 4), leaf([4, 3, 3, 3], 5), leaf([3], 6)],
    );
  });
});

describe("conv errors name the op and the shapes", () => {
  const t = (shape: number[]): Tensor => tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), { shape });
  it.each([
    ["conv2d: input must be 4-D", () => conv2d(t([1, 28, 28]), t([32, 1, 3, 3]))],
    ["conv2d: weight expects 3 input channels, input has 1 (input [2,1,8,8], weight [4,3,3,3])", () => conv2d(t([2, 1, 8, 8]), t([4, 3, 3, 3]))],
    ["conv2d: kernel 5x5 is larger than the padded input 4x4", () => conv2d(t([1, 1, 4, 4]), t([1, 1, 5, 5]))],
    ["conv2d: stride must be an integer >= 1", () => conv2d(t([1, 1, 4, 4]), t([1, 1, 3, 3]), null, { stride: 0 })],
    ["conv2d: padding must be an integer >= 0", () => conv2d(t([1, 1, 4, 4]), t([1, 1, 3, 3]), null, { padding: [1, -1] })],
    ["conv2d: bias must have shape [4]", () => conv2d(t([1, 1, 4, 4]), t([4, 1, 3, 3]), t([3]))],
    ["convTranspose2d: outputPadding (2,2) must be smaller than the stride (2,2)", () => convTranspose2d(t([1, 1, 4, 4]), t([1, 1, 3, 3]), null, { stride: 2, outputPadding: 2 })],
    ["convTranspose2d: weight expects 2 input channels, input has 3", () => convTranspose2d(t([1, 3, 4, 4]), t([2, 3, 3, 3]))],
    ["convTranspose2d: output would be -1x-1", () => convTranspose2d(t([1, 1, 1, 1]), t([1, 1, 1, 1]), null, { padding: 1 })],
    ["convTranspose2d: bias must have shape [3]", () => convTranspose2d(t([1, 2, 4, 4]), t([2, 3, 3, 3]), t([2]))],
  ])("%s", (message, run) => {
    expect(run).toThrow(message);
  });
});
