/**
 * The WebAssembly im2col and col2im give the plain-JS loops' bits (im2col copies, col2im adds in
 * the same order; a NaN that an addition makes may differ in sign and payload, JS making the
 * canonical one) over random shapes, kernels, strides and paddings, with NaN, ±0 and ±∞ among
 * the values; col2im adds into what x holds, col2imFresh into a bias per channel or zeros whatever x
 * and the module's memory held; the path in use picks them; and a call whose arrays
 * do not fit the geometry is refused, naming the kernel and the sizes. The wasm swap of the two
 * leading axes gives the JS copy's bits (NaN payloads included), leaving the rest of dest alone.
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { col2imFresh, col2imFreshJs, col2imJs, im2col, im2colJs, swapLeading, swapLeadingJs } from "../../src/tensor/conv-lowering.js";
import { conv2dGeometry, kernelPath, setKernelPath, type ConvGeometry } from "../../src/tensor/index.js";
import { Generator } from "../../src/tensor/random.js";
import { createWasmConv } from "../../src/tensor/wasm/conv.js";
import { wasmKernels } from "../../src/tensor/wasm/kernels.js";

const SPECIAL = [NaN, 0, -0, Infinity, -Infinity, 1e-40];

function values(n: number, seed: number): Float32Array {
  const x = new Float32Array(n);
  new Generator(seed).fillNormal(x);
  for (let i = 0; i < n; i += 7) x[i] = SPECIAL[(i / 7) % SPECIAL.length] as number;
  return x;
}

const bits = (x: Float32Array): number[] => [...new Uint32Array(x.buffer, x.byteOffset, x.length)];
/** The bits, every NaN as the canonical one. */
const valueBits = (x: Float32Array): number[] => bits(x.map((v) => (Number.isNaN(v) ? NaN : v)));
const imageSize = (g: ConvGeometry): number => g.batch * g.inChannels * g.inHeight * g.inWidth;
const columnSize = (g: ConvGeometry): number => g.inChannels * g.kernelHeight * g.kernelWidth * g.batch * g.outHeight * g.outWidth;

/** Geometries up to 3 images of 4 channels of 9x9, kernels up to 4x4, strides up to 3, paddings up to 2. */
const geometries = fc
  .record({
    batch: fc.integer({ min: 1, max: 3 }),
    inChannels: fc.integer({ min: 1, max: 4 }),
    outChannels: fc.integer({ min: 1, max: 2 }),
    size: fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 })),
    kernel: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })),
    stride: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    padding: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
    seed: fc.integer({ min: 0, max: 1000 }),
  })
  .filter((r) => r.kernel.every((k, axis) => k <= (r.size[axis] as number) + 2 * (r.padding[axis] as number)))
  .map((r) => ({
    g: conv2dGeometry([r.batch, r.inChannels, ...r.size], [r.outChannels, r.inChannels, ...r.kernel], { stride: r.stride, padding: r.padding }),
    seed: r.seed,
  }));

