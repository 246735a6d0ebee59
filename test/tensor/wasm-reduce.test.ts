/**
 * The wasm column sums (`wasm/reduce.ts`): the bits of the JS loop (each column summed row after
 * row in float64), on widths with and without a tail of fewer than sixteen columns, with special
 * values; and `sum` over leading axes routing through them on the wasm path with the JS path's bits.
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

describe.skipIf(wasmKernels() === null)("wasm column sums", () => {
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

  it("refuse rows that are not whole f32x4s, or sizes that do not match", () => {
    expect(() => kernels.columnSums(new Float32Array(6), 2, 3, new Float64Array(3))).toThrow(/multiple of 4/);
    expect(() => kernels.columnSums(new Float32Array(8), 3, 4, new Float64Array(4))).toThrow(/3 rows of 4/);
  });

  it("sum over leading axes takes them for ≥ 4096 float32 elements in whole f32x4 rows, with the JS path's bits", () => {
    const onJs = (f: () => NDArray): NDArray => {
      const before = kernelPath();
      setKernelPath("js");
      try {
        return f();
      } finally {
        setKernelPath(before);
      }
    };
    for (const [shape, axes] of [[[128, 784], [0]], [[4, 32, 400], [0, 1]], [[128, 20], [0]], [[130, 3], [0]], [[2, 64, 36], [0]]] as const) {
      const x = new NDArray(values(shape.reduce((p, q) => p * q, 1)), shape);
      const ours = sum(x, axes, true);
      const js = onJs(() => sum(x, axes, true));
      expect(same(ours.data, js.data), `${shape} over ${axes}`).toBe(true);
      expect(ours.shape).toEqual(js.shape);
    }
  });
});
