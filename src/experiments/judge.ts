/**
 * The classifier that judges samples, trained once per dataset and cached as a safetensors file
 * (by default `runs/classifier-<data>/model.safetensors`): later experiments load it in
 * milliseconds. A cache made for other settings (dataset, size, epochs) is retrained and
 * replaced; a damaged one is an error naming the file.
 */
import { ensureParentDir, loadSafetensorsIfPresent, saveSafetensorsSync } from "../io/files.js";
import { Classifier, classifierAccuracy, trainClassifierEpoch } from "../models/classifier.js";
import { Adam, captureCheckpoint, restoreCheckpoint } from "../nn/index.js";
import { Generator } from "../tensor/index.js";
import type { Dataset } from "../data/dataset.js";

const FORMAT = "elbo-classifier/1";

export interface JudgeOptions {
  /** The cache file. */
  path: string;
  /** Default [256]. */
  hiddenSizes?: number[];
  /** Default 10 (about 95-96% test accuracy on the bundled MNIST digits, 9,000 to train on). */
  epochs?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface Judge {
  classifier: Classifier;
  /** Accuracy on the test set it was given when trained. */
  testAccuracy: number;
  /** True when loaded from the cache, false when trained now. */
  cached: boolean;
  path: string;
}

/** What a cached classifier must have been trained with to be reused. */
function settingsOf(train: Dataset, test: Dataset, hiddenSizes: number[], epochs: number, seed: number): Record<string, string> {
  return {
    classifierFormat: FORMAT,
    data: train.name,
    trainCount: String(train.count),
    testCount: String(test.count),
    imageSize: `${train.height}x${train.width}`,
    hiddenSizes: hiddenSizes.join(","),
    epochs: String(epochs),
    seed: String(seed),
  };
}

/** Load the judge from `options.path` if it was trained on these settings, else train and cache it. */
export function loadOrTrainJudge(train: Dataset, test: Dataset, options: JudgeOptions): Judge {
  const hiddenSizes = options.hiddenSizes ?? [256];
  const epochs = options.epochs ?? 10;
  const seed = options.seed ?? 0;
  const settings = settingsOf(train, test, hiddenSizes, epochs, seed);
  const classifier = new Classifier({ inputSize: train.height * train.width, hiddenSizes, classes: 10, generator: new Generator(seed) });
  const checkpoint = loadSafetensorsIfPresent(options.path);
  if (checkpoint) {
    const matches = Object.entries(settings).every(([key, value]) => checkpoint.metadata[key] === value);
    if (matches) {
      try {
        restoreCheckpoint(checkpoint, { model: classifier });
      } catch (error) {
        throw new Error(`${options.path}: not a usable classifier cache (${error instanceof Error ? error.message : String(error)}); delete it to retrain`);
      }
      classifier.eval();
      return { classifier, testAccuracy: Number(checkpoint.metadata.testAccuracy), cached: true, path: options.path };
    }
    options.log?.(`${options.path} was trained with other settings; retraining it`);
  }
  const optimizer = new Adam(classifier.parameters(), { lr: 1e-3 });
  const generator = new Generator(seed + 1);
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const loss = trainClassifierEpoch(classifier, optimizer, train, { batchSize: 128, generator });
    options.log?.(`classifier epoch ${epoch}/${epochs}: cross-entropy ${loss.toFixed(4)} nats`);
  }
  const testAccuracy = classifierAccuracy(classifier, test);
  options.log?.(`classifier: ${(100 * testAccuracy).toFixed(2)}% test accuracy on ${test.count} ${test.name} images; cached in ${options.path}`);
  ensureParentDir(options.path);
  const trained = captureCheckpoint({ model: classifier, metadata: { ...settings, testAccuracy: String(testAccuracy) } });
  saveSafetensorsSync(options.path, trained.tensors, trained.metadata);
  classifier.eval();
  return { classifier, testAccuracy, cached: false, path: options.path };
}
