/**
 * The pictures a run writes: reconstructions, samples from the prior, interpolations, the
 * latent space coloured by label, and the training curves. Each returns PNG bytes.
 */
import { Generator, tensor, type Tensor } from "../index.js";
import type { Dataset } from "../data/dataset.js";
import { imageGridPng } from "../io/grid.js";
import { linePlot, scatterPlot } from "../io/plots.js";
import { concat, noGrad, randn } from "../autograd/index.js";
import { oneHot, projectTo2D, repeatRows, type InterpolationMode, type VAE } from "../vae/index.js";
import { labelledGridPng } from "../io/labelled-grid.js";
import type { EpochMetrics } from "./run-folder.js";

const SCALE = 2;

function grid(images: Tensor, dataset: { height: number; width: number }, cols: number): Uint8Array {
  return imageGridPng({ data: images.data, count: images.shape[0] as number, height: dataset.height, width: dataset.width }, { cols, scale: SCALE });
}

/** Rows of originals, each followed by a row of their reconstructions (the mean of p(x|μ(x))). */
export function reconstructionsPng(model: VAE, dataset: Dataset, count = 32, cols = 8): Uint8Array {
  const { x: originals, labels } = evenlySpacedImages(dataset, Math.max(cols, count - (count % cols)), model);
  const reconstructions = model.reconstruct(originals, labelInput(model, labels));
  const rows: Tensor[] = [];
  for (let start = 0; start < (originals.shape[0] as number); start += cols) {
    rows.push(originals.slice([start], [start + cols]), reconstructions.slice([start], [start + cols]));
  }
  return grid(noGrad(() => concat(rows, 0)), dataset, cols);
}

/** `count` samples x ~ p(x|z), z ~ N(0, I) (of p(x|z, y = label) for a conditional VAE), shown as the decoder's means. */
export function samplesPng(model: VAE, dataset: { height: number; width: number }, count = 64, seed = 0, label?: number): Uint8Array {
  const labels = label === undefined ? undefined : oneHot(Array.from({ length: count }, () => label), model.classes, model.dtype);
  return grid(model.sample(count, { generator: new Generator(seed), labels }), dataset, Math.ceil(Math.sqrt(count)));
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
export function labelInput(model: VAE, labels: ArrayLike<number>): Tensor | undefined {
  return model.classes > 0 ? oneHot(labels, model.classes, model.dtype) : undefined;
}

/** One row per pair of test images: the path between their posterior means, decoded. */
export function interpolationPng(model: VAE, dataset: Dataset, pairs = 8, steps = 10, mode: InterpolationMode = "linear"): Uint8Array {
  const images = evenlySpacedImages(dataset, 2 * pairs, model).x;
  const count = Math.floor((images.shape[0] as number) / 2);
  const rows: Tensor[] = [];
  // Pair image p with image p + count: half the dataset apart, so usually two different classes.
  for (let p = 0; p < count; p++) {
    rows.push(model.interpolate(images.slice([p], [p + 1]), images.slice([p + count], [p + count + 1]), steps, { mode }));
  }
  return grid(noGrad(() => concat(rows, 0)), dataset, steps);
}

/** The posterior means of (up to `count`) examples, projected to 2-D, coloured by label. */
export function latentPng(model: VAE, dataset: Dataset, count = 2000, labelNames?: readonly string[]): Uint8Array {
  const images = evenlySpacedImages(dataset, count, model);
  const means = noGrad(() => model.encode(images.x, labelInput(model, images.labels)).mu);
  const points = projectTo2D(means);
  const projected = model.latentSize > 2;
  const plot = scatterPlot(points, images.labels, {
    title: projected ? "Posterior means, first 2 PCs" : "Posterior means",
    xLabel: projected ? "PC 1" : "z1",
    yLabel: projected ? "PC 2" : "z2",
    ...(labelNames ? { labelNames } : {}),
  });
  return plot.canvas.toPng();
}

/** Up to `count` examples spread evenly over the dataset (bundled MNIST is sorted by label). */
function evenlySpacedImages(dataset: Dataset, count: number, model: VAE): { x: Tensor; labels: Uint8Array } {
  const n = Math.min(count, dataset.count);
  const pixels = dataset.height * dataset.width;
  const x = new Float32Array(n * pixels);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const source = Math.floor((i * dataset.count) / n);
    x.set(dataset.images.subarray(source * pixels, (source + 1) * pixels), i * pixels);
    labels[i] = dataset.labels[source] as number;
  }
  return { x: tensor(x, { shape: [n, pixels], dtype: model.dtype }), labels };
}

/** Train and test ELBO per epoch. */
export function curvesPng(metrics: readonly EpochMetrics[]): Uint8Array {
  const epochs = metrics.map((m) => m.epoch);
  return linePlot(
    [
      { name: "train ELBO", values: metrics.map((m) => m.trainElbo), x: epochs },
      { name: "test ELBO", values: metrics.map((m) => m.testElbo), x: epochs },
    ],
    { title: "ELBO per example (nats)", xLabel: "epoch", yLabel: "nats" },
  ).canvas.toPng();
}
