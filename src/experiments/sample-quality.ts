/**
 * A sample-quality number from a digit classifier, "a poor man's Inception Score": how sure the
 * classifier is about each generated image (mean top-class probability), how evenly the images
 * spread over the classes (entropy of the histogram of predicted classes; ln 10 ≈ 2.30 nats is
 * perfectly even over ten digits), and the Inception Score itself, exp E_x KL(p(y|x) ‖ p(y))
 * (Salimans et al. 2016; 1 for useless samples, at most the number of classes).
 */
import { noGrad, tensor, type Tensor } from "../autograd/index.js";
import { orderedBatches, pixelsOf, type Dataset } from "../data/dataset.js";
import { predictClasses, type Classifier } from "../models/classifier.js";

export interface SampleQuality {
  /** Images judged. */
  count: number;
  /** Mean over images of max_y p(y|x): 1 when every image is unmistakably some class. */
  meanTopProbability: number;
  /** How many images the classifier puts in each class (by most probable class). */
  classHistogram: number[];
  /** Entropy of the normalized class histogram, nats: ln(classes) when the classes are even. */
  classEntropy: number;
  /** exp of the mean KL(p(y|x) ‖ p(y)), with p(y) the mean of p(y|x) over the images. */
  inceptionScore: number;
}

/** Judge `images` ([count, inputSize], pixels in [0, 1]) with `classifier`. */
export function sampleQuality(classifier: Classifier, images: Tensor): SampleQuality {
  const probabilities = classifier.probabilities(images);
  const [count, classes] = probabilities.shape as [number, number];
  const p = probabilities.data;
  const marginal = new Float64Array(classes);
  const histogram = new Array<number>(classes).fill(0);
  let topTotal = 0;
  for (let i = 0; i < count; i++) {
    let best = 0;
    for (let k = 0; k < classes; k++) {
      const value = p[i * classes + k] as number;
      marginal[k] = (marginal[k] as number) + value / count;
      if (value > (p[i * classes + best] as number)) best = k;
    }
    topTotal += p[i * classes + best] as number;
    histogram[best] = (histogram[best] as number) + 1;
  }
  let klTotal = 0;
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < classes; k++) {
      const value = p[i * classes + k] as number;
      if (value > 0) klTotal += value * (Math.log(value) - Math.log(marginal[k] as number));
    }
  }
  return {
    count,
    meanTopProbability: topTotal / count,
    classHistogram: histogram,
    classEntropy: entropy(histogram.map((n) => n / count)),
    inceptionScore: Math.exp(klTotal / count),
  };
}

/** −Σ p log p in nats, with 0 log 0 = 0. */
export function entropy(distribution: readonly number[]): number {
  return distribution.reduce((total, p) => (p > 0 ? total - p * Math.log(p) : total), 0);
}

/**
 * The fraction of `dataset` whose reconstruction the classifier labels with the image's own
 * label: how much of the class survives the trip through the latent code.
 */
export function reconstructionAccuracy(classifier: Classifier, model: { reconstruct(x: Tensor): Tensor }, dataset: Dataset, batchSize = 1000): number {
  const pixels = pixelsOf(dataset);
  let correct = 0;
  for (const batch of orderedBatches(dataset, batchSize)) {
    const x = tensor(batch.images, { shape: [batch.size, pixels], dtype: classifier.dtype });
    const predicted = predictClasses(classifier, noGrad(() => model.reconstruct(x)));
    for (let i = 0; i < batch.size; i++) if (predicted[i] === batch.labels[i]) correct++;
  }
  return dataset.count === 0 ? 0 : correct / dataset.count;
}
