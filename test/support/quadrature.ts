/**
 * The integrals of docs/elbo.md by quadrature, for VAEs with a 1-D or 2-D latent: what
 * `src/vae/marginal.ts` computes (log p(x), the ELBO, KL(q ‖ p(z|x))), plus the moments the
 * derivation tests need besides: the mass of q on the grid, the KL to the prior and the variance
 * of log p(x|z) under q, all on the same grid and decode.
 */
import { tensor } from "../../src/index.js";
import { decomposeEvidence, latentIntegrands, type QuadratureOptions } from "../../src/vae/marginal.js";
import type { VAE } from "../../src/vae/index.js";

export interface Quadrature {
  /** log p(x) = log ∫ p(x|z) p(z) dz (eq. 2). */
  logEvidence: number;
  /** E_q[log p(x|z)]. */
  expectedLogLikelihood: number;
  /** Var_q[log p(x|z)]: the variance of a one-sample Monte Carlo estimate of the above. */
  logLikelihoodVariance: number;
  /** ∫ q(z|x) dz: 1 up to the quadrature error on a Gaussian. */
  posteriorMass: number;
  /** KL(q(z|x) ‖ p(z)) by quadrature. */
  klPrior: number;
  /** KL(q(z|x) ‖ p(z|x)), with p(z|x) = p(x|z) p(z) / p(x). */
  klPosterior: number;
  /** |log p(x) on this grid − log p(x) on every other point|: the evidence's quadrature error. */
  evidenceError: number;
  /** The grid's spacing along each latent axis. */
  spacing: number[];
}

/** The quadrature of one example `x` ([inputSize]) under `model`, whose latent has 1 or 2 dimensions. */
export function quadrature(model: VAE, x: readonly number[], options: QuadratureOptions & { maxSpacing: number }): Quadrature {
  const integrands = latentIntegrands(model, tensor([[...x]], { dtype: model.dtype }), options);
  const { logEvidence, evidenceError, posteriorKL } = decomposeEvidence(integrands);
  const { grid, logLikelihood, logJoint, logQ } = integrands;
  let posteriorMass = 0;
  let expected = 0;
  let klPrior = 0;
  for (let i = 0; i < logQ.length; i++) {
    const weight = Math.exp((grid.logWeights[i] as number) + (logQ[i] as number));
    posteriorMass += weight;
    expected += weight * (logLikelihood[i] as number);
    // log p(z) = log p(x, z) − log p(x|z)
    klPrior += weight * ((logQ[i] as number) - ((logJoint[i] as number) - (logLikelihood[i] as number)));
  }
  let variance = 0;
  for (let i = 0; i < logQ.length; i++) variance += Math.exp((grid.logWeights[i] as number) + (logQ[i] as number)) * ((logLikelihood[i] as number) - expected) ** 2;
  return { logEvidence, expectedLogLikelihood: expected, logLikelihoodVariance: variance, posteriorMass, klPrior, klPosterior: posteriorKL, evidenceError, spacing: grid.spacing };
}
