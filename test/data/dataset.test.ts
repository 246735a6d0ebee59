import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  batchCount,
  binarize,
  binarizeDataset,
  binarizeDatasetSampled,
  binarizeDynamic,
  binarizeStatic,
  checkDataset,
  orderedBatches,
  shuffledBatches,
  splitDataset,
  subset,
  type Batch,
  type Dataset,
} from "../../src/data/dataset.js";
import { Generator } from "../../src/tensor/random.js";

/** A dataset whose example i has every pixel equal to i / 1000 and label i % 256, so rows reveal their index. */
function indexed(count: number, height = 2, width = 3): Dataset {
  const pixels = height * width;
  const images = new Float32Array(count * pixels);
  for (let i = 0; i < count; i++) images.fill(i / 1000, i * pixels, (i + 1) * pixels);
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 256);
  return checkDataset({ images, labels, count, height, width, name: "indexed" });
}

/** The original index of each row, read back from its pixels, checking the whole row and the label. */
function rowIndices(images: Float32Array, labels: Uint8Array, pixels: number): number[] {
  return Array.from(labels, (label, row) => {
    const index = Math.round((images[row * pixels] as number) * 1000);
    for (let p = 0; p < pixels; p++) expect(images[row * pixels + p]).toBe(Math.fround(index / 1000));
    expect(label).toBe(index % 256);
    return index;
  });
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const sorted = (values: number[]): number[] => [...values].sort((a, b) => a - b);

describe("checkDataset and subset", () => {
  it("rejects arrays that do not match count, height and width", () => {
    const ds = indexed(4);
    expect(() => checkDataset({ ...ds, count: 5 })).toThrow("do not fill");
    expect(() => checkDataset({ ...ds, labels: new Uint8Array(3) })).toThrow("3 labels for 4 images");
    expect(() => checkDataset({ ...ds, height: -1 })).toThrow("height");
  });

  it("copies the rows at the indices, in order, and rejects indices out of range", () => {
    const part = subset(indexed(10), [7, 2, 2, 9]);
    expect(rowIndices(part.images, part.labels, 6)).toEqual([7, 2, 2, 9]);
    expect(() => subset(indexed(10), [10])).toThrow("outside [0, 10)");
  });
});

describe("splitDataset", () => {
  const splitArb = fc.integer({ min: 0, max: 300 }).chain((count) =>
    fc.tuple(fc.constant(count), fc.oneof(fc.integer({ min: 0, max: count }), fc.double({ min: 0.01, max: 0.99, noNaN: true })), fc.nat()),
  );

  it("partitions every index exactly once, with the asked test size, deterministically for a seed", () => {
    fc.assert(
      fc.property(splitArb, ([count, test, seed]) => {
        const ds = indexed(count);
        const { train, test: held } = splitDataset(ds, test, new Generator(seed));
        const testCount = Number.isInteger(test) ? test : Math.round(test * count);
        expect(held.count).toBe(testCount);
        expect(train.count).toBe(count - testCount);
        const trainRows = rowIndices(train.images, train.labels, 6);
        const testRows = rowIndices(held.images, held.labels, 6);
        expect(trainRows).toEqual(sorted(trainRows));
        expect(testRows).toEqual(sorted(testRows));
        expect(sorted([...trainRows, ...testRows])).toEqual(range(count));
        expect(splitDataset(ds, test, new Generator(seed))).toEqual({ train, test: held });
        expect([train.name, held.name]).toEqual(["indexed:train", "indexed:test"]);
      }),
      { numRuns: 60 },
    );
  });

  it("gives different splits for different seeds", () => {
    const ds = indexed(100);
    const a = splitDataset(ds, 10, new Generator(1)).test;
    const b = splitDataset(ds, 10, new Generator(2)).test;
    expect(Array.from(a.labels)).not.toEqual(Array.from(b.labels));
  });

  it("rejects test sizes that are neither a count nor a fraction in (0, 1)", () => {
    for (const bad of [-1, 11, 1.5, Number.NaN, -0.5]) expect(() => splitDataset(indexed(10), bad, new Generator(0))).toThrow(RangeError);
  });
});

describe("batches", () => {
  const batchArb = fc.record({ count: fc.integer({ min: 0, max: 200 }), batchSize: fc.integer({ min: 1, max: 64 }), dropLast: fc.boolean(), seed: fc.nat() });

  function collect(batches: Iterable<Batch>): Batch[] {
    return [...batches];
  }

  it("cover a seeded permutation: every index once (or all full batches with dropLast), right sizes", () => {
    fc.assert(
      fc.property(batchArb, ({ count, batchSize, dropLast, seed }) => {
        const ds = indexed(count);
        const batches = collect(shuffledBatches(ds, batchSize, new Generator(seed), { dropLast }));
        expect(batches.length).toBe(batchCount(count, batchSize, { dropLast }));
        const covered = dropLast ? Math.floor(count / batchSize) * batchSize : count;
        batches.forEach((batch, b) => {
          const expectedSize = Math.min(batchSize, covered - b * batchSize);
          expect(batch.size).toBe(expectedSize);
          expect(batch.labels.length).toBe(expectedSize);
          expect(batch.images.length).toBe(expectedSize * 6);
          expect(rowIndices(batch.images, batch.labels, 6)).toEqual(Array.from(batch.indices));
        });
        const order = batches.flatMap((batch) => Array.from(batch.indices));
        expect(order).toEqual(Array.from(new Generator(seed).permutation(count).subarray(0, covered)));
        expect(new Set(order).size).toBe(covered);
      }),
      { numRuns: 80 },
    );
  });

  it("draw the permutation when called, so the generator's stream does not depend on iteration", () => {
    const generator = new Generator(5);
    const reference = new Generator(5);
    shuffledBatches(indexed(50), 8, generator);
    reference.permutation(50);
    expect(generator.getState()).toEqual(reference.getState());
  });

  it("come in dataset order from orderedBatches", () => {
    fc.assert(
      fc.property(batchArb, ({ count, batchSize, dropLast }) => {
        const order = collect(orderedBatches(indexed(count), batchSize, { dropLast })).flatMap((batch) => Array.from(batch.indices));
        expect(order).toEqual(range(dropLast ? Math.floor(count / batchSize) * batchSize : count));
      }),
      { numRuns: 40 },
    );
  });

  it("reject a batch size that is not a positive integer", () => {
    for (const bad of [0, -3, 2.5]) {
      expect(() => shuffledBatches(indexed(4), bad, new Generator(0))).toThrow(RangeError);
      expect(() => orderedBatches(indexed(4), bad)).toThrow(RangeError);
    }
  });
});

describe("binarization", () => {
  function pixels(n: number, seed: number): Float32Array {
    return new Generator(seed).fillUniform(new Float32Array(n)) as Float32Array;
  }

  it("static: 1 exactly where the pixel is >= 0.5, the same every call", () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: 0, max: 1, noNaN: true }), { maxLength: 100 }), (values) => {
        const images = Float32Array.from(values);
        const binary = binarizeStatic(images);
        expect(Array.from(binary)).toEqual(values.map((v) => (v >= 0.5 ? 1 : 0)));
        expect(binarize(images, "static")).toEqual(binary);
      }),
    );
  });

  it("dynamic: only 0 and 1, mean close to the pixel mean, fresh draws each call, seeded", () => {
    const images = pixels(200_000, 3);
    const pixelMean = images.reduce((a, b) => a + b, 0) / images.length;
    const generator = new Generator(9);
    const first = binarizeDynamic(images, generator);
    const second = binarize(images, "dynamic", generator);
    for (const binary of [first, second]) {
      expect(binary.every((v) => v === 0 || v === 1)).toBe(true);
      // The mean of 200k Bernoulli draws has standard deviation below 0.0012.
      expect(Math.abs(binary.reduce((a, b) => a + b, 0) / binary.length - pixelMean)).toBeLessThan(0.006);
    }
    expect(first).not.toEqual(second);
    expect(binarizeDynamic(images, new Generator(9))).toEqual(first);
  });

  it("dynamic: per-pixel frequency tracks p, with p = 0 and p = 1 exact", () => {
    const probabilities = Float32Array.from([0, 0.1, 0.5, 0.9, 1]);
    const generator = new Generator(4);
    const ones = new Array<number>(probabilities.length).fill(0);
    const runs = 20_000;
    const out = new Float32Array(probabilities.length);
    for (let run = 0; run < runs; run++) {
      binarizeDynamic(probabilities, generator, out).forEach((v, i) => (ones[i] = (ones[i] ?? 0) + v));
    }
    const frequencies = ones.map((n) => n / runs);
    expect(frequencies[0]).toBe(0);
    expect(frequencies[4]).toBe(1);
    frequencies.forEach((f, i) => expect(Math.abs(f - (probabilities[i] as number))).toBeLessThan(0.015));
  });

  it("checks the output buffer and requires a generator for dynamic", () => {
    expect(() => binarizeStatic(new Float32Array(3), new Float32Array(2))).toThrow("out has 2 elements");
    const images = Float32Array.from([0.2, 0.7]);
    expect(binarizeDynamic(images, new Generator(1), images)).toBe(images);
    expect(() => (binarize as (i: Float32Array, m: string) => Float32Array)(images, "dynamic")).toThrow("needs a generator");
  });

  it("binarizeDataset keeps labels and shape and names the copy", () => {
    const ds = indexed(600, 1, 1);
    const binary = binarizeDataset(ds);
    expect(binary.name).toBe("indexed:binary");
    expect(binary.labels).toBe(ds.labels);
    expect(Array.from(binary.images)).toEqual(Array.from(ds.images, (v) => (v >= 0.5 ? 1 : 0)));
  });

  it("binarizeDatasetSampled: one Bernoulli draw per pixel, the same for the same seed, the original untouched", () => {
    const ds = { ...indexed(400, 1, 1), images: pixels(400, 5) };
    const before = Float32Array.from(ds.images);
    const fixed = binarizeDatasetSampled(ds, new Generator(11));
    expect(fixed.name).toBe("indexed:binary-sampled");
    expect(fixed.labels).toBe(ds.labels);
    expect(fixed.images.every((v) => v === 0 || v === 1)).toBe(true);
    expect(ds.images).toEqual(before);
    expect(binarizeDatasetSampled(ds, new Generator(11)).images).toEqual(fixed.images);
    expect(binarizeDatasetSampled(ds, new Generator(12)).images).not.toEqual(fixed.images);
    // A draw, not a threshold: some pixels below 0.5 become 1 and some above become 0.
    expect(fixed.images.some((v, i) => v === 1 && (ds.images[i] as number) < 0.5)).toBe(true);
    expect(fixed.images.some((v, i) => v === 0 && (ds.images[i] as number) >= 0.5)).toBe(true);
  });
});
