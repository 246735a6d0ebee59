/** `Linear`: y = x·Wᵀ + b, with W stored [out, in] as in PyTorch. */
import { zeros, type Tensor } from "../autograd/index.js";
import { DEFAULT_DTYPE, type DType, type Generator } from "../tensor/index.js";
import { kaimingUniform, uniform } from "./init.js";
import { Layer } from "./module.js";

export interface LinearOptions {
  /** Add a learned bias (default true). */
  bias?: boolean;
  generator?: Generator;
  dtype?: DType;
}

export class Linear extends Layer {
  private readonly hasBias: boolean;

  constructor(readonly inFeatures: number, readonly outFeatures: number, options: LinearOptions = {}) {
    super();
    for (const [name, value] of [["inFeatures", inFeatures], ["outFeatures", outFeatures]] as const) {
      if (!Number.isInteger(value) || value <= 0) throw new RangeError(`Linear: ${name} must be a positive integer, got ${value}`);
    }
    const dtype = options.dtype ?? DEFAULT_DTYPE;
    const generator = options.generator ? { generator: options.generator } : {};
    // PyTorch's default: kaiming_uniform(a=√5) gives U(-1/√fanIn, 1/√fanIn); the bias the same.
    this.registerParameter("weight", kaimingUniform(zeros([outFeatures, inFeatures], { dtype }), { a: Math.sqrt(5), ...generator }));
    const bound = 1 / Math.sqrt(inFeatures);
    this.hasBias = options.bias !== false;
    if (this.hasBias) this.registerParameter("bias", uniform(zeros([outFeatures], { dtype }), -bound, bound, generator));
  }

  /** W, [out, in]. */
  get weight(): Tensor {
    return this.parameter("weight");
  }

  /** b, [out], or null without a bias. */
  get bias(): Tensor | null {
    return this.hasBias ? this.parameter("bias") : null;
  }

  /** x: [..., in] → [..., out]; a single vector [in] gives [out], as in PyTorch. */
  forward(x: Tensor): Tensor {
    if (x.rank === 1) return this.forward(x.reshape([1, -1])).reshape([this.outFeatures]);
    return x.matmul(this.weight, { transposeB: true, bias: this.bias });
  }
}
