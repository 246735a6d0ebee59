/**
 * How well a conditional VAE generates the class it is asked for: `perClass` samples of each
 * class y (z ~ N(0, I), the mean of p(x | z, y)), classified by a judge; the share classified as
 * y, per class and overall (the check: ≥ 80% on MNIST after a few epochs).
 */
import { noGrad, randn } from "../autograd/index.js";
import { predictClasses, type Classifier } from "../models/classifier.js";
import { Generator } from "../tensor/index.js";
import { oneHot, type VAE } from "../vae/index.js";

export interface ConditionalAccuracy {
  /** Share of each class's samples the judge classifies as that class. */
  perClass: number[];
  accuracy: number;
  samples: number;
}

export function conditionalSampleAccuracy(model: VAE, judge: Classifier, perClass = 100, seed = 0): ConditionalAccuracy {
  if (model.classes === 0) throw new RangeError("conditionalSampleAccuracy: the VAE is not conditional (built without classes)");
  const generator = new Generator(seed);
  const perClassAccuracy: number[] = [];
  for (let y = 0; y < model.classes; y++) {
    const labels = Array.from({ length: perClass }, () => y);
    const images = noGrad(() => model.decodeMean(randn([perClass, model.latentSize], { dtype: model.dtype, generator }), oneHot(labels, model.classes, model.dtype)));
    const predicted = predictClasses(judge, images);
    perClassAccuracy.push(predicted.filter((p) => p === y).length / perClass);
  }
  const accuracy = perClassAccuracy.reduce((a, b) => a + b, 0) / model.classes;
  return { perClass: perClassAccuracy, accuracy, samples: perClass * model.classes };
}
