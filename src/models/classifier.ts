/**
 * A small MLP image classifier on the engine (Linear + ReLU, then class logits), trained with
 * softmax cross-entropy: the judge of sample quality in `experiments/sample-quality.ts`, the way
 * the Inception Score uses an ImageNet classifier (Salimans et al. 2016), at MNIST size.
 */
import { defaultGenerator, logSoftmax, noGrad, softmaxCrossEntropy, tensor, type Tensor } from "../autograd/index.js";
import { Linear, Module, ReLU, Sequential, type Layer, type Optimizer } from "../nn/index.js";
import { orderedBatches, pixelsOf, shuffledBatches, type Dataset } from "../data/dataset.js";
import { DEFAULT_DTYPE, type DType, type Generator } from "../tensor/index.js";

export interface ClassifierConfig {
  /** Pixels per example (784 for 28×28). */
  inputSize: number;
  /** Hidden layer sizes. Default [256]. */
  hiddenSizes?: number[];
  /** Number of classes. Default 10. */
  classes?: number;
  dtype?: DType;
  /** Initializes the weights. Default: the shared `defaultGenerator`. */
  generator?: Generator;
}

export class Classifier extends Module {
  readonly inputSize: number;
  readonly hiddenSizes: number[];
  readonly classes: number;
  readonly dtype: DType;
  readonly network: Sequential;

  constructor(config: ClassifierConfig) {
    super();
    this.inputSize = config.inputSize;
    this.hiddenSizes = config.hiddenSizes ?? [256];
    this.classes = config.classes ?? 10;
    this.dtype = config.dtype ?? DEFAULT_DTYPE;
    const sizes = [this.inputSize, ...this.hiddenSizes, this.classes];
    for (const size of sizes) {
      if (!Number.isInteger(size) || size <= 0) throw new RangeError(`Classifier: layer sizes must be positive integers, got ${size}`);
    }
    const options = { dtype: this.dtype, generator: config.generator ?? defaultGenerator };
    const layers: Layer[] = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      layers.push(new Linear(sizes[i] as number, sizes[i + 1] as number, options));
      if (i + 2 < sizes.length) layers.push(new ReLU());
    }
    this.network = this.registerModule("network", new Sequential(...layers));
  }

  /** Class logits, [batch, classes]. */
  logits(x: Tensor): Tensor {
    return this.network.forward(x);
  }

  /** Class probabilities softmax(logits), [batch, classes], without recording gradients. */
  probabilities(x: Tensor): Tensor {
    return noGrad(() => logSoftmax(this.logits(x), 1).exp());
  }
}

export interface ClassifierEpochOptions {
  batchSize: number;
  /** Shuffles the batches. */
  generator: Generator;
}

/** One pass over `dataset` in shuffled batches; returns the mean cross-entropy (nats per example). */
export function trainClassifierEpoch(model: Classifier, optimizer: Optimizer, dataset: Dataset, options: ClassifierEpochOptions): number {
  model.train();
  const pixels = pixelsOf(dataset);
  let total = 0;
  for (const batch of shuffledBatches(dataset, options.batchSize, options.generator)) {
    const x = tensor(batch.images, { shape: [batch.size, pixels], dtype: model.dtype });
    optimizer.zeroGrad();
    const loss = softmaxCrossEntropy(model.logits(x), batch.labels).mean();
    loss.backward();
    optimizer.step();
    total += loss.item() * batch.size;
  }
  return total / dataset.count;
}

/** The fraction of `dataset` whose most probable class is its label. */
export function classifierAccuracy(model: Classifier, dataset: Dataset, batchSize = 1000): number {
  model.eval();
  const pixels = pixelsOf(dataset);
  let correct = 0;
  for (const batch of orderedBatches(dataset, batchSize)) {
    const predicted = predictClasses(model, tensor(batch.images, { shape: [batch.size, pixels], dtype: model.dtype }));
    for (let i = 0; i < batch.size; i++) if (predicted[i] === batch.labels[i]) correct++;
  }
  return dataset.count === 0 ? 0 : correct / dataset.count;
}

/** The most probable class of each image of `x` ([batch, inputSize]). */
export function predictClasses(model: Classifier, x: Tensor): Uint8Array {
  const logits = noGrad(() => model.logits(x));
  const [batch, classes] = logits.shape as [number, number];
  const predicted = new Uint8Array(batch);
  for (let i = 0; i < batch; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if ((logits.data[i * classes + k] as number) > (logits.data[i * classes + best] as number)) best = k;
    predicted[i] = best;
  }
  return predicted;
}
