/**
 * Fashion-MNIST from the Debian package `dataset-fashion-mnist` (FASHION_MNIST_DIR). Not skipped
 * when the directory is missing: loadDataset then throws, with the apt-get command, and this fails.
 */
import { describe, expect, it } from "vitest";
import type { Dataset } from "../../src/data/dataset.js";
import { FASHION_MNIST_DIR, loadDataset } from "../../src/data/mnist.js";

function classCounts(dataset: Dataset): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const label of dataset.labels) counts[label] = (counts[label] ?? 0) + 1;
  return counts;
}

function meanPixel(dataset: Dataset): number {
  let sum = 0;
  for (const v of dataset.images) sum += v;
  return sum / dataset.images.length;
}

describe(`Fashion-MNIST in ${FASHION_MNIST_DIR}`, () => {
  it("train: 60,000 images of 28x28, 6,000 per class", () => {
    const train = loadDataset("fashion-mnist", "train");
    expect(train.name).toBe("fashion-mnist:train");
    expect([train.count, train.height, train.width, train.images.length]).toEqual([60000, 28, 28, 60000 * 784]);
    expect(classCounts(train)).toEqual(new Array(10).fill(6000));
    expect(meanPixel(train)).toBeCloseTo(0.28604, 4);
  });

  it("t10k: 10,000 images of 28x28, 1,000 per class", () => {
    const test = loadDataset("fashion-mnist", "t10k");
    expect([test.count, test.height, test.width]).toEqual([10000, 28, 28]);
    expect(classCounts(test)).toEqual(new Array(10).fill(1000));
    expect(meanPixel(test)).toBeCloseTo(0.28685, 4);
  });
});
