/**
 * The pictures a run writes: reconstructions, samples from the prior, interpolations, the
 * latent space coloured by label, and the training curves. Each returns PNG bytes.
 */
import { Generator, tensor, type Tensor } from "../index.js";
import type { Dataset } from "../data/dataset.js";
import { imageGridPng } from "../io/grid.js";
import { linePlot, scatterPlot } from "../io/plots.js";
import { concat, noGrad, randn } from "../autograd/index.js";
import { drawObservations, generativeCodes, oneHot, projectTo2D, repeatRows, type CodeGaussian, type InterpolationMode, type LatentModel, type VAE } from "../vae/index.js";
import { labelledGridPng } from "../io/labelled-grid.js";
import type { EpochMetrics } from "./run-folder.js";
import { imageGridFigure } from "../experiments/figures.js";
import { spreadSample } from "../experiments/latent-figures.js";

const SCALE = 2;

function grid(images: Tensor, dataset: { height: number; width: number }, cols: number): Uint8Array {
  return imageGridPng({ data: images.data, count: images.shape[0] as number, height: dataset.height, width: dataset.width }, { cols, scale: SCALE });
}

/** Rows of originals, each followed by a row of their reconstructions (the mean of p(x|μ(x))). */
export function reconstructionsPng(model: LatentModel, dataset: Dataset, count = 32, cols = 8): Uint8Array {
  const { x: originals, labels } = spreadSample(dataset, Math.max(cols, count - (count % cols)), model.dtype);
  const reconstructions = model.kind === "vae" ? model.reconstruct(originals, labelInput(model, labels)) : model.reconstruct(originals);
  const rows: Tensor[] = [];
  for (let start = 0; start < (originals.shape[0] as number); start += cols) {
    rows.push(originals.slice([start], [start + cols]), reconstructions.slice([start], [start + cols]));
  }
  return grid(noGrad(() => concat(rows, 0)), dataset, cols);
}

export interface SampleOptions {
  /** Draw x ~ p(x|z) (Bernoulli pixels or Gaussian noise) instead of showing the decoder's mean. */
  draw?: boolean;
  /** An autoencoder's codes come from this Gaussian fitted to its training codes (it has no prior). */
  fit?: CodeGaussian;
  /** A conditional VAE's class, for every sample: p(x | z, y = label). */
  label?: number;
}

/**
 * `count` new examples: z from the prior N(0, I) (VAE) or from `options.fit` (AE), decoded to
 * the mean of p(x|z) (of p(x|z, y) with `label`, for a conditional VAE), or, with `draw`, to one
 * draw x ~ p(x|z).
 */
export function samplesPng(model: LatentModel, dataset: { height: number; width: number }, count = 64, seed = 0, options: SampleOptions = {}): Uint8Array {
  const generator = new Generator(seed);
  const codes = generativeCodes(model, count, generator, options.fit);
  const { label } = options;
  const means = noGrad(() => (model.kind === "vae" && label !== undefined ? model.decodeMean(codes, oneHot(Array.from({ length: count }, () => label), model.classes, model.dtype)) : model.decodeMean(codes)));
  const logVar = model.kind === "vae" && model.likelihood === "gaussian" ? model.outputLogVar.item() : 0;
  const images = options.draw ? drawObservations(model.likelihood, means, generator, logVar) : means;
  const source = `${model.kind === "vae" ? "z ~ N(0, I)" : "z ~ Gaussian fitted to the training codes"}${label === undefined ? "" : `, class ${label}`}`;
  const shown = options.draw ? `one draw x ~ p(x|z) (${model.likelihood})` : "the mean of p(x|z)";
  return imageGridFigure(images, dataset, { title: [`${model.kind === "vae" ? "VAE" : "AE"} samples: ${shown}`, `${source}, seed ${seed}`], cols: Math.ceil(Math.sqrt(count)) }).toPng();
}

/**
 * The conditional VAE's samples, one row per class of `labels` (default: every class), `perRow`
 * columns: the same z down each column, so a column shares its style and a row its class.
 */
