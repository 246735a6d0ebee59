/**
 * Two unbiased estimators of the ELBO's gradient with respect to the encoder (docs/elbo.md,
 * section 10), and a measurement of their variance. The KL term is in closed form in both; they
 * differ in how they differentiate the reconstruction term E_q[log p(x|z)] through the sampling:
 *
 * - reparameterized (eqs. 11-12): z = μ + σ ⊙ ε, and the gradient flows through z: `elbo`'s loss;
 * - score function, or REINFORCE (eq. 16): z is a constant draw, and the gradient is
 *   log p(x|z) · ∇ log q(z|x), which needs no derivative of the decoder with respect to z.
 *
 * Each gives a loss: a scalar whose `backward()` puts one draw of the estimator of −∇ELBO in the
 * parameters' `grad` (the decoder's gradient is the same in both).
 */
import { defaultGenerator, noGrad, type Tensor } from "../autograd/index.js";
import type { Generator } from "../tensor/index.js";
import { checkEpsilon, gaussianKL, gaussianLogDensity, reparameterize, sampleEpsilon } from "./gaussian.js";
import { elbo } from "./elbo.js";
import type { VAE } from "./model.js";

export type GradientEstimator = "reparameterized" | "score-function";

export interface EstimatorOptions {
  /** Draws ε. Default: the shared `defaultGenerator`. */
  generator?: Generator;
  /** A fixed ε ([batch, latent]) instead of a draw. */
  eps?: Tensor;
}

/**
 * The negative ELBO of a batch, averaged over it, whose gradient with respect to the encoder
 * is the score-function (REINFORCE) estimate (eq. 16):
 *
 *   ∇_φ E_q[log p(x|z)] = E_q[log p(x|z) ∇_φ log q_φ(z|x)],
 *
 * from one draw z ~ q per example. z is a constant (no path from φ to it), log p(x|z) enters
 * as a constant weight on log q(z|x), and its own gradient reaches only the decoder. The value
 * of the returned scalar is not the ELBO; only its gradient means something.
 */
export function scoreFunctionSurrogate(model: VAE, x: Tensor, options: EstimatorOptions = {}): Tensor {
  const { mu, logVar } = model.encode(x);
  const eps = options.eps ?? sampleEpsilon(mu.shape, options.generator ?? defaultGenerator, mu.dtype);
  checkEpsilon("scoreFunctionSurrogate", eps, mu.shape);
  const z = noGrad(() => reparameterize(mu, logVar, eps)); // a draw from q, cut off from φ
  const logLikelihood = model.logLikelihood(model.decode(z), x); // [batch]; its gradient: the decoder's
  const logQ = gaussianLogDensity(z, mu, logVar); // log q(z|x), differentiable in μ and log σ²
  const score = logLikelihood.detach().mul(logQ); // log p(x|z) · log q(z|x): gradient f ∇ log q
  return logLikelihood.add(score).sub(gaussianKL(mu, logVar)).mean().neg();
}

/** The encoder's parameters (encoder, mean and log-variance heads): what the two estimators disagree on. */
export function encoderParameters(model: VAE): Tensor[] {
  return model
    .namedParameters()
    .filter(([name]) => name.startsWith("encoder.") || name.startsWith("meanHead.") || name.startsWith("logVarHead."))
    .map(([, p]) => p);
}

export interface GradientStatistics {
  /** The average of the draws of −∇ELBO over the encoder's parameters, flattened in order. */
  mean: Float64Array;
  /** Each coordinate's variance over the draws (unbiased, n − 1). */
  variance: Float64Array;
  /** Σ of `variance`: the trace of the estimator's covariance, one number to compare. */
  totalVariance: number;
  draws: number;
}

/**
 * Draw `draws` estimates of the encoder's gradient of the negative ELBO on the same model and
 * batch `x`, with one estimator, and return their mean and variance per coordinate (Welford's
 * update, in float64). The model's parameters are left unchanged; their `grad` is cleared.
 */
export function gradientStatistics(model: VAE, x: Tensor, estimator: GradientEstimator, options: { draws: number; generator: Generator }): GradientStatistics {
  const { draws, generator } = options;
  if (!Number.isInteger(draws) || draws < 2) throw new RangeError(`gradientStatistics: draws must be an integer ≥ 2, got ${draws}`);
  const parameters = encoderParameters(model);
  const size = parameters.reduce((total, p) => total + p.size, 0);
  const mean = new Float64Array(size);
  const squares = new Float64Array(size);
  const loss = (): Tensor => (estimator === "reparameterized" ? elbo(model, x, { generator }).loss : scoreFunctionSurrogate(model, x, { generator }));
  for (let draw = 1; draw <= draws; draw++) {
    model.zeroGrad();
    loss().backward();
    let offset = 0;
    for (const p of parameters) {
      const grad = p.grad?.data;
      for (let i = 0; i < p.size; i++, offset++) {
        const value = grad ? (grad[i] as number) : 0;
        const delta = value - (mean[offset] as number);
        mean[offset] = (mean[offset] as number) + delta / draw;
        squares[offset] = (squares[offset] as number) + delta * (value - (mean[offset] as number));
      }
    }
  }
  model.zeroGrad();
  const variance = squares.map((s) => s / (draws - 1));
  return { mean, variance, totalVariance: variance.reduce((a, b) => a + b, 0), draws };
}
