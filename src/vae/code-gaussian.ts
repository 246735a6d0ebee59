/**
 * A Gaussian fitted to codes: how an autoencoder, which has no prior, is sampled from. Mean and
 * full covariance of the training codes, drawn as z = m + L ε with L Lᵀ = Σ (Cholesky) and
 * ε ~ N(0, I) from the caller's generator.
 */
import { randn, tensor, type Tensor } from "../autograd/index.js";
import { formatShape, NDArray, ShapeError, type Generator } from "../tensor/index.js";
import type { LatentModel } from "./autoencoder.js";

export interface CodeGaussian {
  /** The mean of the codes, [latent]. */
  mean: Float64Array;
  /** The lower Cholesky factor of their covariance, row-major [latent, latent]. */
  cholesky: Float64Array;
  /** Codes the fit was made from. */
  count: number;
}

/** Fit N(m, Σ) to codes [examples, latent]; a tiny ridge (1e-6 of the mean variance) keeps Σ positive definite. */
export function fitCodeGaussian(codes: Tensor): CodeGaussian {
  if (codes.rank !== 2 || (codes.shape[0] as number) < 2) throw new ShapeError(`fitCodeGaussian: expected codes [examples ≥ 2, latent], got ${formatShape(codes.shape)}`);
  const [n, latent] = codes.shape as [number, number];
  const mean = new Float64Array(latent);
  for (let i = 0; i < n; i++) for (let d = 0; d < latent; d++) mean[d] = (mean[d] as number) + (codes.data[i * latent + d] as number) / n;
  const covariance = new Float64Array(latent * latent);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < latent; a++) {
      const da = (codes.data[i * latent + a] as number) - (mean[a] as number);
      for (let b = 0; b <= a; b++) covariance[a * latent + b] = (covariance[a * latent + b] as number) + (da * ((codes.data[i * latent + b] as number) - (mean[b] as number))) / (n - 1);
    }
  }
  let trace = 0;
  for (let d = 0; d < latent; d++) trace += covariance[d * latent + d] as number;
  const ridge = Math.max(1e-12, (1e-6 * trace) / latent);
  for (let d = 0; d < latent; d++) covariance[d * latent + d] = (covariance[d * latent + d] as number) + ridge;
  // Cholesky–Banachiewicz on the lower triangle: L[a][b] = (Σ[a][b] − Σ_k L[a][k] L[b][k]) / L[b][b].
  const cholesky = new Float64Array(latent * latent);
  for (let a = 0; a < latent; a++) {
    for (let b = 0; b <= a; b++) {
      let total = covariance[a * latent + b] as number;
      for (let k = 0; k < b; k++) total -= (cholesky[a * latent + k] as number) * (cholesky[b * latent + k] as number);
      cholesky[a * latent + b] = a === b ? Math.sqrt(Math.max(total, ridge)) : total / (cholesky[b * latent + b] as number);
    }
  }
  return { mean, cholesky, count: n };
}

/** `n` codes z = m + L ε, [n, latent], in `dtype`. */
export function sampleCodeGaussian(fit: CodeGaussian, n: number, generator: Generator, dtype: "float32" | "float64" = "float32"): Tensor {
  const latent = fit.mean.length;
  const out = NDArray.zeros([n, latent], "float64");
  const eps = new Float64Array(latent);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < latent; d++) eps[d] = generator.normal();
    for (let a = 0; a < latent; a++) {
      let value = fit.mean[a] as number;
      for (let b = 0; b <= a; b++) value += (fit.cholesky[a * latent + b] as number) * (eps[b] as number);
      out.data[i * latent + a] = value;
    }
  }
  return tensor(out).to(dtype);
}

/**
 * `n` codes to decode into new examples: from the prior N(0, I) for a VAE; for an autoencoder,
 * which has no prior, from the Gaussian fitted to its training codes (`fit`, required).
 */
export function generativeCodes(model: LatentModel, n: number, generator: Generator, fit?: CodeGaussian): Tensor {
  if (model.kind === "vae") return randn([n, model.latentSize], { dtype: model.dtype, generator });
  if (!fit) throw new Error("generativeCodes: an autoencoder has no prior; pass the Gaussian fitted to its training codes (fitCodeGaussian)");
  if (fit.mean.length !== model.latentSize) throw new ShapeError(`generativeCodes: a fit of ${fit.mean.length} dimensions for a ${model.latentSize}-D autoencoder`);
  return sampleCodeGaussian(fit, n, generator, model.dtype);
}
