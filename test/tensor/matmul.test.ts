/**
 * The matmul kernel against a float64 triple loop, and `matmul()` on NDArrays: batching with
 * broadcast batch axes, transpose flags, and errors that name the op and the shapes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allocate, type DType, type TypedArray } from "../../src/tensor/dtype.js";
import { gemm, matmul } from "../../src/tensor/matmul.js";
import { NDArray } from "../../src/tensor/ndarray.js";
import { Generator } from "../../src/tensor/random.js";
import { ShapeError } from "../../src/tensor/shape.js";

interface Case {
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
  dtype: DType;
  aOffset: number;
  bOffset: number;
  outOffset: number;
  seed: number;
}

/** Entries past the end of each operand: NaN in A and B (a stray read poisons the result). */
const GUARD = 3;
/** What `out` holds outside its m×n window; it must survive the call. */
const OUT_SENTINEL = -7.25;

/** Operands at their offsets, N(0,1) entries, NaN around them; `out` pre-filled with NaN. */
function setup(c: Case): { a: TypedArray; b: TypedArray; out: TypedArray } {
  const rng = new Generator(c.seed);
  const a = allocate(c.dtype, c.aOffset + c.m * c.k + GUARD).fill(NaN);
  const b = allocate(c.dtype, c.bOffset + c.k * c.n + GUARD).fill(NaN);
  rng.fillNormal(a.subarray(c.aOffset, c.aOffset + c.m * c.k));
  rng.fillNormal(b.subarray(c.bOffset, c.bOffset + c.k * c.n));
  const out = allocate(c.dtype, c.outOffset + c.m * c.n + GUARD).fill(OUT_SENTINEL);
  out.fill(NaN, c.outOffset, c.outOffset + c.m * c.n);
  return { a, b, out };
}

function runGemm(c: Case, a: TypedArray, b: TypedArray, out: TypedArray): void {
  gemm(c.m, c.n, c.k, a, c.aOffset, c.transposeA, b, c.bOffset, c.transposeB, out, c.outOffset);
}

/**
 * The float64 triple loop on the stored values, and the per-entry scale Σ_p |A[i,p]|·|B[p,j]|
 * that bounds the rounding error of any summation order.
 */
function reference(c: Case, a: TypedArray, b: TypedArray): { value: Float64Array; scale: Float64Array } {
  const value = new Float64Array(c.m * c.n);
  const scale = new Float64Array(c.m * c.n);
  for (let i = 0; i < c.m; i++) {
    for (let j = 0; j < c.n; j++) {
      let sum = 0;
      let abs = 0;
      for (let p = 0; p < c.k; p++) {
        const x = a[c.aOffset + (c.transposeA ? p * c.m + i : i * c.k + p)] as number;
        const y = b[c.bOffset + (c.transposeB ? j * c.k + p : p * c.n + j)] as number;
        sum += x * y;
        abs += Math.abs(x * y);
      }
      value[i * c.n + j] = sum;
      scale[i * c.n + j] = abs;
    }
  }
  return { value, scale };
}

/**
 * Entries of `out` that disagree with the reference (empty when all agree), and of the guard
 * regions that were written. Tolerances are the textbook dot-product bound γ_k·Σ|a||b|: float64
 * at 1e-12 relative to Σ|a||b|; float32 at (k+1)·2⁻²⁴·Σ|a||b|, which any summation order in
 * float32 meets (the products of float32 inputs are exact in the float64 reference).
 * NaN must stay NaN and ±Inf must match exactly.
 */