export function classSamplesPng(
  model: VAE,
  dataset: { height: number; width: number },
  perRow = 10,
  seed = 0,
  labelNames?: readonly string[],
  labels: readonly number[] = Array.from({ length: model.classes }, (_, c) => c),
): Uint8Array {
  const z = randn([perRow, model.latentSize], { dtype: model.dtype, generator: new Generator(seed) });
  const rowLabels = labels.flatMap((label) => Array.from({ length: perRow }, () => label));
  const images = noGrad(() => model.decodeMean(repeatRows(z, rowLabels.length, "classSamplesPng"), oneHot(rowLabels, model.classes, model.dtype)));
  return labelledGridPng(
    { data: images.data, count: rowLabels.length, height: dataset.height, width: dataset.width },
    { cols: perRow, rowLabels: labels.map((label) => labelNames?.[label] ?? String(label)), title: ["p(x | z, y): one row per class y, one z per column"] },
  );
}

/** The one-hot labels a conditional VAE takes with these examples (undefined for an unconditional one). */
export function labelInput(model: LatentModel, labels: ArrayLike<number>): Tensor | undefined {
  return model.classes > 0 ? oneHot(labels, model.classes, model.dtype) : undefined;
}

/** One row per pair of test images: the path between their posterior means, decoded. */
export function interpolationPng(model: LatentModel, dataset: Dataset, pairs = 8, steps = 10, mode: InterpolationMode = "linear"): Uint8Array {
  const images = spreadSample(dataset, 2 * pairs, model.dtype).x;
  const count = Math.floor((images.shape[0] as number) / 2);
  const rows: Tensor[] = [];
  // Pair image p with image p + count: half the dataset apart, so usually two different classes.
  for (let p = 0; p < count; p++) {
    rows.push(model.interpolate(images.slice([p], [p + 1]), images.slice([p + count], [p + count + 1]), steps, { mode }));
  }
  return grid(noGrad(() => concat(rows, 0)), dataset, steps);
}

/** The posterior means of (up to `count`) examples, projected to 2-D, coloured by label. */
export function latentPng(model: LatentModel, dataset: Dataset, count = 2000, labelNames?: readonly string[]): Uint8Array {
  const images = spreadSample(dataset, count, model.dtype);
  const means = noGrad(() => (model.kind === "vae" ? model.encode(images.x, labelInput(model, images.labels)).mu : model.codes(images.x)));
  const points = projectTo2D(means);
  const projected = model.latentSize > 2;
  const plot = scatterPlot(points, images.labels, {
    title: `${model.kind === "vae" ? "Posterior means" : "Autoencoder codes"}${projected ? ", first 2 PCs" : ""}`,
    xLabel: projected ? "PC 1" : "z1",
    yLabel: projected ? "PC 2" : "z2",
    ...(labelNames ? { labelNames } : {}),
  });
  return plot.canvas.toPng();
}

/** Train and test ELBO per epoch (an autoencoder, which has no ELBO: its reconstruction term). */
export function curvesPng(metrics: readonly EpochMetrics[]): Uint8Array {
  const epochs = metrics.map((m) => m.epoch);
  const autoencoder = metrics.every((m) => m.trainElbo === null);
  const [train, test] = autoencoder
    ? [metrics.map((m) => m.trainReconstruction), metrics.map((m) => m.testReconstruction)]
    : [metrics.map((m) => m.trainElbo ?? Number.NaN), metrics.map((m) => m.testElbo ?? Number.NaN)];
  const what = autoencoder ? "reconstruction log p(x|z)" : "ELBO";
  return linePlot(
    [
      { name: `train ${what}`, values: train, x: epochs },
      { name: `test ${what}`, values: test, x: epochs },
    ],
    { title: `${autoencoder ? "Autoencoder: reconstruction" : "ELBO"} per example (nats)`, xLabel: "epoch", yLabel: "nats" },
  ).canvas.toPng();
}
