/**
 * The wasm column and row sums (`wasm/reduce.ts`): the bits of the JS loops (each column summed
 * row after row, each row left to right, in float64), on widths with and without a tail of fewer
 * than sixteen columns, row counts with and without a tail of fewer than sixteen rows, with special
 * values; and `sum` routing through them on the wasm path with the JS path's bits.
 */
import { describe, expect, it } from "vitest";
import { NDArray, kernelPath, setKernelPath, sum } from "../../src/tensor/index.js";
import { Generator } from "../../src/tensor/random.js";
import { buildReduceModule, createWasmReduce } from "../../src/tensor/wasm/reduce.js";
import { wasmKernels } from "../../src/tensor/wasm/kernels.js";

const gen = new Generator(8);
const SPECIAL = [NaN, -0, Infinity, -Infinity, 1e-40, 3e38];

/**
 * Normal draws times 10^±12 (so that float64 sums round, and their order matters), a special
 * value every 997th.
 */
function values(n: number): Float32Array {
  const x = gen.fillNormal(new Float32Array(n)) as Float32Array;
  for (let i = 0; i < n; i++) x[i] = (x[i] as number) * 10 ** (24 * gen.uniform() - 12);
  for (let i = 0; i < n; i += 997) x[i] = SPECIAL[(i / 997) % SPECIAL.length] as number;
  return x;
}

function columnSumsJs(src: Float32Array, rows: number, length: number): Float64Array {
  const sums = new Float64Array(length);
  for (let r = 0; r < rows; r++) for (let j = 0; j < length; j++) sums[j] = (sums[j] as number) + (src[r * length + j] as number);
  return sums;
}

const same = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]));

describe.skipIf(wasmKernels() === null)("wasm column and row sums", () => {
  const kernels = createWasmReduce();

  it("the module stays under 4 KiB", () => {
    expect(buildReduceModule().length).toBeLessThan(4096);
  });

  it.each([[128, 784], [128, 400], [5, 20], [3, 4], [1, 64], [7, 68], [0, 16], [33, 1000]])("give the JS loop's float64 sums, %s rows of %s", (rows, length) => {
    const src = values(rows * length);
    const sums = new Float64Array(length).fill(7); // overwritten, not added to
    kernels.columnSums(src, rows, length, sums);
    expect(same(sums, columnSumsJs(src, rows, length))).toBe(true);
  });

  it.each([[128, 784, 0], [16, 4, 0], [33, 20, 3], [15, 8, 0], [64, 400, 5]])("row sums add %s rows of %s (from %s) to their accumulators as the JS loop, whole groups of 16 rows", (rows, length, start) => {
    const src = values(start + rows * length + 5);
    const initial = Float64Array.from({ length: rows }, (_, r) => (r % 3) * 1e-3);
    const want = initial.slice();
    for (let r = 0; r < rows; r++) for (let j = 0; j < length; j++) want[r] = (want[r] as number) + (src[start + r * length + j] as number);
    const sums = initial.slice();
    const done = kernels.rowSums(src, start, rows, length, sums);
    expect(done).toBe(16 * Math.floor(rows / 16));
    expect(same(sums.subarray(0, done), want.subarray(0, done))).toBe(true);
    expect(same(sums.subarray(done), initial.subarray(done))).toBe(true); // the rest is the caller's
  });

  it("refuse rows that are not whole f32x4s, or sizes that do not match", () => {
    expect(() => kernels.rowSums(new Float32Array(32), 0, 16, 2, new Float64Array(16))).toThrow(/multiple of 4/);
    expect(() => kernels.rowSums(new Float32Array(60), 0, 16, 4, new Float64Array(16))).toThrow(/16 rows of 4/);
    expect(() => kernels.columnSums(new Float32Array(6), 2, 3, new Float64Array(3))).toThrow(/multiple of 4/);
    expect(() => kernels.columnSums(new Float32Array(8), 3, 4, new Float64Array(4))).toThrow(/3 rows of 4/);
  });

  /** `f` computed on the JS path (the oracle), the path in use restored after. */
  const onJs = (f: () => NDArray): NDArray => {
    const before = kernelPath();
    setKernelPath("js");
    try {
      return f();
    } finally {
      setKernelPath(before);
    }
  };

  it("sum over trailing axes (per example; and a bias over batch and pixels) takes them with the JS path's bits", () => {
    for (const [shape, axes] of [[[128, 784], [1]], [[40, 8, 16], [1, 2]], [[3, 20, 12, 12], [0, 2, 3]], [[130, 36], [1]], [[17, 4, 64], [2]]] as const) {
      const x = new NDArray(values(shape.reduce((p, q) => p * q, 1)), shape);
      const ours = sum(x, axes, false);
      const js = onJs(() => sum(x, axes, false));
      expect(same(ours.data, js.data), `${shape} over ${axes}`).toBe(true);
    }
  });

  it("sum over leading axes takes them for ≥ 4096 float32 elements in whole f32x4 rows, with the JS path's bits", () => {
    for (const [shape, axes] of [[[128, 784], [0]], [[4, 32, 400], [0, 1]], [[128, 20], [0]], [[130, 3], [0]], [[2, 64, 36], [0]]] as const) {
      const x = new NDArray(values(shape.reduce((p, q) => p * q, 1)), shape);
      const ours = sum(x, axes, true);
      const js = onJs(() => sum(x, axes, true));
      expect(same(ours.data, js.data), `${shape} over ${axes}`).toBe(true);
      expect(ours.shape).toEqual(js.shape);
    }
  });
});
