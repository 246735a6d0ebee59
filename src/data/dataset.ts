/**
 * `Dataset`: labelled grayscale images as flat typed arrays, and what a training loop does with
 * them: seeded train/test splits, seeded mini-batches, binarization. Pure (no `node:` imports);
 * every random draw comes from the caller's `Generator`.
 */
import type { Generator } from "../tensor/random.js";

export interface Dataset {
  /** Row-major [count, height * width], each pixel in [0, 1] (byte / 255). */
  images: Float32Array;
  /** One class label per image. */
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
  name: string;
}

export interface Batch {
  /** Row-major [size, height * width]. */
  images: Float32Array;
  labels: Uint8Array;
  size: number;
  /** Indices of these examples in the dataset. */
  indices: Uint32Array;
}

export interface BatchOptions {
  /** Leave out the last batch when it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
}

/** Pixels per image, height * width. */
export function pixelsOf(dataset: Dataset): number {
  return dataset.height * dataset.width;
}

/** Throws unless the arrays agree with count, height and width. Returns the dataset. */
export function checkDataset(dataset: Dataset): Dataset {
  const { name, count, height, width } = dataset;
  for (const [field, value] of [["count", count], ["height", height], ["width", width]] as const) {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`dataset ${name}: ${field} must be a non-negative integer, got ${value}`);
  }
  if (dataset.images.length !== count * height * width) {
    throw new RangeError(`dataset ${name}: ${dataset.images.length} pixels do not fill [${count}, ${height * width}]`);
  }
  if (dataset.labels.length !== count) {
    throw new RangeError(`dataset ${name}: ${dataset.labels.length} labels for ${count} images`);
  }
  return dataset;
}

/** The examples at `indices`, in that order, copied into a new dataset. */
export function subset(dataset: Dataset, indices: ArrayLike<number>, name = dataset.name): Dataset {
  const pixels = pixelsOf(dataset);
  const images = new Float32Array(indices.length * pixels);
  const labels = new Uint8Array(indices.length);
  for (let row = 0; row < indices.length; row++) {
    const index = indices[row] as number;
    if (!Number.isInteger(index) || index < 0 || index >= dataset.count) {
      throw new RangeError(`subset of ${dataset.name}: index ${index} is outside [0, ${dataset.count})`);
    }
    images.set(dataset.images.subarray(index * pixels, (index + 1) * pixels), row * pixels);
    labels[row] = dataset.labels[index] as number;
  }
  return { images, labels, count: indices.length, height: dataset.height, width: dataset.width, name };
}

/** The examples whose label passes `keep`, in dataset order (e.g. all but class 9). */
export function filterByLabel(dataset: Dataset, keep: (label: number) => boolean, name = dataset.name): Dataset {
  const indices: number[] = [];
  for (let i = 0; i < dataset.count; i++) if (keep(dataset.labels[i] as number)) indices.push(i);
  return subset(dataset, indices, name);
}

/** The number of test examples asked for: a count (integer >= 0) or a fraction in (0, 1). */
function testCountOf(dataset: Dataset, test: number): number {
  const count = Number.isInteger(test) ? test : test > 0 && test < 1 ? Math.round(test * dataset.count) : NaN;
  if (!(count >= 0 && count <= dataset.count)) {
    throw new RangeError(`splitDataset(${dataset.name}): test must be a count in [0, ${dataset.count}] or a fraction in (0, 1), got ${test}`);
  }
  return count;
}

/**
 * A seeded random split into disjoint train and test sets that together hold every example once.
 * `test` is a count of test examples, or a fraction of the dataset in (0, 1). Within each part the
 * examples keep their original order (shuffling is the batcher's job).
 */
export function splitDataset(dataset: Dataset, test: number, generator: Generator): { train: Dataset; test: Dataset } {
  const testCount = testCountOf(dataset, test);
  const order = generator.permutation(dataset.count);
  const testIndices = order.slice(0, testCount).sort();
  const trainIndices = order.slice(testCount).sort();
  return {
    train: subset(dataset, trainIndices, `${dataset.name}:train`),
    test: subset(dataset, testIndices, `${dataset.name}:test`),
  };
}

function checkBatchSize(op: string, batchSize: number): void {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`${op}: batchSize must be a positive integer, got ${batchSize}`);
}

