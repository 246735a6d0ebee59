/**
 * The float64 WebAssembly SIMD gemm (f64x2): the JS kernel's bits on every shape, layout, offset
 * and k slicing (it sums as the JS kernel does), NaN and Inf where a plain loop puts them, and the
 * dispatch of `gemm` sending float64 products to it on the wasm path (with the bias added after).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gemmJs, KC } from "../../src/tensor/gemm.js";
import { gemm } from "../../src/tensor/matmul.js";
import { Generator } from "../../src/tensor/random.js";
import { createWasmGemm64, GEMM64_SHAPE } from "../../src/tensor/wasm/gemm64.js";

interface Product {
  m: number; n: number; k: number; transposeA: boolean; transposeB: boolean; offset: number; seed: number;
}

function operands(p: Product): { a: Float64Array; b: Float64Array } {
  const rng = new Generator(p.seed);
  const a = rng.fillNormal(new Float64Array(p.offset + p.m * p.k)) as Float64Array;
  const b = rng.fillNormal(new Float64Array(p.offset + p.k * p.n)) as Float64Array;
  return { a, b };
}

type Kernel = (m: number, n: number, k: number, a: Float64Array, aOffset: number, transposeA: boolean, b: Float64Array, bOffset: number, transposeB: boolean, out: Float64Array, outOffset: number) => void;

function run(kernel: Kernel, p: Product, a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(p.offset + p.m * p.n + 2).fill(-7);
  kernel(p.m, p.n, p.k, a, p.offset, p.transposeA, b, p.offset, p.transposeB, out, p.offset);
  return out;
}

/** The same bits (NaN as NaN), or the first entry that differs. */
function expectSameBits(got: Float64Array, want: Float64Array, what = ""): void {
  const differs = got.findIndex((v, i) => !Object.is(v, want[i]));
  expect(differs === -1 ? "all equal" : `entry ${differs}: ${got[differs]} vs ${want[differs]}`, what).toBe("all equal");
}

const kernels: [string, ReturnType<typeof createWasmGemm64>][] = [
  ["2×8 (the default)", createWasmGemm64()],
  ["4×4", createWasmGemm64({ mr: 4, nr: 4, unroll: 1 })],
  ["3×2, k unrolled 2", createWasmGemm64({ mr: 3, nr: 2, unroll: 2 })],
];
const dim = fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom(1, 2, 7, 8, 9, 16, 17));
const depth = fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom(KC - 1, KC, KC + 1, 2 * KC + 3));
const productArb: fc.Arbitrary<Product> = fc.record({
  m: dim, n: dim, k: depth, transposeA: fc.boolean(), transposeB: fc.boolean(), offset: fc.nat(3), seed: fc.nat(),
});

describe.each(kernels)("float64 wasm gemm %s", (_, kernel) => {
  it("gives the JS kernel's bits on any shape, layout, offset and k (slices of KC included)", () => {
    fc.assert(fc.property(productArb, (p) => {
      const { a, b } = operands(p);
      expectSameBits(run(kernel.gemm, p, a, b), run(gemmJs, p, a, b), JSON.stringify(p));
    }), { numRuns: 120 });
  });
});

describe("float64 wasm gemm", () => {
  const kernel = createWasmGemm64();

  it("keeps NaN and Inf to the entries a plain loop puts them in", () => {
    const p = { m: 5, n: 19, k: 300, transposeA: false, transposeB: true, offset: 0, seed: 3 };
    const { a, b } = operands(p);
    a[2 * p.k + 7] = NaN; // row 2 of A
    b[11 * p.k + 299] = Infinity; // column 11 of op(B), in the last k slice
    const out = run(kernel.gemm, p, a, b);
    expectSameBits(out, run(gemmJs, p, a, b));
    for (let i = 0; i < p.m; i++) {
      for (let j = 0; j < p.n; j++) {
        const v = out[i * p.n + j] as number;
        expect(Number.isNaN(v), `(${i},${j})`).toBe(i === 2);
        if (i !== 2) expect(Number.isFinite(v), `(${i},${j})`).toBe(j !== 11);
      }
    }
  });

  it("grows its memory for a larger product, and checks its arguments", () => {
    const p = { m: 300, n: 257, k: 600, transposeA: true, transposeB: false, offset: 1, seed: 8 };
    const { a, b } = operands(p);
    expectSameBits(run(kernel.gemm, p, a, b), run(gemmJs, p, a, b));
    const out = new Float64Array(6).fill(5);
    kernel.gemm(2, 3, 0, a, 0, false, b, 0, false, out, 0);
    expect(Array.from(out)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(() => kernel.gemm(2, 3, 4, new Float64Array(7), 0, false, b, 0, false, out, 0)).toThrow(/A needs 8 elements from offset 0, has 7/);
    expect(GEMM64_SHAPE.nr % 2).toBe(0);
  });

  it("is what gemm runs float64 on (the JS kernel's bits, the bias added after, as there)", () => {
    const p = { m: 33, n: 70, k: 530, transposeA: false, transposeB: true, offset: 2, seed: 4 };
    const { a, b } = operands(p);
    const bias = new Generator(5).fillNormal(new Float64Array(p.n)) as Float64Array;
    const withBias: Kernel = (m, n, k, a, aOffset, transposeA, b, bOffset, transposeB, out, outOffset) =>
      gemm(m, n, k, a, aOffset, transposeA, b, bOffset, transposeB, out, outOffset, bias);
    const want = run(gemmJs, p, a, b);
    for (let i = 0; i < p.m; i++) for (let j = 0; j < p.n; j++) want[p.offset + i * p.n + j] = (want[p.offset + i * p.n + j] as number) + (bias[j] as number);
    expectSameBits(run(withBias, p, a, b), want);
  });
});
