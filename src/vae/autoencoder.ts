/**
 * The deterministic autoencoder the notes compare the VAE with (note 000, "From basic
 * deterministic AE to Variational AE"): the VAE's encoder and decoder shapes, but a single code
 * head, so each x maps to one point z = f(x) instead of a distribution, and training has the
 * reconstruction term only (`autoencoderObjective`). The decoder's likelihood is the VAE's, so
 * "reconstruction" is the same log p(x|z) in nats and the two models' numbers compare directly.
 */
import { defaultGenerator, full, noGrad, type Tensor } from "../autograd/index.js";
import { Linear, Module, type Sequential } from "../nn/index.js";
import { DEFAULT_DTYPE, type DType, type Generator } from "../tensor/index.js";
import { bernoulliLogLikelihood, gaussianLogLikelihood } from "./likelihood.js";
import { interpolateLatents, type InterpolationMode } from "./latent.js";
import { hiddenStack } from "./architecture.js";
import type { Likelihood, VAE } from "./model.js";
import type { Objective } from "./objective.js";

/** Either model of the notes' comparison; `kind` tells them apart. */
export type LatentModel = VAE | Autoencoder;

export interface AutoencoderConfig {
  /** Pixels per example (784 for 28×28). */
  inputSize: number;
  /** Hidden layer sizes of the encoder; the decoder mirrors them. Default [400]. */
  hiddenSizes?: number[];
  /** Code dimensions. Default 20. */
  latentSize?: number;
  /** The decoder's p(x|z) (Gaussian: unit variance). Default "bernoulli". */
  likelihood?: Likelihood;
  dtype?: DType;
  /** Initializes the weights. Default: the shared `defaultGenerator`. */
  generator?: Generator;
}

export class Autoencoder extends Module {
  readonly kind = "ae";
  /** Always 0: the autoencoder is unconditional (a conditional VAE has its number of classes here). */
  readonly classes = 0;
  readonly inputSize: number;
  readonly hiddenSizes: number[];
  readonly latentSize: number;
  readonly likelihood: Likelihood;
  readonly dtype: DType;
  readonly encoder: Sequential;
  readonly codeHead: Linear;
  readonly decoder: Sequential;
  readonly outputLayer: Linear;

  constructor(config: AutoencoderConfig) {
    super();
    this.inputSize = config.inputSize;
    this.hiddenSizes = config.hiddenSizes ?? [400];
    this.latentSize = config.latentSize ?? 20;
    this.likelihood = config.likelihood ?? "bernoulli";
    this.dtype = config.dtype ?? DEFAULT_DTYPE;
    for (const size of [this.inputSize, this.latentSize, ...this.hiddenSizes]) {
      if (!Number.isInteger(size) || size <= 0) throw new RangeError(`Autoencoder: layer sizes must be positive integers, got ${size}`);
    }
    const options = { dtype: this.dtype, generator: config.generator ?? defaultGenerator };
    const lastHidden = this.hiddenSizes[this.hiddenSizes.length - 1] ?? this.inputSize;
    this.encoder = this.registerModule("encoder", hiddenStack([this.inputSize, ...this.hiddenSizes], options));
    this.codeHead = this.registerModule("codeHead", new Linear(lastHidden, this.latentSize, options));
    this.decoder = this.registerModule("decoder", hiddenStack([this.latentSize, ...[...this.hiddenSizes].reverse()], options));
    const firstHidden = this.hiddenSizes[0] ?? this.latentSize;
    this.outputLayer = this.registerModule("outputLayer", new Linear(firstHidden, this.inputSize, options));
  }

  /** The code z = f(x), [batch, latent]. */
  encode(x: Tensor): Tensor {
    return this.codeHead.forward(this.encoder.forward(x));
  }

  /** The code of x (as `VAE.codes` gives the posterior mean): what the latent tools use. */
  codes(x: Tensor): Tensor {
    return this.encode(x);
  }

  /** The decoder's output for z: logits (Bernoulli) or means (Gaussian), [..., inputSize]. */
  decode(z: Tensor): Tensor {
    return this.outputLayer.forward(this.decoder.forward(z));
  }

  /** log p(x|z) per example, summed over pixels; `decoded` is `decode(z)`. */
  logLikelihood(decoded: Tensor, x: Tensor): Tensor {
    return this.likelihood === "bernoulli" ? bernoulliLogLikelihood(decoded, x) : gaussianLogLikelihood(decoded, x, full([], 0, { dtype: this.dtype }));
  }

  /** Pixel probabilities σ(logits) (Bernoulli) or the means (Gaussian). */
  decodeMean(z: Tensor): Tensor {
    const decoded = this.decode(z);
    return this.likelihood === "bernoulli" ? decoded.sigmoid() : decoded;
  }

  /** Reconstructions: the decoder's mean at z = f(x). */
  reconstruct(x: Tensor): Tensor {
    return noGrad(() => this.decodeMean(this.encode(x)));
  }

  /** Decode `steps` points on the path between the codes of two inputs. */
  interpolate(a: Tensor, b: Tensor, steps: number, options: { mode?: InterpolationMode } = {}): Tensor {
    return noGrad(() => {
      const za = this.encode(a.reshape([1, this.inputSize])).reshape([this.latentSize]);
      const zb = this.encode(b.reshape([1, this.inputSize])).reshape([this.latentSize]);
      return this.decodeMean(interpolateLatents(za, zb, steps, options.mode ?? "linear"));
    });
  }
}

/**
 * The autoencoder's objective: the reconstruction term alone, loss −log p(x | z = f(x)) per
 * example (the notes' L_rec; with the Gaussian likelihood, squared error plus a constant).
 * Reports the reconstruction (nats per example, as the VAE's) and the codes.
 */
export function autoencoderObjective(): Objective<Autoencoder, "reconstruction"> {
  return (model, x) => {
    const codes = model.encode(x);
    const reconstruction = model.logLikelihood(model.decode(codes), x).mean();
    return { loss: reconstruction.neg(), terms: { reconstruction }, codes };
  };
}
