/**
 * `Conv2d` and `ConvTranspose2d` over NCHW images, with PyTorch's parameter names, layouts and
 * default initialisation, so that a checkpoint maps 1:1 onto torch.nn.Conv2d / ConvTranspose2d:
 * `weight` [out, in, kH, kW] (transpose: [in, out, kH, kW]) and `bias` [out].
 */
import { conv2d, convTranspose2d, zeros, type Tensor } from "../autograd/index.js";
import { DEFAULT_DTYPE, type DType, type Generator, type Pair } from "../tensor/index.js";
import { fans, kaimingUniform, uniform } from "./init.js";
import { Layer } from "./module.js";

export interface Conv2dLayerOptions {
  stride?: Pair;
  padding?: Pair;
  /** Add a learned bias (default true). */
  bias?: boolean;
  generator?: Generator;
  dtype?: DType;
}

export interface ConvTranspose2dLayerOptions extends Conv2dLayerOptions {
  outputPadding?: Pair;
}

const pairOf = (p: Pair): [number, number] => (typeof p === "number" ? [p, p] : [p[0], p[1]]);

/** The weights of either layer, drawn as PyTorch's _ConvNd.reset_parameters does. */
abstract class ConvLayer extends Layer {
  private readonly hasBias: boolean;
  readonly kernelSize: [number, number];

  protected constructor(layer: string, readonly inChannels: number, readonly outChannels: number, kernelSize: Pair, weightShape: (k: [number, number]) => number[], options: Conv2dLayerOptions) {
    super();
    for (const [name, value] of [["inChannels", inChannels], ["outChannels", outChannels], ...pairOf(kernelSize).map((k) => ["kernelSize", k] as const)] as const) {
      if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${layer}: ${name} must be a positive integer, got ${value}`);
    }
    this.kernelSize = pairOf(kernelSize);
    const dtype = options.dtype ?? DEFAULT_DTYPE;
    const generator = options.generator ? { generator: options.generator } : {};
    // kaiming_uniform(a=√5): U(-1/√fanIn, 1/√fanIn), fanIn = weight.shape[1]·kH·kW (for the
    // transpose that is out·kH·kW, as torch computes it from the stored layout); the bias the same.
    const weight = this.registerParameter("weight", kaimingUniform(zeros(weightShape(this.kernelSize), { dtype }), { a: Math.sqrt(5), ...generator }));
    this.hasBias = options.bias !== false;
    if (this.hasBias) {
      const bound = 1 / Math.sqrt(fans(weight.shape)[0]);
      this.registerParameter("bias", uniform(zeros([outChannels], { dtype }), -bound, bound, generator));
    }
  }

  get weight(): Tensor {
    return this.parameter("weight");
  }

  /** [out], or null without a bias. */
  get bias(): Tensor | null {
    return this.hasBias ? this.parameter("bias") : null;
  }
}

/** y = x ⋆ W + b: [N, in, H, W] → [N, out, ⌊(H + 2p - kH)/s⌋ + 1, ...]. */
export class Conv2d extends ConvLayer {
  readonly stride: Pair;
  readonly padding: Pair;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options: Conv2dLayerOptions = {}) {
    super("Conv2d", inChannels, outChannels, kernelSize, ([kH, kW]) => [outChannels, inChannels, kH, kW], options);
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding });
  }
}

/** The transposed convolution: [N, in, H, W] → [N, out, (H - 1)s - 2p + kH + outputPadding, ...]. */
export class ConvTranspose2d extends ConvLayer {
  readonly stride: Pair;
  readonly padding: Pair;
  readonly outputPadding: Pair;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options: ConvTranspose2dLayerOptions = {}) {
    super("ConvTranspose2d", inChannels, outChannels, kernelSize, ([kH, kW]) => [inChannels, outChannels, kH, kW], options);
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    this.outputPadding = options.outputPadding ?? 0;
  }

  forward(x: Tensor): Tensor {
    return convTranspose2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, outputPadding: this.outputPadding });
  }
}
