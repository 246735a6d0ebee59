/**
 * The pictures a run writes: reconstructions, samples from the prior, interpolations, the
 * latent space coloured by label, and the training curves. Each returns PNG bytes.
 */
import { Generator, tensor, type Tensor } from "../index.js";
import type { Dataset } from "../data/dataset.js";
import { imageGridPng } from "../io/grid.js";
import { linePlot, scatterPlot } from "../io/plots.js";
import { concat, noGrad } from "../autograd/index.js";
import { projectTo2D, type InterpolationMode, type VAE } from "../vae/index.js";
import type { EpochMetrics } from "./run-folder.js";

const SCALE = 2;

function grid(images: Tensor, dataset: { height: number; width: number }, cols: number): Uint8Array {
  return imageGridPng({ data: images.data, count: images.shape[0] as number, height: dataset.height, width: dataset.width }, { cols, scale: SCALE });
}

/** Rows of originals, each followed by a row of their reconstructions (the mean of p(x|μ(x))). */
export function reconstructionsPng(model: VAE, dataset: Dataset, count = 32, cols = 8): Uint8Array {
  const originals = evenlySpacedImages(dataset, Math.max(cols, count - (count % cols)), model).x;
  const reconstructions = model.reconstruct(originals);
  const rows: Tensor[] = [];
  for (let start = 0; start < (originals.shape[0] as number); start += cols) {
    rows.push(originals.slice([start], [start + cols]), reconstructions.slice([start], [start + cols]));
  }
  return grid(noGrad(() => concat(rows, 0)), dataset, cols);
}

/** `count` samples x ~ p(x|z), z ~ N(0, I), shown as the decoder's means. */
export function samplesPng(model: VAE, dataset: { height: number; width: number }, count = 64, seed = 0): Uint8Array {
  return grid(model.sample(count, { generator: new Generator(seed) }), dataset, Math.ceil(Math.sqrt(count)));
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
  const means = noGrad(() => model.encode(images.x).mu);
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
