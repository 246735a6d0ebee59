/**
 * A generative adversarial network on the same engine (note 001, "Generative Adversarial
 * Networks"; Goodfellow et al. 2014): a generator G maps noise z ~ N(0, I) to an image, a
 * discriminator D maps an image to the logit of "real". Both are MLPs.
 *
 *   D maximizes  E_x[log D(x)] + E_z[log(1 − D(G(z)))]
 *   G maximizes  E_z[log D(G(z))]        (the non-saturating loss, Goodfellow et al. 2014, §3)
 *
 * Note 001 writes the game with D's output read the other way round (D(x) the probability of
 * "fake"); this is the same game. G's non-saturating form keeps its gradient large early on,
 * when D rejects every sample and log(1 − D(G(z))) is flat.
 */
import { defaultGenerator, noGrad, randn, type Tensor } from "../autograd/index.js";
import { LeakyReLU, Linear, Module, ReLU, Sequential, type Layer } from "../nn/index.js";
import { DEFAULT_DTYPE, type DType, type Generator } from "../tensor/index.js";

export interface GANConfig {
  /** Pixels per image (784 for 28×28). */
  inputSize: number;
  /** Noise dimensions. Default 64. */
  latentSize?: number;
  /** Hidden sizes of G; D mirrors them. Default [256]. */
  hiddenSizes?: number[];
  dtype?: DType;
  /** Initializes the weights. Default: the shared `defaultGenerator`. */
  generator?: Generator;
}

/** Linear layers through `sizes`, `activation()` between them (not after the last). */
function mlp(sizes: number[], activation: () => Layer, options: { dtype: DType; generator: Generator }): Sequential {
  const layers: Layer[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    layers.push(new Linear(sizes[i] as number, sizes[i + 1] as number, options));
    if (i + 2 < sizes.length) layers.push(activation());
  }
  return new Sequential(...layers);
}

export class GAN extends Module {
  readonly inputSize: number;
  readonly latentSize: number;
  readonly hiddenSizes: number[];
  readonly dtype: DType;
  /** G: z → pixel logits (images are their sigmoid, in [0, 1] as the data). */
  readonly generatorNet: Sequential;
  /** D: image → the logit of "real"; LeakyReLU(0.2) as in Radford et al. 2016. */
  readonly discriminatorNet: Sequential;

  constructor(config: GANConfig) {
    super();
    this.inputSize = config.inputSize;
    this.latentSize = config.latentSize ?? 64;
    this.hiddenSizes = config.hiddenSizes ?? [256];
    this.dtype = config.dtype ?? DEFAULT_DTYPE;
    for (const size of [this.inputSize, this.latentSize, ...this.hiddenSizes]) {
      if (!Number.isInteger(size) || size <= 0) throw new RangeError(`GAN: layer sizes must be positive integers, got ${size}`);
    }
    const options = { dtype: this.dtype, generator: config.generator ?? defaultGenerator };
    this.generatorNet = this.registerModule("generatorNet", mlp([this.latentSize, ...this.hiddenSizes, this.inputSize], () => new ReLU(), options));
    this.discriminatorNet = this.registerModule("discriminatorNet", mlp([this.inputSize, ...[...this.hiddenSizes].reverse(), 1], () => new LeakyReLU(0.2), options));
  }

  /** G(z): images in [0, 1], [batch, inputSize]. */
  generate(z: Tensor): Tensor {
    return this.generatorNet.forward(z).sigmoid();
  }

  /** D's logit of "real" per image, [batch]. */
  discriminate(x: Tensor): Tensor {
    return this.discriminatorNet.forward(x).reshape([x.shape[0] as number]);
  }

  /** Noise z ~ N(0, I), [n, latentSize]. */
  noise(n: number, generator: Generator): Tensor {
    return randn([n, this.latentSize], { dtype: this.dtype, generator });
  }

  /** n new images G(z), z ~ N(0, I), without recording gradients. */
  sample(n: number, options: { generator?: Generator } = {}): Tensor {
    return noGrad(() => this.generate(this.noise(n, options.generator ?? defaultGenerator)));
  }

  /** D's parameters: the generator step must leave them alone. */
  discriminatorParameters(): Tensor[] {
    return this.discriminatorNet.parameters();
  }
}

/**
 * D's loss, −E[log D(x)] − E[log(1 − D(G(z)))], from logits: log σ(l) = −softplus(−l) and
 * log(1 − σ(l)) = −softplus(l), so it is softplus(−real) + softplus(fake), each averaged.
 */
export function discriminatorLoss(realLogits: Tensor, fakeLogits: Tensor): Tensor {
  return realLogits.neg().softplus().mean().add(fakeLogits.softplus().mean());
}

/** G's non-saturating loss, −E[log D(G(z))] = E[softplus(−D-logit of G(z))]. */
export function generatorLoss(fakeLogits: Tensor): Tensor {
  return fakeLogits.neg().softplus().mean();
}
