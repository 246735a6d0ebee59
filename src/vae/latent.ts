/** Tools on the latent space: interpolation paths and the number of active units. */
import { noGrad, tensor, type Tensor } from "../autograd/index.js";
import { NDArray } from "../tensor/index.js";

export type InterpolationMode = "linear" | "slerp";

/**
 * `steps` latent points from za to zb (both [latent]), inclusive: [steps, latent].
 * `linear`: (1 − t) za + t zb. `slerp` (Shoemake 1985): sin((1 − t)Ω)/sin Ω · za + sin(tΩ)/sin Ω · zb,
 * with Ω the angle between za and zb; it keeps the norm typical of N(0, I) samples along the way.
 * Falls back to linear when the two are (anti)parallel.
 */
export function interpolateLatents(za: Tensor, zb: Tensor, steps: number, mode: InterpolationMode = "linear"): Tensor {
  if (!Number.isInteger(steps) || steps < 2) throw new RangeError(`interpolate: steps must be an integer ≥ 2, got ${steps}`);
  if (za.rank !== 1 || zb.rank !== 1 || za.size !== zb.size) {
    throw new RangeError(`interpolate: endpoints must be two vectors of one length, got [${za.shape.join(",")}] and [${zb.shape.join(",")}]`);
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