function mismatches(c: Case, a: TypedArray, b: TypedArray, out: TypedArray): string[] {
  const { value, scale } = reference(c, a, b);
  const relative = c.dtype === "float64" ? 1e-12 : (c.k + 1) * 2 ** -24;
  const bad: string[] = [];
  for (let e = 0; e < c.m * c.n; e++) {
    const got = out[c.outOffset + e] as number;
    const want = value[e] as number;
    const ok = Number.isNaN(want)
      ? Number.isNaN(got)
      : Number.isFinite(want)
        ? Math.abs(got - want) <= relative * (scale[e] as number)
        : got === want;
    if (!ok) bad.push(`out[${Math.floor(e / c.n)},${e % c.n}] = ${got}, expected ${want}`);
  }
  for (let e = 0; e < out.length; e++) {
    if ((e < c.outOffset || e >= c.outOffset + c.m * c.n) && out[e] !== OUT_SENTINEL) bad.push(`wrote out[${e}] outside the result`);
  }
  return bad;
}

/** Dimensions 0..40, biased toward 1 and sizes around the 4×3 micro-kernel tile and its multiples. */
const dim = fc.oneof(
  { arbitrary: fc.constantFrom(0, 1), weight: 1 },
  { arbitrary: fc.constantFrom(2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13), weight: 3 },
  { arbitrary: fc.integer({ min: 0, max: 40 }), weight: 2 },
);

