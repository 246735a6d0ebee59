/**
 * What every experiment reports for a trained model: its test terms, the judge's verdict on its
 * samples (VAE: z ~ N(0, I); AE: z from a Gaussian fitted to its training codes) and on its
 * decoded latent map, and how often its reconstructions keep their class.
 */
import { noGrad, tensor } from "../autograd/index.js";
import type { Dataset } from "../data/dataset.js";
import type { Classifier } from "../models/classifier.js";
import { Generator } from "../tensor/index.js";
import { fitCodeGaussian, generativeCodes, type CodeGaussian, type LatentModel } from "../vae/index.js";
import { codesOf, latentGridFor, modelLatentMap, spreadSample, type LatentGrid } from "./latent-figures.js";
import { reconstructionAccuracy, sampleQuality, type SampleQuality } from "./sample-quality.js";
import type { TestTerms, TrainedModel } from "./train-models.js";

export interface ModelMeasurements extends TestTerms {
  /** The judge on `samples` new examples (decoder means). */
  samples: SampleQuality;
  /** The judge on the decoded 20×20 latent map: low confidence where the map has gaps. */
  latentMap: SampleQuality;
  /** Where that map's grid lies (`latentGridFor`): the prior's quantiles, or the codes' bounding box. */
  latentGrid: LatentGrid;
  /** Share of test images whose reconstruction the judge labels with the image's own label. */
  reconstructionAccuracy: number;
  trainSeconds: number;
}

/** The Gaussian of an AE's training codes (what its samples are drawn from). */
export function fitTrainingCodes(model: LatentModel, train: Dataset): CodeGaussian {
  const x = tensor(train.images, { shape: [train.count, train.height * train.width], dtype: model.dtype });
  return fitCodeGaussian(codesOf(model, x));
}

export function measureModel(trained: TrainedModel, train: Dataset, test: Dataset, judge: Classifier, options: { samples?: number; seed?: number } = {}): ModelMeasurements {
  const { model } = trained;
  const fit = model.kind === "ae" ? fitTrainingCodes(model, train) : undefined;
  const codes = generativeCodes(model, options.samples ?? 1000, new Generator((options.seed ?? 0) + 10), fit);
  const samples = sampleQuality(judge, noGrad(() => model.decodeMean(codes)));
  const latentGrid = latentGridFor(model, trained.spec.beta);
  return {
    ...trained.test,
    samples,
    latentMap: sampleQuality(judge, modelLatentMap(model, codesOf(model, spreadSample(test, 2000, model.dtype).x), 20, { grid: latentGrid }).map.images),
    latentGrid,
    reconstructionAccuracy: reconstructionAccuracy(judge, model, test),
    trainSeconds: trained.seconds,
  };
}