/** How many batches one epoch yields. */
export function batchCount(count: number, batchSize: number, options: BatchOptions = {}): number {
  checkBatchSize("batchCount", batchSize);
  return options.dropLast ? Math.floor(count / batchSize) : Math.ceil(count / batchSize);
}

/** Copy the examples at `indices` into one batch. */
export function gatherBatch(dataset: Dataset, indices: Uint32Array): Batch {
  const { images, labels } = subset(dataset, indices);
  return { images, labels, size: indices.length, indices };
}

function* batchesInOrder(dataset: Dataset, order: Uint32Array, batchSize: number, dropLast: boolean): IterableIterator<Batch> {
  const batches = batchCount(order.length, batchSize, { dropLast });
  for (let b = 0; b < batches; b++) {
    yield gatherBatch(dataset, order.subarray(b * batchSize, Math.min((b + 1) * batchSize, order.length)));
  }
}

/**
 * One epoch of mini-batches in a seeded random order. The permutation is drawn from `generator`
 * when this function is called (not lazily), so the stream of draws does not depend on how far
 * the caller iterates.
 */
export function shuffledBatches(dataset: Dataset, batchSize: number, generator: Generator, options: BatchOptions = {}): IterableIterator<Batch> {
  checkBatchSize("shuffledBatches", batchSize);
  return batchesInOrder(dataset, generator.permutation(dataset.count), batchSize, options.dropLast ?? false);
}

/** Mini-batches in dataset order, for evaluation. */
export function orderedBatches(dataset: Dataset, batchSize: number, options: BatchOptions = {}): IterableIterator<Batch> {
  checkBatchSize("orderedBatches", batchSize);
  const order = new Uint32Array(dataset.count);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return batchesInOrder(dataset, order, batchSize, options.dropLast ?? false);
}

export type BinarizeMode = "static" | "dynamic";

function outputFor(op: string, images: Float32Array, out: Float32Array | undefined): Float32Array {
  if (out === undefined) return new Float32Array(images.length);
  if (out.length !== images.length) throw new RangeError(`${op}: out has ${out.length} elements, images have ${images.length}`);
  return out;
}

/** Static binarization: 1 where the pixel is >= 0.5, else 0. The same images every call. */
export function binarizeStatic(images: Float32Array, out?: Float32Array): Float32Array {
  const result = outputFor("binarizeStatic", images, out);
  for (let i = 0; i < images.length; i++) result[i] = (images[i] as number) >= 0.5 ? 1 : 0;
  return result;
}

/**
 * Dynamic binarization: each pixel becomes a Bernoulli(p = pixel) draw, fresh on every call
 * (1 when u < p for u uniform in [0, 1), so P(1) = p exactly). `out` may be `images` itself.
 */
export function binarizeDynamic(images: Float32Array, generator: Generator, out?: Float32Array): Float32Array {
  const result = outputFor("binarizeDynamic", images, out);
  for (let i = 0; i < images.length; i++) result[i] = generator.uniform() < (images[i] as number) ? 1 : 0;
  return result;
}

/** Binarize by mode; `generator` is required for "dynamic". */
export function binarize(images: Float32Array, mode: "static"): Float32Array;
export function binarize(images: Float32Array, mode: BinarizeMode, generator: Generator): Float32Array;
export function binarize(images: Float32Array, mode: BinarizeMode, generator?: Generator): Float32Array {
  if (mode === "static") return binarizeStatic(images);
  if (!generator) throw new TypeError('binarize: mode "dynamic" needs a generator');
  return binarizeDynamic(images, generator);
}

/** A copy of the dataset with statically binarized images (binarized once, for the whole run). */
export function binarizeDataset(dataset: Dataset): Dataset {
  return { ...dataset, images: binarizeStatic(dataset.images), name: `${dataset.name}:binary` };
}

/** The seed elbo's runs and benchmarks binarize a test set with (`binarizeDatasetSampled`), so all score the same digits. */
export const TEST_BINARIZATION_SEED = 20_160_501;

/**
 * A copy of the dataset with each pixel drawn once from Bernoulli(pixel), by `generator`: the
 * fixed binarization of a test set that models trained with dynamic binarization are scored on
 * (the same generator seed gives the same images, so runs compare on identical digits).
 */
export function binarizeDatasetSampled(dataset: Dataset, generator: Generator): Dataset {
  return { ...dataset, images: binarizeDynamic(dataset.images, generator), name: `${dataset.name}:binary-sampled` };
}