describe.skipIf(wasmKernels() === null)("wasm im2col and col2im", () => {
  const wasm = createWasmConv();

  it("im2col gives the JS loops' bits for every shape, stride and padding, into columns longer than needed", () => {
    fc.assert(
      fc.property(geometries, ({ g, seed }) => {
        const x = values(imageSize(g), seed);
        const want = new Float32Array(columnSize(g) + 5).fill(7);
        const got = new Float32Array(columnSize(g) + 5).fill(7);
        im2colJs(x, want, g);
        wasm.im2col(x, got, g);
        expect(bits(got)).toEqual(bits(want));
      }),
      { numRuns: 300 },
    );
  });

  it("col2im adds into x with the JS loops' bits for every shape, stride and padding", () => {
    fc.assert(
      fc.property(geometries, ({ g, seed }) => {
        const columns = values(columnSize(g), seed);
        const want = values(imageSize(g), seed + 1);
        const got = Float32Array.from(want);
        col2imJs(columns, want, g);
        wasm.col2im(columns, got, g);
        expect(valueBits(got)).toEqual(valueBits(want));
      }),
      { numRuns: 300 },
    );
  });

  it("col2imFresh builds x from a bias per channel or zeros with the JS loops' bits, whatever x and the module's memory held", () => {
    fc.assert(
      fc.property(geometries, fc.boolean(), ({ g, seed }, withBias) => {
        const columns = values(columnSize(g), seed);
        const bias = withBias ? values(g.inChannels, seed + 2) : undefined;
        // Leave other values in the module's memory where x goes: a fill must overwrite them.
        wasm.col2im(columns, values(imageSize(g), seed + 3), g);
        const want = values(imageSize(g), seed + 1);
        const got = values(imageSize(g), seed + 4);
        col2imFreshJs(columns, want, g, bias);
        wasm.col2imFresh(columns, got, g, bias);
        expect(valueBits(got)).toEqual(valueBits(want));
        // The JS oracle is col2im into a filled x.
        const filled = new Float32Array(imageSize(g)).map((_, k) => (bias ? bias[Math.floor(k / (g.inHeight * g.inWidth)) % g.inChannels] as number : 0));
        col2imJs(columns, filled, g);
        expect(valueBits(want)).toEqual(valueBits(filled));
      }),
      { numRuns: 300 },
    );
  });

  it("col2imFresh refuses a bias that is not one value per channel", () => {
    const g = conv2dGeometry([2, 3, 5, 5], [4, 3, 3, 3], { stride: 2, padding: 1 });
    for (const run of [col2imFreshJs, wasm.col2imFresh]) {
      expect(() => run(new Float32Array(columnSize(g)), new Float32Array(imageSize(g)), g, new Float32Array(2))).toThrow(
        "col2imFresh: a bias needs one value per channel, 3, got 2",
      );
    }
  });

  it("refuses an image or columns that do not fit the geometry, naming the kernel and the sizes", () => {
    const g = conv2dGeometry([2, 3, 5, 5], [4, 3, 3, 3], { stride: 2, padding: 1 });
    expect(() => wasm.im2col(new Float32Array(imageSize(g) - 1), new Float32Array(columnSize(g)), g)).toThrow(
      `im2col (wasm): the geometry needs an image of 150 and 486 columns, got 149 and 486`,
    );
    expect(() => wasm.col2im(new Float32Array(columnSize(g) - 1), new Float32Array(imageSize(g)), g)).toThrow(
      `col2im (wasm): the geometry needs an image of 150 and 486 columns, got 150 and 485`,
    );
  });

  it("swapLeading gives the JS copy's bits, NaN payloads included, and leaves dest past a·b·run alone", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 1000 }), (a, b, run, extra, seed) => {
        const src = values(a * b * run + extra, seed);
        const payloads = new Uint32Array(src.buffer);
        for (let i = 3; i < payloads.length; i += 11) payloads[i] = 0x7fc00000 + i; // NaNs of distinct payloads and signs
        for (let i = 5; i < payloads.length; i += 13) payloads[i] = 0xffa00000 + i;
        const want = new Float32Array(a * b * run + extra).fill(7);
        const got = Float32Array.from(want);
        swapLeadingJs(src, a, b, run, want);
        expect(wasm.swapLeading(src, a, b, run, got)).toBe(got);
        expect(bits(got)).toEqual(bits(want));
      }),
      { numRuns: 300 },
    );
  });

  it("swapLeading refuses a source or destination shorter than a·b·run", () => {
    expect(() => wasm.swapLeading(new Float32Array(23), 2, 3, 4, new Float32Array(24))).toThrow(
      "swapLeading (wasm): [2, 3, 4] needs 24 entries of source and destination, got 23 and 24",
    );
    expect(() => wasm.swapLeading(new Float32Array(24), 2, 3, 4, new Float32Array(20))).toThrow(
      "swapLeading (wasm): [2, 3, 4] needs 24 entries of source and destination, got 24 and 20",
    );
  });
});

describe.skipIf(wasmKernels() === null)("im2col and col2im on the path in use", () => {
  const previous = kernelPath();
  afterAll(() => setKernelPath(previous));

  it("give the same bits on the wasm path and the JS path", () => {
    const g = conv2dGeometry([2, 3, 9, 7], [4, 3, 3, 2], { stride: [2, 1], padding: [1, 0] });
    const x = values(imageSize(g), 1);
    const columns = values(columnSize(g), 2);
    const run = (path: "wasm" | "js"): number[][] => {
      setKernelPath(path);
      const c = new Float32Array(columnSize(g));
      im2col(x, c, g);
      const fresh = new Float32Array(imageSize(g)).fill(0.5);
      col2imFresh(columns, fresh, g, values(3, 3));
      const swapped = swapLeading(columns, 4, 3, columnSize(g) / 12, new Float32Array(columnSize(g)));
      return [bits(c), valueBits(fresh), bits(swapped)];
    };
    expect(run("wasm")).toEqual(run("js"));
  });
});
