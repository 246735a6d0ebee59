/**
 * The variational autoencoder: an encoder q(z|x) = N(μ(x), diag σ²(x)) with a mean head and a
 * log-variance head, a standard normal prior p(z) = N(0, I), and a decoder p(x|z) that is
 * Bernoulli (pixels in [0, 1], output logits) or Gaussian (output means).
 */
import { concat, defaultGenerator, full, noGrad, randn, type Tensor } from "../autograd/index.js";
import { Linear, Module, type ConvTranspose2d, type Sequential } from "../nn/index.js";
import { DEFAULT_DTYPE, type DType, type Generator } from "../tensor/index.js";
import { boundLogVar } from "./gaussian.js";
import { bernoulliLogLikelihood, gaussianLogLikelihood } from "./likelihood.js";
import { interpolateLatents, type InterpolationMode } from "./latent.js";
import { buildDecoder, buildEncoder, type Activation, type Architecture } from "./architecture.js";
import { repeatRows } from "./conditional.js";

export type Likelihood = "bernoulli" | "gaussian";

export interface VAEConfig {
  /** Pixels per example (784 for 28×28). */
  inputSize: number;
  /** "mlp" (default) or "conv": the networks of architecture.ts. */
  arch?: Architecture;
  /** The image's height and width (conv needs them; default: a square of inputSize pixels). */
  height?: number;
  width?: number;
  /** Hidden layer sizes of the encoder; the mlp decoder mirrors them. Default [400] (mlp), [16] (conv). */
  hiddenSizes?: number[];
  /** The nonlinearity of the dense hidden layers: "relu" (default) or "tanh" (Burda et al. 2016). */
  activation?: Activation;
  /** Latent dimensions. Default 20. */
  latentSize?: number;
  /** Default "bernoulli". */
  likelihood?: Likelihood;
  /**
   * Classes of the conditional VAE (Sohn et al. 2015): q(z|x, y) and p(x|z, y) take the one-hot
   * label y (see architecture.ts), the prior is the learned p(z|y) of `VAE.priorOf`, and
   * encode/decode/sample need y. Default 0: unconditional.
   */
  classes?: number;
  /**
   * Gaussian likelihood only: a fixed log-variance, "learned" (one isotropic log σ² parameter,
   * as in probabilistic PCA) or "learned-diagonal" (one log σ²_i per input dimension, as in
   * factor analysis). Default 0 (σ² = 1).
   */
  outputLogVar?: number | "learned" | "learned-diagonal";
  dtype?: DType;
  /** Initializes the weights. Default: the shared `defaultGenerator` (reseed it with `manualSeed`). */
  generator?: Generator;
}

export interface Posterior {
  mu: Tensor;
  logVar: Tensor;
}

/**
 * The generative model p(x, z) = p(x|z) p(z) with p(z) = N(0, I) (eq. 1), whose evidence
 * p(x) = ∫ p(x|z) p(z) dz has no closed form (eq. 2; `logMarginal` integrates it for a 1-D or
 * 2-D latent), and the variational family q(z|x) = N(μ(x), diag σ²(x)) that stands in for the
 * posterior (eq. 3): `encode` gives q's parameters, `decode` the parameters of p(x|z), `sample`
 * draws z ~ p(z) and returns the mean of p(x|z).
 */
export class VAE extends Module {
  readonly kind = "vae";
  readonly inputSize: number;
  readonly arch: Architecture;
  readonly hiddenSizes: number[];
  readonly activation: Activation;
  readonly latentSize: number;
  readonly likelihood: Likelihood;
  /** One-hot width of the label input; 0 for an unconditional VAE. */
  readonly classes: number;
  readonly dtype: DType;
  readonly features: Sequential;
  readonly encoder: Sequential;
  readonly meanHead: Linear;
  readonly logVarHead: Linear;
  readonly decoder: Sequential;
  readonly outputLayer: Linear | ConvTranspose2d;
  private readonly fixedOutputLogVar: Tensor | null;

  /**
   * A conditional VAE's learned prior p(z|y) = N(μ_y, diag σ_y²), Sohn et al. 2015's prior network
   * p_θ(z|x) (eq. 4) for a one-hot input, as one row per class: `priorMean`, `priorLogVar`
   * [classes, latent], both initialised to 0 (p(z|y) = N(0, I) at the start).
   */
  private readonly conditionalPrior: { mean: Tensor; logVar: Tensor } | null;

