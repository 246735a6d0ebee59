/** The train and test sets a run uses, from a --data spec. */
import { existsSync, readdirSync } from "node:fs";
import { binarizeDataset, binarizeDatasetSampled, loadDataset, splitDataset, TEST_BINARIZATION_SEED, type BinarizeMode, type Dataset } from "../data/index.js";
import { Generator } from "../tensor/index.js";
import { UsageError } from "./args.js";

/** Train and test sets for a data spec: the file's own test split, or a seeded hold-out. */
export function loadSplits(spec: string, testSize: number, seed: number): { train: Dataset; test: Dataset } {
  const train = loadDataset(spec);
  const isDirectory = spec !== "mnist" && spec !== "mnist-full" && spec !== "fashion-mnist";
  const hasTestFile = spec === "fashion-mnist" || spec === "mnist-full" || (isDirectory && existsSync(spec) && readdirSync(spec).some((f) => f.startsWith("t10k-images")));
  if (hasTestFile) return { train, test: loadDataset(spec, "t10k") };
  if (testSize >= train.count) throw new UsageError(`--test-size ${testSize} leaves no training data (${train.count} examples)`);
  return splitDataset(train, testSize, new Generator(seed + 1));
}

/**
 * The test set as a run with `binarize` is measured on: unchanged ("none"), thresholded at 0.5
 * ("static"), or, for a run trained on fresh Bernoulli draws ("dynamic"), one Bernoulli draw per
 * pixel with TEST_BINARIZATION_SEED: the same digits for every epoch, every run and `elbo score`.
 */
export function binarizeTestSet(test: Dataset, binarize: BinarizeMode | "none"): Dataset {
  if (binarize === "none") return test;
  return binarize === "static" ? binarizeDataset(test) : binarizeDatasetSampled(test, new Generator(TEST_BINARIZATION_SEED));
}
