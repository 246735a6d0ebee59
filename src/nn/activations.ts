/**
 * Activation layers, as their `torch.nn` namesakes: parameter-free `Layer`s that apply one
 * elementwise function, so that `Sequential` can chain them between `Linear`s. Each is a thin
 * wrapper over a differentiable function of `autograd/`, whose gradient comes with it.
 */
import { relu, sigmoid, softplus, tanh, where, type Tensor } from "../autograd/index.js";
import { Layer } from "./module.js";

/** relu(x) = max(x, 0); the gradient at 0 is 0, as in torch. */
export class ReLU extends Layer {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/**
 * leaky_relu(x) = x for x > 0, a·x otherwise (a = `negativeSlope`, default 0.01). Built as
 * where(x > 0, x, a·x), which for a < 1 equals max(x, a·x) and, like torch, gives the gradient
 * a at x = 0; it is also right for any slope (a > 1 or a < 0).
 */
export class LeakyReLU extends Layer {
  constructor(readonly negativeSlope = 0.01) {
    super();
    if (!Number.isFinite(negativeSlope)) throw new RangeError(`LeakyReLU: negativeSlope must be finite, got ${negativeSlope}`);
  }

  forward(x: Tensor): Tensor {
    return where(x.gt(0), x, x.mul(this.negativeSlope));
  }
}

/** σ(x) = 1 / (1 + e^-x). */
export class Sigmoid extends Layer {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** tanh(x) = (eˣ - e⁻ˣ) / (eˣ + e⁻ˣ), the primitive `Tensor.tanh`. */
export class Tanh extends Layer {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/**
 * softplus(x) = (1/β)·log(1 + e^(β·x)), and x itself where β·x > threshold (torch's linear
 * regime; defaults β = 1, threshold = 20). The log term is computed in its stable form, so
 * nothing overflows either way.
 */
export class Softplus extends Layer {
  constructor(readonly beta = 1, readonly threshold = 20) {
    super();
    if (!Number.isFinite(beta) || beta === 0) throw new RangeError(`Softplus: beta must be finite and non-zero, got ${beta}`);
    if (Number.isNaN(threshold)) throw new RangeError("Softplus: threshold must be a number, got NaN");
  }

  forward(x: Tensor): Tensor {
    const scaled = this.beta === 1 ? x : x.mul(this.beta); // β·x
    const smooth = this.beta === 1 ? softplus(scaled) : softplus(scaled).div(this.beta);
    return where(scaled.gt(this.threshold), x, smooth);
  }
}