  constructor(config: VAEConfig) {
    super();
    this.inputSize = config.inputSize;
    this.arch = config.arch ?? "mlp";
    this.hiddenSizes = config.hiddenSizes ?? (this.arch === "conv" ? [16] : [400]);
    this.activation = config.activation ?? "relu";
    if (this.activation !== "relu" && this.activation !== "tanh") throw new RangeError(`VAE: activation must be "relu" or "tanh", got ${String(this.activation)}`);
    this.latentSize = config.latentSize ?? 20;
    this.likelihood = config.likelihood ?? "bernoulli";
    this.dtype = config.dtype ?? DEFAULT_DTYPE;
    this.classes = config.classes ?? 0;
    if (!Number.isInteger(this.classes) || this.classes < 0) throw new RangeError(`VAE: classes must be a non-negative integer, got ${this.classes}`);
    for (const size of [this.inputSize, this.latentSize, ...this.hiddenSizes]) {
      if (!Number.isInteger(size) || size <= 0) throw new RangeError(`VAE: layer sizes must be positive integers, got ${size}`);
    }
    const options = { dtype: this.dtype, generator: config.generator ?? defaultGenerator };
    const side = Math.round(Math.sqrt(this.inputSize));
    const [height, width] = [config.height ?? side, config.width ?? side];
    if (this.arch === "conv" && height * width !== this.inputSize) throw new RangeError(`VAE: height × width (${height}x${width}) must equal inputSize ${this.inputSize}`);
    const shape = { inputSize: this.inputSize, height, width, hiddenSizes: this.hiddenSizes, latentSize: this.latentSize, activation: this.activation, classes: this.classes };
    const encoding = buildEncoder(this.arch, shape, options);
    this.features = this.registerModule("features", encoding.features);
    this.encoder = this.registerModule("encoder", encoding.encoder);
    this.meanHead = this.registerModule("meanHead", new Linear(encoding.encodedSize, this.latentSize, options));
    this.logVarHead = this.registerModule("logVarHead", new Linear(encoding.encodedSize, this.latentSize, options));
    const decoding = buildDecoder(this.arch, shape, options);
    this.decoder = this.registerModule("decoder", decoding.decoder);
    this.outputLayer = this.registerModule("outputLayer", decoding.outputLayer);
    this.conditionalPrior = this.classes === 0 ? null : {
      mean: this.registerParameter("priorMean", full([this.classes, this.latentSize], 0, { dtype: this.dtype })),
      logVar: this.registerParameter("priorLogVar", full([this.classes, this.latentSize], 0, { dtype: this.dtype })),
    };
    const outputLogVar = config.outputLogVar ?? 0;
    if (outputLogVar === "learned" || outputLogVar === "learned-diagonal") {
      if (this.likelihood !== "gaussian") throw new Error(`VAE: outputLogVar "${outputLogVar}" needs the gaussian likelihood`);
      this.registerParameter("outputLogVar", full(outputLogVar === "learned" ? [] : [this.inputSize], 0, { dtype: this.dtype }));
      this.fixedOutputLogVar = null;
    } else {
      this.fixedOutputLogVar = full([], outputLogVar, { dtype: this.dtype });
    }
  }

  /** The Gaussian decoder's log σ²: a scalar (fixed or learned) or, "learned-diagonal", one per input dimension. */
  get outputLogVar(): Tensor {
    return this.fixedOutputLogVar ?? this.parameter("outputLogVar");
  }

  /** `y` checked against this VAE and repeated to `rows` rows; undefined for an unconditional VAE (which refuses labels). */
  private labelRows(y: Tensor | undefined, rows: number, what: string): Tensor | undefined {
    if (this.classes === 0) {
      if (y !== undefined) throw new RangeError(`VAE.${what}: labels given to an unconditional VAE (built without classes)`);
      return undefined;
    }
    if (y === undefined) throw new RangeError(`VAE.${what}: this conditional VAE needs the one-hot labels y [batch, ${this.classes}] (see oneHot)`);
    if (y.rank !== 2 || y.shape[1] !== this.classes) throw new RangeError(`VAE.${what}: labels must be [batch, ${this.classes}], got [${y.shape.join(", ")}]`);
    return repeatRows(y, rows, `VAE.${what}`);
  }

  /** `h` [rows, n] with the one-hot labels `y` appended (a conditional VAE), or `h` itself (an unconditional one). */
  private withLabels(h: Tensor, y: Tensor | undefined, what: string): Tensor {
    const labels = this.labelRows(y, h.shape[0] as number, what);
    return labels === undefined ? h : concat([h, labels], 1);
  }

  /**
   * The conditional prior p(z|y) = N(μ_y, diag σ_y²) of each row of `y` [rows, classes] (one-hot,
   * so y · priorMean picks the class's row), each [rows, latent].
   */
  priorOf(y: Tensor): { mean: Tensor; logVar: Tensor } {
    if (this.conditionalPrior === null) throw new RangeError("VAE.priorOf: an unconditional VAE's prior is N(0, I)");
    return { mean: y.matmul(this.conditionalPrior.mean), logVar: boundLogVar(y.matmul(this.conditionalPrior.logVar)) };
  }

