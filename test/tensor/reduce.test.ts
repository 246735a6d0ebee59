/**
 * The sum's fast paths (column sums over leading axes, row sums over trailing axes, and both at
 * once: the row sums of each leading index's block, as a bias gradient over [0, 2, 3]) add in the
 * same order as one left-to-right float64 pass per output element, so their results are exactly
 * those of that plain loop, for row counts that leave a remainder after the blocks of rows (the
 * values span more than 53 bits, so another order would give another sum).
 */
import { describe, expect, it } from "vitest";
import { NDArray, sum } from "../../src/tensor/index.js";
import { Generator } from "../../src/tensor/random.js";

const gen = new Generator(11);

/** float64 values whose magnitudes span more than float64's 53 bits: the order of additions shows in the sum. */
function matrix(rows: number, length: number): NDArray {
  const data = new Float64Array(rows * length);
  gen.fillNormal(data);
  for (let i = 0; i < data.length; i += 5) data[i] = (data[i] as number) * 1e17;
  return new NDArray(data, [rows, length]);
}

/** Σ in float64, left to right, over the elements at `indices`. */
function sequentialSum(data: ArrayLike<number>, indices: number[]): number {
  let total = 0;
  for (const i of indices) total += data[i] as number;
  return total;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe("sum fast paths", () => {
  it.each([1, 3, 4, 7, 8, 13, 17])("column sums of %i rows are the sequential float64 sums", (rows) => {
    const x = matrix(rows, 9);
    const got = sum(x, [0]);
    expect([...got.shape]).toEqual([9]);
    const want = range(9).map((j) => sequentialSum(x.data, range(rows).map((r) => r * 9 + j)));
    expect(Array.from(got.data)).toEqual(want);
  });

  it.each([1, 3, 4, 5, 9, 13])("row sums of %i rows are the sequential float64 sums", (rows) => {
    const x = matrix(rows, 11);
    const got = sum(x, [1], true);
    expect([...got.shape]).toEqual([rows, 1]);
    const want = range(rows).map((r) => sequentialSum(x.data, range(11).map((j) => r * 11 + j)));
    expect(Array.from(got.data)).toEqual(want);
  });

  it("sums over several trailing axes run left to right over each flattened row", () => {
    const x = matrix(6, 12);
    const cube = new NDArray(x.data, [6, 3, 4]);
    const want = range(6).map((r) => sequentialSum(x.data, range(12).map((j) => r * 12 + j)));
    expect(Array.from(sum(cube, [1, 2]).data)).toEqual(want);
    // The general path (a middle axis) agrees with a plain loop too.
    const middle = sum(cube, [1]);
    const wantMiddle = range(6).flatMap((r) => range(4).map((k) => sequentialSum(x.data, range(3).map((j) => r * 12 + j * 4 + k))));
    expect(Array.from(middle.data)).toEqual(wantMiddle);
  });

  it.each([1, 3, 4, 5, 9])("sums over all axes but a middle block (%i channels) are the sequential float64 sums over batch, then pixels", (channels) => {
    const [batch, height, width] = [3, 2, 5];
    const x = new NDArray(matrix(batch * channels, height * width).data, [batch, channels, height, width]);
    const want = range(channels).map((c) => sequentialSum(x.data, range(batch).flatMap((n) => range(height * width).map((p) => (n * channels + c) * height * width + p))));
    expect(Array.from(sum(x, [0, 2, 3]).data)).toEqual(want);
    // Kept axes [1, 3) of a 4-D array: each (c, h) over n, then w.
    const wantPair = range(channels * height).map((k) => sequentialSum(x.data, range(batch).flatMap((n) => range(width).map((w) => (n * channels * height + k) * width + w))));
    expect(Array.from(sum(x, [0, 3], true).data)).toEqual(wantPair);
    expect([...sum(x, [0, 3], true).shape]).toEqual([1, channels, height, 1]);
  });
});
