/**
 * Latent codes to decode for the notes' pictures: the decoded latent map (a regular grid over a
 * plane of the latent space, Kingma & Welling 2014, Fig. 4), traversals (one dimension swept,
 * the others held), and attribute vectors (z + α (z̄_target − z̄_source), note 000). Pure and
 * browser-safe: the latent explorer of web/ decodes the same grids.
 */
import { noGrad, tensor, type Tensor } from "../autograd/index.js";
import { formatShape, NDArray, ShapeError } from "../tensor/index.js";
import { principalPlane } from "./latent.js";

/** What decoding needs of a model: the VAE and the Autoencoder both fit. */
export interface LatentDecoder {
  readonly latentSize: number;
  decodeMean(z: Tensor): Tensor;
}

/**
 * The standard normal quantile Φ⁻¹(p) for p in (0, 1): Acklam's rational approximation
 * (relative error below 1.2e-9), polished by one Halley step on erfc, to about 1e-15.
 */
export function inverseNormalCdf(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`inverseNormalCdf: p must lie in (0, 1), got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const poly = (k: number[], x: number): number => k.reduce((total, coefficient) => total * x + coefficient, 0);
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = poly(c, q) / (poly(d, q) * q + 1);
  } else if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -poly(c, q) / (poly(d, q) * q + 1);
  } else {
    const q = p - 0.5;
    const r = q * q;
    x = (poly(a, r) * q) / (poly(b, r) * r + 1);
  }
  // Halley's step on f(x) = Φ(x) − p, with Φ(x) = erfc(−x/√2)/2.
  const e = 0.5 * erfc(-x / Math.SQRT2) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/**
 * The complementary error function erfc(x) = 2/√π ∫ₓ^∞ e^{-t²} dt, near float64 precision: the
 * Maclaurin series of erf below 0.5, Laplace's continued fraction (modified Lentz) above.
 */
function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 0.5) {
    let term = x;
    let total = x;
    for (let n = 1; n < 40; n++) {
      term *= (-x * x) / n;
      total += term / (2 * n + 1);
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * total;
  }
  // erfc(x) = e^{-x²}/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))), by modified Lentz.
  const tiny = 1e-300;
  let f = x;
  let cN = x;
  let dN = 0;
  for (let n = 1; n < 300; n++) {
    const an = n / 2;
    dN = x + an * dN;
    dN = Math.abs(dN) < tiny ? 1 / tiny : 1 / dN;
    cN = x + an / cN;
    if (Math.abs(cN) < tiny) cN = tiny;
    const delta = cN * dN;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}

/** `n` evenly spaced values from `low` to `high`, inclusive. */
export function linspace(low: number, high: number, n: number): number[] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`linspace: n must be a positive integer, got ${n}`);
  return Array.from({ length: n }, (_, i) => (n === 1 ? (low + high) / 2 : low + ((high - low) * i) / (n - 1)));
}

/** Φ⁻¹ of `n` evenly spaced probabilities in [low, high]: grid values spaced by the prior's mass. */
export function normalQuantileGrid(n: number, low = 0.05, high = 0.95): number[] {
  return linspace(low, high, n).map(inverseNormalCdf);
}

export interface LatentMap {
  /** The decoded grid, row-major [rows · cols, inputSize]: row 0 is the top (largest second coordinate). */
  images: Tensor;
  /** The first coordinate of each column, left to right, and the second of each row, top to bottom. */
  xValues: number[];
  yValues: number[];
  /** "z1, z2" for a 2-D latent, "PC 1, PC 2" when the grid lies in the codes' principal plane. */
  axes: [string, string];
}

export interface LatentMapOptions {
  /** The first and second coordinates of the grid's columns and rows (e.g. `normalQuantileGrid(20)`). */
  xValues: number[];
  yValues: number[];
  /**
   * For a latent of more than 2 dimensions: codes [examples, latent] whose two principal
   * directions span the plane (through `center`, default the origin). Unused for 2-D latents.
   */
  codes?: Tensor;
  /** Where the plane is centred: "origin" (the prior's centre) or "codes" (the codes' mean). Default "origin". */
  center?: "origin" | "codes";
}

/**
 * Decode a regular grid over a plane of the latent space: the (z1, z2) plane for a 2-D latent,
 * else the plane of the first two principal directions of `codes`.
 */
export function latentMap(model: LatentDecoder, options: LatentMapOptions): LatentMap {
  const { xValues, yValues } = options;
  const latent = model.latentSize;
  const rows = [...yValues].reverse();
  let origin: Float64Array = new Float64Array(latent);
  let first: Float64Array = Float64Array.from({ length: latent }, (_, d) => (d === 0 ? 1 : 0));
  let second: Float64Array = Float64Array.from({ length: latent }, (_, d) => (d === 1 ? 1 : 0));
  const projected = latent > 2;
  if (projected) {
    if (!options.codes) throw new ShapeError(`latentMap: a ${latent}-D latent needs codes to find its principal plane`);
    const plane = principalPlane(options.codes);
    first = plane.first;
    second = plane.second;
    if (options.center === "codes") origin = plane.mean;
  }
  const z = NDArray.zeros([rows.length * xValues.length, latent], "float64");
  rows.forEach((y, r) => {
    xValues.forEach((x, c) => {
      for (let d = 0; d < latent; d++) z.data[(r * xValues.length + c) * latent + d] = (origin[d] as number) + x * (first[d] as number) + y * (second[d] as number);
    });
  });
  const images = noGrad(() => model.decodeMean(tensor(z).to(dtypeOf(model))));
  return { images, xValues: [...xValues], yValues: rows, axes: projected ? ["PC 1", "PC 2"] : ["z1", "z2"] };
}

function dtypeOf(model: LatentDecoder): "float32" | "float64" {
  return (model as { dtype?: "float32" | "float64" }).dtype ?? "float32";
}

/** Throw unless `z` is one latent vector of the model's size. */
function checkVector(op: string, z: Tensor, latent: number): void {
  if (z.rank !== 1 || z.size !== latent) throw new ShapeError(`${op}: expected a latent vector [${latent}], got ${formatShape(z.shape)}`);
}

/**
 * Latent traversals (Higgins et al. 2017, the β-VAE picture): for each dimension in `dims`, a
 * row of `values.length` codes equal to `base` except that dimension, set to each value.
 * Returns the codes [dims.length · values.length, latent] (decode them with `decodeMean`).
 */
export function traversalCodes(base: Tensor, dims: readonly number[], values: readonly number[]): Tensor {
  const latent = base.size;
  checkVector("traversalCodes", base, latent);
  for (const d of dims) if (!Number.isInteger(d) || d < 0 || d >= latent) throw new RangeError(`traversalCodes: dimension ${d} is not in [0, ${latent})`);
  const out = NDArray.zeros([dims.length * values.length, latent], "float64");
  dims.forEach((dim, row) => {
    values.forEach((value, col) => {
      const offset = (row * values.length + col) * latent;
      for (let d = 0; d < latent; d++) out.data[offset + d] = base.data[d] as number;
      out.data[offset + dim] = value;
    });
  });
  return tensor(out).to(base.dtype);
}

/** The mean code of the examples whose label is `label` ([latent]); an error if there are none. */
export function classMean(codes: Tensor, labels: ArrayLike<number>, label: number): Tensor {
  if (codes.rank !== 2 || codes.shape[0] !== labels.length) {
    throw new ShapeError(`classMean: expected codes [examples, latent] with one label each, got ${formatShape(codes.shape)} and ${labels.length} labels`);
  }
  const latent = codes.shape[1] as number;
  const mean = new Float64Array(latent);
  let count = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== label) continue;
    count++;
    for (let d = 0; d < latent; d++) mean[d] = (mean[d] as number) + (codes.data[i * latent + d] as number);
  }
  if (count === 0) throw new RangeError(`classMean: no example has label ${label}`);
  return tensor(new NDArray(mean.map((v) => v / count), [latent])).to(codes.dtype);
}

/**
 * Attribute arithmetic (note 000, "Altering specific features"): for each code z of `codes`
 * ([n, latent]) and each α, z + α·vector, row by row: [n · alphas.length, latent].
 */
export function attributeCodes(codes: Tensor, vector: Tensor, alphas: readonly number[]): Tensor {
  const latent = vector.size;
  checkVector("attributeCodes", vector, latent);
  if (codes.rank !== 2 || codes.shape[1] !== latent) throw new ShapeError(`attributeCodes: expected codes [n, ${latent}], got ${formatShape(codes.shape)}`);
  const n = codes.shape[0] as number;
  const out = NDArray.zeros([n * alphas.length, latent], "float64");
  for (let i = 0; i < n; i++) {
    alphas.forEach((alpha, k) => {
      for (let d = 0; d < latent; d++) out.data[(i * alphas.length + k) * latent + d] = (codes.data[i * latent + d] as number) + alpha * (vector.data[d] as number);
    });
  }
  return tensor(out).to(codes.dtype);
}