const caseArb: fc.Arbitrary<Case> = fc.record({
  m: dim,
  n: dim,
  k: dim,
  transposeA: fc.boolean(),
  transposeB: fc.boolean(),
  dtype: fc.constantFrom<DType>("float32", "float64"),
  aOffset: fc.integer({ min: 0, max: 7 }),
  bOffset: fc.integer({ min: 0, max: 7 }),
  outOffset: fc.integer({ min: 0, max: 7 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

describe("gemm", () => {
  it("equals a float64 triple loop for every transpose case, dtype, size and offset", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { a, b, out } = setup(c);
        const aBefore = Array.from(a);
        const bBefore = Array.from(b);
        runGemm(c, a, b, out);
        expect(mismatches(c, a, b, out)).toEqual([]);
        expect(Array.from(a)).toEqual(aBefore);
        expect(Array.from(b)).toEqual(bBefore);
      }),
      { numRuns: 400 },
    );
  });

  it("propagates NaN and ±Inf like a plain loop (Inf·0 = NaN, Inf - Inf = NaN)", () => {
    // Each special pair puts x at op(A)[i,p] and y at op(B)[p,j], so that they meet in out[i,j].
    const value = fc.constantFrom(NaN, Infinity, -Infinity, 0, 1.5);
    const pair = fc.record({ i: fc.nat(), j: fc.nat(), p: fc.nat(), x: value, y: value });
    const withSpecials = caseArb
      .filter((c) => c.m * c.n * c.k > 0)
      .chain((c) => fc.tuple(fc.constant(c), fc.array(pair, { minLength: 1, maxLength: 6 })));
    fc.assert(
      fc.property(withSpecials, ([c, pairs]) => {
        const { a, b, out } = setup(c);
        for (const { i: i0, j: j0, p: p0, x, y } of pairs) {
          const i = i0 % c.m, j = j0 % c.n, p = p0 % c.k;
          a[c.aOffset + (c.transposeA ? p * c.m + i : i * c.k + p)] = x;
          b[c.bOffset + (c.transposeB ? j * c.k + p : p * c.n + j)] = y;
        }
        runGemm(c, a, b, out);
        expect(mismatches(c, a, b, out)).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it("overwrites out with zeros when k = 0", () => {
    const c: Case = { m: 3, n: 5, k: 0, transposeA: false, transposeB: true, dtype: "float32", aOffset: 1, bOffset: 2, outOffset: 4, seed: 1 };
    const { a, b, out } = setup(c);
    runGemm(c, a, b, out);
    expect(Array.from(out.subarray(c.outOffset, c.outOffset + 15))).toEqual(new Array<number>(15).fill(0));
    expect(mismatches(c, a, b, out)).toEqual([]);
  });

  // Sizes past the cache blocks (k-slices of 256, row blocks of 128, column blocks of 1020), so
  // the later k-slices accumulate into out and every block boundary is crossed.
  const large: [number, number, number][] = [
    [131, 7, 520],
    [5, 1025, 259],
    [130, 3, 257],
  ];
  for (const [m, n, k] of large) {
    for (const dtype of ["float32", "float64"] as const) {
      it(`crosses the cache blocks: [${m},${k}]·[${k},${n}] in ${dtype}, all transpose cases`, () => {
        for (const transposeA of [false, true]) {
          for (const transposeB of [false, true]) {
            const c: Case = { m, n, k, transposeA, transposeB, dtype, aOffset: 3, bOffset: 5, outOffset: 2, seed: m * n + k };
            const { a, b, out } = setup(c);
            runGemm(c, a, b, out);
            expect(mismatches(c, a, b, out).slice(0, 5)).toEqual([]);
          }
        }
      });
    }
  }

  it("is deterministic: the same call twice gives bit-identical results", () => {
    const c: Case = { m: 37, n: 29, k: 300, transposeA: true, transposeB: false, dtype: "float32", aOffset: 0, bOffset: 1, outOffset: 0, seed: 7 };
    const { a, b, out } = setup(c);
    runGemm(c, a, b, out);
    const first = Array.from(out);
    // A different shape in between reuses the kernel's scratch panels.
    const other: Case = { ...c, m: 9, n: 4, k: 5, transposeA: false, seed: 8 };
    const o = setup(other);
    runGemm(other, o.a, o.b, o.out);
    runGemm(c, a, b, out);
    expect(Array.from(out)).toEqual(first);
  });
});

/** `[2,1,3,4]`-shaped NDArray with N(0,1) entries. */
function normal(shape: number[], dtype: DType, seed: number): NDArray {
  const size = shape.reduce((x, y) => x * y, 1);
  return new NDArray(new Generator(seed).fillNormal(allocate(dtype, size)), shape);
}

/** The matrix at `index` of a batch of [rows, cols] matrices, as a plain 2-D array. */
function matrixAt(x: NDArray, index: number): number[][] {
  const [rows, cols] = x.shape.slice(-2) as [number, number];
  return Array.from({ length: rows }, (_, r) => Array.from(x.data.subarray(index * rows * cols + r * cols, index * rows * cols + (r + 1) * cols)));
}

function transpose(x: number[][]): number[][] {
  return (x[0] ?? []).map((_, j) => x.map((row) => row[j] as number));
}

function product(x: number[][], y: number[][]): number[][] {
  return x.map((row) => (y[0] ?? []).map((_, j) => row.reduce((sum, v, p) => sum + v * ((y[p] as number[])[j] as number), 0)));
}

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`threw a non-Error: ${String(error)}`);
  }
  throw new Error("did not throw");
}

describe("matmul", () => {
  it("multiplies 2-D arrays", () => {
    const a = new NDArray(new Float64Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    const b = new NDArray(new Float64Array([7, 8, 9, 10, 11, 12]), [3, 2]);
    const c = matmul(a, b);
    expect(c.shape).toEqual([2, 2]);
    expect(Array.from(c.data)).toEqual([58, 64, 139, 154]);
    expect(c.dtype).toBe("float64");
  });

  it("broadcasts batch dimensions: [2,1,3,4] @ [5,4,2] -> [2,5,3,2]", () => {
    const a = normal([2, 1, 3, 4], "float64", 1);
    const b = normal([5, 4, 2], "float64", 2);
    const c = matmul(a, b);
    expect(c.shape).toEqual([2, 5, 3, 2]);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 5; j++) {
        const want = product(matrixAt(a, i), matrixAt(b, j));
        const got = matrixAt(c, i * 5 + j);
        for (let r = 0; r < 3; r++) {
          for (let s = 0; s < 2; s++) expect((got[r] as number[])[s]).toBeCloseTo((want[r] as number[])[s] as number, 12);
        }
      }
    }
  });

  it("applies the transpose flags per batch entry: [2,4,3]ᵀ @ [1,5,4]ᵀ -> [2,3,5]", () => {
    const a = normal([2, 4, 3], "float32", 3);
    const b = normal([1, 5, 4], "float32", 4);
    const c = matmul(a, b, { transposeA: true, transposeB: true });
    expect(c.shape).toEqual([2, 3, 5]);
    expect(c.dtype).toBe("float32");
    for (let i = 0; i < 2; i++) {
      const want = product(transpose(matrixAt(a, i)), transpose(matrixAt(b, 0)));
      const got = matrixAt(c, i);
      for (let r = 0; r < 3; r++) {
        for (let s = 0; s < 5; s++) expect((got[r] as number[])[s]).toBeCloseTo((want[r] as number[])[s] as number, 5);
      }
    }
  });

  it("handles empty dimensions: zero rows, and k = 0 giving zeros", () => {
    expect(matmul(NDArray.zeros([0, 3], "float32"), NDArray.zeros([3, 2], "float32")).shape).toEqual([0, 2]);
    const c = matmul(NDArray.full([2, 0], 1, "float32"), NDArray.full([0, 3], 1, "float32"));
    expect(c.shape).toEqual([2, 3]);
    expect(Array.from(c.data)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("names the op and the shapes when the inner dimensions differ", () => {
    const a = NDArray.zeros([128, 784], "float32");
    const b = NDArray.zeros([400, 784], "float32");
    const error = thrown(() => matmul(a, b));
    expect(error).toBeInstanceOf(ShapeError);
    expect(error.message).toBe("matmul: inner dimensions differ, [128,784] @ [400,784]");
    // The same operands are fine once B is transposed: dA = dC·Bᵀ-style products.
    expect(matmul(a, b, { transposeB: true }).shape).toEqual([128, 400]);
  });

  it("rejects operands of rank < 2, naming the shapes", () => {
    const error = thrown(() => matmul(NDArray.zeros([3], "float32"), NDArray.zeros([3, 2], "float32")));
    expect(error).toBeInstanceOf(ShapeError);
    expect(error.message).toMatch(/^matmul: /);
    expect(error.message).toContain("[3] @ [3,2]");
  });

  it("rejects batch dimensions that do not broadcast, naming the op", () => {
    const error = thrown(() => matmul(NDArray.zeros([2, 3, 4], "float32"), NDArray.zeros([3, 4, 5], "float32")));
    expect(error).toBeInstanceOf(ShapeError);
    expect(error.message).toMatch(/^matmul: /);
  });

  it("rejects mixed dtypes, naming the op, the dtypes and the shapes", () => {
    const error = thrown(() => matmul(NDArray.zeros([2, 3], "float32"), NDArray.zeros([3, 2], "float64")));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/^matmul: mixed dtypes/);
    expect(error.message).toContain("float32[2,3]");
    expect(error.message).toContain("float64[3,2]");
  });
});

describe("matmul with a bias", () => {
  const a = new NDArray(Float64Array.of(1, 2, 3, 4, 5, 6), [2, 3]);
  const b = new NDArray(Float64Array.of(1, 0, 0, 1, 1, 1), [3, 2]);

  it("adds the bias to every row of every batch entry", () => {
    const batched = new NDArray(Float64Array.of(1, 2, 3, 4, 5, 6, 0, 0, 0, 1, 1, 1), [2, 2, 3]);
    const out = matmul(batched, b, {}, new NDArray(Float64Array.of(10, 20), [2]));
    expect(out.shape).toEqual([2, 2, 2]);
    expect(Array.from(out.data)).toEqual([14, 25, 20, 31, 10, 20, 12, 22]);
  });

  it("refuses a bias that is not one value per column", () => {
    expect(() => matmul(a, b, {}, new NDArray(Float64Array.of(1, 2, 3), [3]))).toThrow(ShapeError);
    expect(() => matmul(a, b, {}, new NDArray(Float64Array.of(1, 2), [1, 2]))).toThrow(/bias must have shape \[2\]/);
    expect(() => matmul(a, b, {}, new NDArray(Float32Array.of(1, 2), [2]))).toThrow(/mixed dtypes/);
  });
});
