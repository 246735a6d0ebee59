/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum and (L2) weight
 * decay, as `torch.optim.SGD`. For each parameter θ with gradient g, at step t:
 *
 *   g_t = ∇θ + λ·θ_{t-1}                          (weight decay λ, when λ ≠ 0)
 *   b_1 = g_1;  b_t = μ·b_{t-1} + (1 - τ)·g_t      (momentum μ, dampening τ, when μ ≠ 0)
 *   g_t = g_t + μ·b_t   (Nesterov)   or   g_t = b_t   (classical momentum)
 *   θ_t = θ_{t-1} - γ·g_t                          (learning rate γ)
 *
 * The first momentum buffer is the gradient itself, undamped, exactly as in torch.
 */
import type { Tensor } from "../../autograd/index.js";
import type { TypedArray } from "../../tensor/index.js";
import { Optimizer, type LearningRate, type ParameterState } from "./optimizer.js";

export type SGDHyperParameters = {
  /** μ: 0 turns momentum off. */
  momentum: number;
  /** τ: the share of the gradient left out of the momentum buffer (after the first step). */
  dampening: number;
  /** Use g + μ·b instead of b (needs μ > 0 and τ = 0). */
  nesterov: boolean;
  /** λ: L2 penalty added to the gradient. */
  weightDecay: number;
};

export interface SGDOptions extends Partial<SGDHyperParameters> {
  /** γ: a number or a schedule of the step. Default 1e-3 (torch's default). */
  lr?: LearningRate;
}

const MOMENTUM_BUFFER = "momentum_buffer";

export class SGD extends Optimizer<SGDHyperParameters> {
  constructor(params: Iterable<Tensor>, options: SGDOptions = {}) {
    super("SGD", params, options.lr ?? 1e-3, {
      momentum: options.momentum ?? 0,
      dampening: options.dampening ?? 0,
      nesterov: options.nesterov ?? false,
      weightDecay: options.weightDecay ?? 0,
    });
  }

  protected checkHyperParameters(h: SGDHyperParameters): void {
    for (const key of ["momentum", "dampening", "weightDecay"] as const) {
      if (!Number.isFinite(h[key]) || h[key] < 0) throw new RangeError(`SGD: invalid ${key} ${h[key]} (must be finite and >= 0)`);
    }
    if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0)) {
      throw new RangeError(`SGD: Nesterov momentum requires momentum > 0 and dampening = 0, got momentum ${h.momentum}, dampening ${h.dampening}`);
    }
  }

  protected expectedBuffers(h: SGDHyperParameters): readonly string[] {
    return h.momentum !== 0 ? [MOMENTUM_BUFFER] : [];
  }

  protected update(param: Tensor, grad: TypedArray, state: ParameterState, lr: number): void {
    const { momentum, dampening, nesterov, weightDecay } = this.hyper;
    const theta = param.data;
    const first = !state.buffers.has(MOMENTUM_BUFFER);
    const buffer = momentum !== 0 ? this.buffer(state, MOMENTUM_BUFFER, param) : null;
    for (let i = 0; i < theta.length; i++) {
      // g_t = ∇θ + λ·θ_{t-1}
      let g = grad[i] as number;
      if (weightDecay !== 0) g += weightDecay * (theta[i] as number);
      if (buffer !== null) {
        // b_1 = g_1; b_t = μ·b_{t-1} + (1 - τ)·g_t
        buffer[i] = first ? g : momentum * (buffer[i] as number) + (1 - dampening) * g;
        const b = buffer[i] as number;
        g = nesterov ? g + momentum * b : b;
      }
      // θ_t = θ_{t-1} - γ·g_t
      theta[i] = (theta[i] as number) - lr * g;
    }
  }
}
