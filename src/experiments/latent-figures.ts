/**
 * The notes' latent-space pictures for a trained VAE or autoencoder: the codes of test images
 * coloured by label, the decoded latent map, traversals ordered by KL, attribute vectors. Each
 * returns a `Canvas` (`.toPng()` for the file) and says in its title what it shows.
 */
import { noGrad, tensor, type Tensor } from "../autograd/index.js";
import type { Dataset } from "../data/dataset.js";
import type { Canvas } from "../io/canvas.js";
import { scatterPlot } from "../io/plots.js";
import {
  activeUnits,
  attributeCodes,
  classMean,
  gaussianKLPerDimension,
  latentMap,
  linspace,
  normalQuantileGrid,
  projectTo2D,
  traversalCodes,
  type LatentMap,
  type LatentModel,
} from "../vae/index.js";
import { imageGridFigure, tickLabel } from "./figures.js";

/** Up to `count` test images spread evenly over the dataset (bundled MNIST is sorted by label). */
export function spreadSample(dataset: Dataset, count: number, dtype: "float32" | "float64" = "float32"): { x: Tensor; labels: Uint8Array } {
  const n = Math.min(count, dataset.count);
  const pixels = dataset.height * dataset.width;
  const x = new Float32Array(n * pixels);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const source = Math.floor((i * dataset.count) / n);
    x.set(dataset.images.subarray(source * pixels, (source + 1) * pixels), i * pixels);
    labels[i] = dataset.labels[source] as number;
  }
  return { x: tensor(x, { shape: [n, pixels], dtype }), labels };
}

/** The codes of a model: posterior means μ(x) for a VAE, f(x) for an autoencoder. */
export function codesOf(model: LatentModel, x: Tensor): Tensor {
  return noGrad(() => model.codes(x));
}

/** A class as titles name it: its Fashion-MNIST name when `names` are given, else the digit. */
export function className(label: number, names?: readonly string[]): string {
  return names?.[label] ?? String(label);
}

const modelName = (model: LatentModel): string => (model.kind === "vae" ? "VAE" : "AE");

/** The codes of test images, coloured by label: posterior means (VAE) or codes (AE), or their first two PCs. */
export function codeScatterFigure(model: LatentModel, codes: Tensor, labels: Uint8Array, options: { subtitle: string; labelNames?: readonly string[] }): Canvas {
  const projected = model.latentSize > 2;
  const what = model.kind === "vae" ? "posterior means" : "codes";
  return scatterPlot(projectTo2D(codes), labels, {
    width: 560,
    height: 440,
    title: `${modelName(model)}: ${what} of ${labels.length} test images${projected ? " (first 2 PCs)" : ""}`,
    xLabel: projected ? "PC 1" : "z1",
    yLabel: projected ? "PC 2" : "z2",
    ...(options.labelNames ? { labelNames: options.labelNames } : {}),
  }).canvas;
}

export interface LatentMapFigureOptions {
  /** Grid points per side. Default 20. */
  n?: number;
  /** Prior grid only: it covers the prior's quantiles (range, 1 − range). Default 0.05. */
  range?: number;
  /** Default `latentGridFor(model)`. */
  grid?: LatentGrid;
  subtitle: string;
  size: { height: number; width: number };
}

/** Where a latent map's grid lies: over the prior's quantiles, or over the bounding box of the codes. */
export type LatentGrid = "prior" | "codes";

/**
 * The grid for a model: the prior's quantiles for a VAE trained with the KL term, else (an AE,
 * or a VAE trained with β = 0) the codes' bounding box, since nothing pulled its codes towards
 * the prior: they may spread far beyond ±1.64 (note 002's reconstruction-only panel).
 */
export function latentGridFor(model: LatentModel, beta = 1): LatentGrid {
  return model.kind === "vae" && beta > 0 ? "prior" : "codes";
}

/**
 * The decoded latent map: for a VAE, a grid spaced by Φ⁻¹ over (0.05..0.95) (Kingma & Welling
 * 2014, Fig. 4); for an AE (or a VAE trained without the KL term), an even grid over the codes'
 * bounding box. For more than 2 latent dimensions the grid lies in the plane of the codes' first
 * two principal directions.
 */
export function latentMapFigure(model: LatentModel, codes: Tensor, options: LatentMapFigureOptions): Canvas {
  const n = options.n ?? 20;
  const { map, spacing } = modelLatentMap(model, codes, n, { ...(options.range !== undefined ? { range: options.range } : {}), grid: options.grid ?? latentGridFor(model) });
  const projected = model.latentSize > 2;
  const every = Math.max(1, Math.round(n / 5));
  const sparse = (values: number[]): string[] => values.map((v, i) => (i % every === 0 ? tickLabel(v) : ""));
  return imageGridFigure(map.images, options.size, {
    title: [`${modelName(model)}: decoded latent map`, `${spacing}${projected ? ", in the plane of the codes' first 2 PCs" : ""}`, options.subtitle],
    cols: n,
    scale: 1,
    colLabels: sparse(map.xValues),
    rowLabels: sparse(map.yValues),
    xCaption: map.axes[0],
    yCaption: map.axes[1],
  });
}

/**
 * The model's latent map, n × n: on the "prior" grid spaced by Φ⁻¹ over (range, 1 − range)
 * around the prior's centre; on the "codes" grid evenly over the bounding box of the codes
 * (centred on their mean in the principal plane of a wider latent). Returns the grid and how it
 * was spaced.
 */
