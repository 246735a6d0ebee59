/**
 * The debiasing VAE (DB-VAE; Amini et al. 2019, "Uncovering and Mitigating Algorithmic Bias
 * through Learned Latent Structure", AIES; note 001, "Debiasing image recognition"): a binary
 * classifier whose penultimate features also feed a VAE head, trained jointly, so that the
 * latent space learns what the training images look like while the classifier learns their
 * label. The latent density then says which kinds of image are rare (see resampling.ts).
 *
 *   features h(x) ── classifier head ── logit of y = 1
 *              └──── μ(h), log σ²(h) ── z = μ + σ ⊙ ε ── decoder ── pixel logits
 *
 *   loss = BCE(logit, y) + w · (−ELBO(x)),   w = 1 / pixels by default
 *
 * The ELBO is in nats per image (summed over pixels), so w = 1 / pixels puts both terms in
 * nats per pixel, as the MIT 6.S191 lab's per-pixel reconstruction loss does. w = 0 is the
 * plain classifier with the same network: the comparison the experiment makes.
 */
import { bceWithLogits, defaultGenerator, type Tensor } from "../autograd/index.js";
import { Linear, Module, ReLU, Sequential, type Layer } from "../nn/index.js";
import { DEFAULT_DTYPE, type DType, type Generator } from "../tensor/index.js";
import { bernoulliLogLikelihood } from "./likelihood.js";
import { boundLogVar, checkEpsilon, gaussianKL, reparameterize, sampleEpsilon } from "./gaussian.js";

export interface DebiasingVAEConfig {
  inputSize: number;
  /** Hidden sizes of the shared feature stack; the decoder mirrors them. Default [128]. */
  hiddenSizes?: number[];
  /** Latent dimensions of the VAE head. Default 8. */
  latentSize?: number;
  dtype?: DType;
  generator?: Generator;
}

/** Linear + ReLU through `sizes`, a ReLU after every layer. */
function reluStack(sizes: number[], options: { dtype: DType; generator: Generator }): Sequential {
  const layers: Layer[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) layers.push(new Linear(sizes[i] as number, sizes[i + 1] as number, options), new ReLU());
  return new Sequential(...layers);
}

export interface DebiasingOutputs {
  /** The logit of y = 1, [batch]. */
  logits: Tensor;
  mu: Tensor;
  logVar: Tensor;
}

export class DebiasingVAE extends Module {
  readonly inputSize: number;
  readonly hiddenSizes: number[];
  readonly latentSize: number;
  readonly dtype: DType;
  readonly features: Sequential;
  readonly classifierHead: Linear;
  readonly meanHead: Linear;
  readonly logVarHead: Linear;
  readonly decoder: Sequential;
  readonly outputLayer: Linear;

  constructor(config: DebiasingVAEConfig) {
    super();
    this.inputSize = config.inputSize;
    this.hiddenSizes = config.hiddenSizes ?? [128];
    this.latentSize = config.latentSize ?? 8;
    this.dtype = config.dtype ?? DEFAULT_DTYPE;
    for (const size of [this.inputSize, this.latentSize, ...this.hiddenSizes]) {
      if (!Number.isInteger(size) || size <= 0) throw new RangeError(`DebiasingVAE: layer sizes must be positive integers, got ${size}`);
    }
    if (this.hiddenSizes.length === 0) throw new RangeError("DebiasingVAE: needs at least one hidden layer (the shared features)");
    const options = { dtype: this.dtype, generator: config.generator ?? defaultGenerator };
    const last = this.hiddenSizes[this.hiddenSizes.length - 1] as number;
    this.features = this.registerModule("features", reluStack([this.inputSize, ...this.hiddenSizes], options));
    this.classifierHead = this.registerModule("classifierHead", new Linear(last, 1, options));
    this.meanHead = this.registerModule("meanHead", new Linear(last, this.latentSize, options));
    this.logVarHead = this.registerModule("logVarHead", new Linear(last, this.latentSize, options));
    this.decoder = this.registerModule("decoder", reluStack([this.latentSize, ...[...this.hiddenSizes].reverse()], options));
    this.outputLayer = this.registerModule("outputLayer", new Linear(this.hiddenSizes[0] as number, this.inputSize, options));
  }

  /** The class logit and q(z|x) from the shared features. */
  forward(x: Tensor): DebiasingOutputs {
    const h = this.features.forward(x);
    return {
      logits: this.classifierHead.forward(h).reshape([x.shape[0] as number]),
      mu: this.meanHead.forward(h),
      logVar: boundLogVar(this.logVarHead.forward(h)),
    };
  }

  /** Pixel logits of p(x|z). */
  decode(z: Tensor): Tensor {
    return this.outputLayer.forward(this.decoder.forward(z));
  }
}

export interface DebiasingLossOptions {
  /** Weight w of −ELBO; default 1 / inputSize. 0 trains the plain classifier. */
  vaeWeight?: number;
  generator?: Generator;
  /** A fixed ε [batch, latent] instead of a draw (gradient checks). */
  eps?: Tensor;
}

export interface DebiasingLoss {
  loss: Tensor;
  /** Mean binary cross-entropy, nats per image. */
  classification: Tensor;
  /** The ELBO, nats per image (one-sample reconstruction, closed-form KL); null when w = 0 (not computed). */
  elbo: Tensor | null;
}

/** BCE(logit, y) + w · (−ELBO(x)), each averaged over the batch; `y` holds 0 or 1 per image. */
export function debiasingLoss(model: DebiasingVAE, x: Tensor, y: Tensor, options: DebiasingLossOptions = {}): DebiasingLoss {
  const weight = options.vaeWeight ?? 1 / model.inputSize;
  if (!Number.isFinite(weight) || weight < 0) throw new RangeError(`debiasingLoss: vaeWeight must be a finite number ≥ 0, got ${weight}`);
  const { logits, mu, logVar } = model.forward(x);
  const classification = bceWithLogits(logits, y).mean();
  if (weight === 0) return { loss: classification, classification, elbo: null };
  const eps = options.eps ?? sampleEpsilon(mu.shape, options.generator ?? defaultGenerator, mu.dtype);
  checkEpsilon("debiasingLoss", eps, mu.shape);
  const reconstruction = bernoulliLogLikelihood(model.decode(reparameterize(mu, logVar, eps)), x).mean();
  const elbo = reconstruction.sub(gaussianKL(mu, logVar).mean());
  return { loss: classification.sub(elbo.mul(weight)), classification, elbo };
}
