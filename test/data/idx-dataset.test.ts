import fc from "fast-check";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { loadDataset, loadIdxDataset, type IdxSplit } from "../../src/data/mnist.js";
import { encodeIdx, expectIdxError } from "./idx-helpers.js";

const root = mkdtempSync(join(tmpdir(), "elbo-idx-dataset-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let dirNumber = 0;
function makeDir(files: Record<string, Uint8Array>): string {
  const dir = join(root, `d${dirNumber++}`);
  mkdirSync(dir);
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  return dir;
}

function bytes(count: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: count }, (_, i) => (i * 37 + seed * 11) % 256);
}

describe("loadIdxDataset", () => {
  it("loads any split of plain or gzipped files: pixels are byte / 255", () => {
    const caseArb = fc.record({
      count: fc.integer({ min: 0, max: 12 }),
      height: fc.integer({ min: 1, max: 6 }),
      width: fc.integer({ min: 1, max: 6 }),
      split: fc.constantFrom<IdxSplit>("train", "t10k"),
      gzipImages: fc.boolean(),
      gzipLabels: fc.boolean(),
      seed: fc.nat(1000),
    });
    fc.assert(
      fc.property(caseArb, ({ count, height, width, split, gzipImages, gzipLabels, seed }) => {
        const pixels = bytes(count * height * width, seed);
        const labels = bytes(count, seed + 1);
        const images = encodeIdx("ubyte", [count, height, width], pixels);
        const labelFile = encodeIdx("ubyte", [count], labels);
        const dir = makeDir({
          [`${split}-images-idx3-ubyte${gzipImages ? ".gz" : ""}`]: gzipImages ? gzipSync(images) : images,
          [`${split}-labels-idx1-ubyte${gzipLabels ? ".gz" : ""}`]: gzipLabels ? gzipSync(labelFile) : labelFile,
        });
        const dataset = loadIdxDataset(dir, split);
        expect([dataset.count, dataset.height, dataset.width]).toEqual([count, height, width]);
        expect(dataset.name).toBe(`${basename(dir)}:${split}`);
        expect(Array.from(dataset.labels)).toEqual(Array.from(labels));
        expect(Array.from(dataset.images)).toEqual(Array.from(pixels, (p) => Math.fround(p / 255)));
        expect(loadDataset(dir, split)).toEqual(dataset);
      }),
      { numRuns: 25 },
    );
  });

  const good = {
    images: encodeIdx("ubyte", [3, 2, 2], bytes(12, 0)),
    labels: encodeIdx("ubyte", [3], [0, 1, 2]),
  };

  it("names both candidate files when one is missing", () => {
    const dir = makeDir({ "train-images-idx3-ubyte": good.images });
    expect(() => loadIdxDataset(dir, "train")).toThrow(`${join(dir, "train-labels-idx1-ubyte")}: no such file (nor train-labels-idx1-ubyte.gz)`);
    expect(() => loadIdxDataset(dir, "t10k")).toThrow("t10k-images-idx3-ubyte");
  });

  it("rejects label and image counts that disagree, naming the labels file", () => {
    const dir = makeDir({ "train-images-idx3-ubyte": good.images, "train-labels-idx1-ubyte.gz": gzipSync(encodeIdx("ubyte", [4], [0, 1, 2, 3])) });
    const path = join(dir, "train-labels-idx1-ubyte.gz");
    const error = expectIdxError(() => loadIdxDataset(dir, "train"), path);
    expect(error.offset).toBe(4);
    expect(error.message).toContain("4 labels, but");
  });

  it("rejects images that are not [n, height, width] ubyte, naming the images file", () => {
    const cases: [Uint8Array, number][] = [
      [encodeIdx("ubyte", [3, 4], bytes(12, 0)), 3],
      [encodeIdx("int16", [3, 2, 2], bytes(12, 0)), 2],
      [encodeIdx("ubyte", [3, 0, 2], []), 8],
      [encodeIdx("ubyte", [3, 2, 0], []), 12],
    ];
    for (const [images, offset] of cases) {
      const dir = makeDir({ "train-images-idx3-ubyte": images, "train-labels-idx1-ubyte": good.labels });
      expect(expectIdxError(() => loadIdxDataset(dir, "train"), join(dir, "train-images-idx3-ubyte")).offset).toBe(offset);
    }
  });

  it("rejects labels that are not one-dimensional ubyte, naming the labels file", () => {
    for (const [labels, offset] of [[encodeIdx("ubyte", [3, 1], [0, 1, 2]), 3], [encodeIdx("int32", [3], [0, 1, 2]), 2]] as const) {
      const dir = makeDir({ "train-images-idx3-ubyte": good.images, "train-labels-idx1-ubyte": labels });
      expect(expectIdxError(() => loadIdxDataset(dir, "train"), join(dir, "train-labels-idx1-ubyte")).offset).toBe(offset);
    }
  });
});

describe("loadDataset", () => {
  it("rejects an empty spec and a t10k split of the bundled mnist", () => {
    expect(() => loadDataset("")).toThrow("empty spec");
    expect(() => loadDataset("mnist", "t10k")).toThrow("splitDataset");
  });
});