export function modelLatentMap(model: LatentModel, codes: Tensor, n: number, options: { range?: number; grid?: LatentGrid } = {}): { map: LatentMap; spacing: string } {
  const range = options.range ?? 0.05;
  if ((options.grid ?? latentGridFor(model)) === "prior") {
    const grid = normalQuantileGrid(n, range, 1 - range);
    return { map: latentMap(model, { xValues: grid, yValues: grid, codes }), spacing: `z = inverse Gaussian CDF of ${range}..${1 - range}` };
  }
  const points = projectTo2D(codes);
  const centre = model.latentSize > 2 ? meanOf(points) : [0, 0];
  const [xs, ys] = [points.map((p) => p[0] - (centre[0] as number)), points.map((p) => p[1] - (centre[1] as number))];
  const map = latentMap(model, { xValues: linspace(Math.min(...xs), Math.max(...xs), n), yValues: linspace(Math.min(...ys), Math.max(...ys), n), codes, center: "codes" });
  const why = model.kind === "vae" ? " (no KL term pulled them to the prior)" : "";
  return { map, spacing: `even grid over the codes' bounding box${why}` };
}

function meanOf(points: readonly (readonly [number, number])[]): [number, number] {
  const total = points.reduce((t, p) => [t[0] + p[0], t[1] + p[1]], [0, 0]);
  return [total[0] / points.length, total[1] / points.length];
}

export interface TraversalOrder {
  /** Per dimension: the KL (VAE, nats averaged over the images) or the codes' variance (AE). */
  scores: number[];
  /** Dimensions sorted by score, highest first. */
  order: number[];
  /** Active units: codes' variance over the images above 0.01 (Burda et al. 2016). */
  active: boolean[];
  scoreName: "KL" | "variance";
}

/** How much each latent dimension is used, over test images `x`: what the traversal rows are ordered by. */
export function traversalOrder(model: LatentModel, x: Tensor): TraversalOrder {
  const codes = codesOf(model, x);
  const variances = activeUnits(codes).variances;
  let scores = variances;
  if (model.kind === "vae") {
    const { mu, logVar } = noGrad(() => model.encode(x));
    scores = Array.from(noGrad(() => gaussianKLPerDimension(mu, logVar).mean(0)).data);
  }
  const order = scores.map((_, d) => d).sort((a, b) => (scores[b] as number) - (scores[a] as number));
  return { scores, order, active: variances.map((v) => v > 0.01), scoreName: model.kind === "vae" ? "KL" : "variance" };
}

export interface TraversalFigureOptions {
  /** The code the other dimensions are held at, [latent]. */
  base: Tensor;
  baseName: string;
  /** Dimensions to sweep, in row order. */
  dims: number[];
  ranking: TraversalOrder;
  /** Sweep each dimension over [-range, range]. Default 3. */
  range?: number;
  /** Images per row. Default 11. */
  steps?: number;
  subtitle: string;
  size: { height: number; width: number };
}

/** One row per dimension swept over [-range, range], the others held at `base`; active units marked. */
export function traversalFigure(model: LatentModel, options: TraversalFigureOptions): Canvas {
  const range = options.range ?? 3;
  const values = linspace(-range, range, options.steps ?? 11);
  const images = noGrad(() => model.decodeMean(traversalCodes(options.base, options.dims, values)));
  const { ranking } = options;
  return imageGridFigure(images, options.size, {
    title: [
      `${modelName(model)}: latent traversals`,
      `rows: dimensions by ${ranking.scoreName}, highest first (red bar: active unit), others held at ${options.baseName}`,
      options.subtitle,
    ],
    cols: values.length,
    rowLabels: options.dims.map((d) => `z${d} ${ranking.scoreName === "KL" ? "KL" : "var"} ${tickLabel(ranking.scores[d] as number)}`),
    markedRows: options.dims.map((d) => ranking.active[d] as boolean),
    colLabels: values.map(tickLabel),
    xCaption: `value of the swept dimension`,
  });
}

export interface AttributeFigureOptions {
  from: number;
  to: number;
  alphas: number[];
  /** Source-class test images to show, one row each. Default 8. */
  rows?: number;
  labelNames?: readonly string[];
  subtitle: string;
  size: { height: number; width: number };
}

/**
 * Attribute vectors (note 000): v = z̄_to − z̄_from, the class means of the codes of test
 * images `x`; each row decodes z + α v for one image of class `from`.
 */
export function attributeFigure(model: LatentModel, x: Tensor, labels: Uint8Array, options: AttributeFigureOptions): { canvas: Canvas; vectorNorm: number } {
  const codes = codesOf(model, x);
  const vector = noGrad(() => classMean(codes, labels, options.to).sub(classMean(codes, labels, options.from)));
  const sources = Array.from(labels.keys()).filter((i) => labels[i] === options.from).slice(0, options.rows ?? 8);
  const sourceCodes = noGrad(() => codes.gather(sources, 0));
  const images = noGrad(() => model.decodeMean(attributeCodes(sourceCodes, vector, options.alphas)));
  const name = (label: number): string => className(label, options.labelNames);
  const vectorNorm = Math.hypot(...Array.from(vector.data));
  return {
    canvas: imageGridFigure(images, options.size, {
      title: [`${modelName(model)}: attribute vector ${name(options.from)} -> ${name(options.to)}`, `z + alpha (mean code of ${name(options.to)} - mean code of ${name(options.from)}), |v| = ${tickLabel(vectorNorm)}`, options.subtitle],
      cols: options.alphas.length,
      colLabels: options.alphas.map((a) => `a=${tickLabel(a)}`),
      xCaption: "alpha (0: the image's own code)",
    }),
    vectorNorm,
  };
}