  /**
   * q(z|x) (q(z|x, y) when conditional): the mean and (bounded) log-variance of the approximate
   * posterior, each [batch, latent]. A conditional VAE's posterior is given in the standardised
   * code u = (z − μ_y) / σ_y, whose prior is N(0, I): KL(q(z|x,y) ‖ p(z|y)) = KL(q(u|x,y) ‖ N(0, I))
   * (the KL is invariant under the invertible map), so the ELBO, IWAE and sampling code keep the
   * standard normal prior, and `decode` maps u back to z.
   */
  encode(x: Tensor, y?: Tensor): Posterior {
    const hidden = this.encoder.forward(this.withLabels(this.features.forward(x), y, "encode"));
    const mu = this.meanHead.forward(hidden);
    const logVar = this.logVarHead.forward(hidden);
    if (y === undefined) return { mu, logVar: boundLogVar(logVar) };
    const prior = this.priorOf(y);
    return { mu: mu.sub(prior.mean).mul(prior.logVar.mul(-0.5).exp()), logVar: boundLogVar(logVar.sub(prior.logVar)) };
  }

  /** The decoder's input for the code u [rows, latent]: [z, y] with z = μ_y + σ_y · u when conditional, u itself when not. */
  private decoderInput(u: Tensor, y: Tensor | undefined): Tensor {
    const labels = this.labelRows(y, u.shape[0] as number, "decode");
    if (labels === undefined) return u;
    const prior = this.priorOf(labels);
    return concat([prior.mean.add(prior.logVar.mul(0.5).exp().mul(u)), labels], 1);
  }

  /** The posterior means μ(x), [batch, latent]: the code the latent tools use (as `Autoencoder.codes`). */
  codes(x: Tensor, y?: Tensor): Tensor {
    return this.encode(x, y).mu;
  }

  /** The decoder's output for z (and y, when conditional): logits (Bernoulli) or means (Gaussian), [..., inputSize]. */
  decode(z: Tensor, y?: Tensor): Tensor {
    if (z.rank <= 2 && this.arch === "mlp") return this.outputLayer.forward(this.decoder.forward(this.decoderInput(z, y)));
    // z [..., latent] is decoded as one [N, latent] batch and reshaped back: the convolutions take one
    // batch axis, and one [N, in] product is much faster than N / batch small ones (IWAE's [k, batch, latent]).
    const batch = z.shape.slice(0, -1);
    const images = this.outputLayer.forward(this.decoder.forward(this.decoderInput(z.reshape([-1, this.latentSize]), y)));
    return images.reshape([...batch, this.inputSize]);
  }

  /** log p(x|z) per example, summed over pixels; `decoded` is `decode(z)`. */
  logLikelihood(decoded: Tensor, x: Tensor): Tensor {
    return this.likelihood === "bernoulli"
      ? bernoulliLogLikelihood(decoded, x)
      : gaussianLogLikelihood(decoded, x, boundLogVar(this.outputLogVar));
  }

  /** The mean of p(x|z): pixel probabilities σ(logits) for Bernoulli, the means for Gaussian. */
  decodeMean(z: Tensor, y?: Tensor): Tensor {
    const decoded = this.decode(z, y);
    return this.likelihood === "bernoulli" ? decoded.sigmoid() : decoded;
  }

  /** n new examples: z ~ p(z) = N(0, I), then the mean of p(x|z) (of p(x|z, y), `labels` [n, classes], when conditional). [n, inputSize]. */
  sample(n: number, options: { generator?: Generator; labels?: Tensor } = {}): Tensor {
    return noGrad(() => this.decodeMean(randn([n, this.latentSize], { dtype: this.dtype, generator: options.generator ?? defaultGenerator }), options.labels));
  }

  /** Reconstructions: the mean of p(x | z = μ(x)) (with y for both when conditional). */
  reconstruct(x: Tensor, y?: Tensor): Tensor {
    return noGrad(() => this.decodeMean(this.encode(x, y).mu, y));
  }

  /**
   * Decode `steps` points on the path between the posterior means of two inputs (each
   * [inputSize] or [1, inputSize]): straight (`linear`) or along the great circle (`slerp`).
   */
  interpolate(a: Tensor, b: Tensor, steps: number, options: { mode?: InterpolationMode } = {}): Tensor {
    return noGrad(() => {
      const za = this.encode(a.reshape([1, this.inputSize])).mu.reshape([this.latentSize]);
      const zb = this.encode(b.reshape([1, this.inputSize])).mu.reshape([this.latentSize]);
      return this.decodeMean(interpolateLatents(za, zb, steps, options.mode ?? "linear"));
    });
  }
}
