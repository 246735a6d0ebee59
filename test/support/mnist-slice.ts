/** Test helper: a slice of the bundled digits written as an IDX directory, so CLI runs load and train in a second. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadBundledMnist } from "../../src/data/index.js";
import { encodeIdx } from "../data/idx-helpers.js";

/**
 * `train` and `t10k` IDX files of real 28×28 digits: `trainCount` training and `testCount` test
 * images, evenly spaced over the bundle (which is sorted by label, so every digit appears) and
 * disjoint from each other.
 */
export function writeMnistSlice(dir: string, trainCount = 1000, testCount = 200): string {
  const all = loadBundledMnist();
  const pixels = all.height * all.width;
  const write = (prefix: string, indices: number[]): void => {
    const bytes = new Uint8Array(indices.length * pixels);
    indices.forEach((index, row) => {
      for (let p = 0; p < pixels; p++) bytes[row * pixels + p] = Math.round((all.images[index * pixels + p] as number) * 255);
    });
    writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), encodeIdx("ubyte", [indices.length, all.height, all.width], bytes));
    writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), encodeIdx("ubyte", [indices.length], indices.map((i) => all.labels[i] as number)));
  };
  mkdirSync(dir, { recursive: true });
  const trainStep = Math.floor(all.count / trainCount);
  const testStep = Math.floor(all.count / testCount);
  // Training images at multiples of trainStep, test images half a step off them: disjoint when testStep is a multiple of trainStep.
  write("train", Array.from({ length: trainCount }, (_, i) => i * trainStep));
  write("t10k", Array.from({ length: testCount }, (_, i) => i * testStep + Math.max(1, Math.floor(trainStep / 2))));
  return dir;
}
