/** Tools on the latent space: interpolation paths and the number of active units. */
import { noGrad, tensor, type Tensor } from "../autograd/index.js";
import { formatShape, NDArray, ShapeError } from "../tensor/index.js";

export type InterpolationMode = "linear" | "slerp";

/**
 * `steps` latent points from za to zb (both [latent]), inclusive: [steps, latent].
 * `linear`: (1 − t) za + t zb. `slerp` (Shoemake 1985): sin((1 − t)Ω)/sin Ω · za + sin(tΩ)/sin Ω · zb,
 * with Ω the angle between za and zb; it keeps the norm typical of N(0, I) samples along the way.
 * Falls back to linear when the two are (anti)parallel.
 */
export function interpolateLatents(za: Tensor, zb: Tensor, steps: number, mode: InterpolationMode = "linear"): Tensor {
  if (!Number.isInteger(steps) || steps < 2) throw new RangeError(`interpolateLatents: steps must be an integer ≥ 2, got ${steps}`);
  if (za.rank !== 1 || zb.rank !== 1 || za.size !== zb.size) {
    throw new RangeError(`interpolateLatents: endpoints must be two vectors of one length, got [${za.shape.join(",")}] and [${zb.shape.join(",")}]`);
  }
  const a = za.data;
  const b = zb.data;
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    normA += (a[i] as number) ** 2;
    normB += (b[i] as number) ** 2;
  }
  const omega = Math.acos(Math.min(1, Math.max(-1, dot / Math.sqrt(normA * normB))));
  const useSlerp = mode === "slerp" && Math.sin(omega) > 1e-6;
  const out = NDArray.zeros([steps, a.length], za.dtype);
  for (let s = 0; s < steps; s++) {
    const t = s / (steps - 1);
    const wa = useSlerp ? Math.sin((1 - t) * omega) / Math.sin(omega) : 1 - t;
    const wb = useSlerp ? Math.sin(t * omega) / Math.sin(omega) : t;
    for (let i = 0; i < a.length; i++) out.data[s * a.length + i] = wa * (a[i] as number) + wb * (b[i] as number);
  }
  return tensor(out);
}

/** Throw unless `points` is a [examples, latent] matrix, naming the function and the shape. */
function checkMatrix(op: string, points: Tensor): void {
  if (points.rank !== 2) throw new ShapeError(`${op}: expected [examples, latent], got shape ${formatShape(points.shape)}`);
}

export interface ActiveUnits {
  /** Dimensions whose posterior mean varies across the data by more than the threshold. */
  count: number;
  /** Var over examples of E_q[z_d | x], per latent dimension. */
  variances: number[];
}

/**
 * Active units (Burda et al. 2016): dimension d is active when Cov_x(E_q[z_d | x]) > threshold
 * (0.01). `mu` holds the posterior means of many examples, [examples, latent].
 */
export function activeUnits(mu: Tensor, threshold = 0.01): ActiveUnits {
  checkMatrix("activeUnits", mu);
  return noGrad(() => {
    const [examples, latent] = mu.shape as [number, number];
    const variances: number[] = [];
    for (let d = 0; d < latent; d++) {
      let mean = 0;
      for (let i = 0; i < examples; i++) mean += mu.data[i * latent + d] as number;
      mean /= examples;
      let variance = 0;
      for (let i = 0; i < examples; i++) variance += ((mu.data[i * latent + d] as number) - mean) ** 2;
      variances.push(variance / Math.max(1, examples - 1));
    }
    return { count: variances.filter((v) => v > threshold).length, variances };
  });
}

export interface PrincipalPlane {
  /** The points' mean, [latent]. */
  mean: Float64Array;
  /** The first two principal directions (unit vectors) and the variances along them. */
  first: Float64Array;
  second: Float64Array;
  variances: [number, number];
}

/**
 * The plane of the first two principal components of points ([examples, latent], latent ≥ 2):
 * power iteration on the covariance matrix, with deflation.
 */
export function principalPlane(points: Tensor): PrincipalPlane {
  checkMatrix("principalPlane", points);
  const [examples, latent] = points.shape as [number, number];
  if (latent < 2) throw new ShapeError(`principalPlane: needs at least 2 dimensions, got shape ${formatShape(points.shape)}`);
  const data = points.data;
  const mean = new Float64Array(latent);
  for (let i = 0; i < examples; i++) for (let d = 0; d < latent; d++) mean[d] = (mean[d] as number) + (data[i * latent + d] as number) / examples;
  const covariance = new Float64Array(latent * latent);
  for (let i = 0; i < examples; i++) {
    for (let a = 0; a < latent; a++) {
      const da = (data[i * latent + a] as number) - (mean[a] as number);
      for (let b = 0; b < latent; b++) covariance[a * latent + b] = (covariance[a * latent + b] as number) + (da * ((data[i * latent + b] as number) - (mean[b] as number))) / examples;
    }
  }
  const first = powerIteration(covariance, latent);
  // Deflate: C - λ v vᵀ, then the leading eigenvector of what remains is the second component.
  for (let a = 0; a < latent; a++) {
    for (let b = 0; b < latent; b++) covariance[a * latent + b] = (covariance[a * latent + b] as number) - first.value * (first.vector[a] as number) * (first.vector[b] as number);
  }
  const second = powerIteration(covariance, latent);
  return { mean, first: first.vector, second: second.vector, variances: [first.value, second.value] };
}

/**
 * Project points ([examples, latent]) onto their first two principal components, for a 2-D
 * picture of a latent space with more than two dimensions. A 2-D latent is returned as is.
 */
export function projectTo2D(points: Tensor): [number, number][] {
  checkMatrix("projectTo2D", points);
  const [examples, latent] = points.shape as [number, number];
  const data = points.data;
  if (latent === 2 || latent === 1) {
    return Array.from({ length: examples }, (_, i) => [data[i * latent] as number, latent === 2 ? (data[i * latent + 1] as number) : 0]);
  }
  const { mean, first, second } = principalPlane(points);
  return Array.from({ length: examples }, (_, i) => {
    const project = (v: Float64Array): number => {
      let total = 0;
      for (let d = 0; d < latent; d++) total += ((data[i * latent + d] as number) - (mean[d] as number)) * (v[d] as number);
      return total;
    };
    return [project(first), project(second)];
  });
}

/** The leading eigenvector and eigenvalue of a symmetric n×n matrix, from a fixed start. */
function powerIteration(matrix: Float64Array, n: number): { vector: Float64Array; value: number } {
  let vector = new Float64Array(n).map((_, i) => 1 + i / n);
  let value = 0;
  for (let iteration = 0; iteration < 500; iteration++) {
    const next = new Float64Array(n);
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) next[a] = (next[a] as number) + (matrix[a * n + b] as number) * (vector[b] as number);
    const norm = Math.hypot(...next);
    if (norm === 0) break;
    for (let a = 0; a < n; a++) next[a] = (next[a] as number) / norm;
    const converged = next.every((v, a) => Math.abs(v - (vector[a] as number)) < 1e-10);
    vector = next;
    value = norm;
    if (converged) break;
  }
  return { vector, value };
}
