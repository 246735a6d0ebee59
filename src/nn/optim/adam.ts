/**
 * Adam (Kingma & Ba, 2015) and AdamW (Loshchilov & Hutter, 2019), as `torch.optim.Adam` and
 * `torch.optim.AdamW`. For each parameter θ with gradient g, at its step t:
 *
 *   θ_{t-1} = θ_{t-1}·(1 - γ·λ)                  (AdamW: decoupled weight decay)
 *   g_t = ∇θ + λ·θ_{t-1}                         (Adam: L2 weight decay, when λ ≠ 0)
 *   m_t = β1·m_{t-1} + (1 - β1)·g_t
 *   v_t = β2·v_{t-1} + (1 - β2)·g_t²
 *   v̂_t = max(v̂_{t-1}, v_t)                      (amsgrad; otherwise v̂_t = v_t)
 *   denom = √v̂_t / √(1 - β2^t) + ε
 *   θ_t = θ_{t-1} - (γ / (1 - β1^t))·m_t / denom
 *
 * i.e. torch's form: ε is added to the bias-corrected √v, and the first bias correction is
 * folded into the step size. The buffers are torch's `exp_avg` (m), `exp_avg_sq` (v) and
 * `max_exp_avg_sq` (v̂, amsgrad only).
 */
import type { Tensor } from "../../autograd/index.js";
import { AdamKernel, NDArray, type AdamScalars, type TypedArray } from "../../tensor/index.js";
import { Optimizer, type LearningRate, type ParameterState } from "./optimizer.js";

export type AdamHyperParameters = {
  /** β1: decay of the first moment m. */
  beta1: number;
  /** β2: decay of the second moment v. */
  beta2: number;
  /** ε: added to the denominator. */
  eps: number;
  /** λ: L2 penalty (Adam) or decoupled decay rate (AdamW). */
  weightDecay: number;
  /** Divide by the running maximum of v (Reddi et al., 2018). */
  amsgrad: boolean;
};

export interface AdamOptions {
  /** γ: a number or a schedule of the step. Default 1e-3. */
  lr?: LearningRate;
  /** [β1, β2]. Default [0.9, 0.999]. */
  betas?: readonly [number, number];
  /** Default 1e-8. */
  eps?: number;
  /** Default 0 for Adam, 1e-2 for AdamW (torch's defaults). */
  weightDecay?: number;
  /** Default false. */
  amsgrad?: boolean;
}

const EXP_AVG = "exp_avg";
const EXP_AVG_SQ = "exp_avg_sq";
const MAX_EXP_AVG_SQ = "max_exp_avg_sq";

/** The update shared by Adam and AdamW; they differ only in how the weight decay enters. */
abstract class AdamBase extends Optimizer<AdamHyperParameters> {
  protected abstract readonly decoupled: boolean;
  /** The update kernel (tensor/ chooses its path), made at the first step. */
  private kernel: AdamKernel | null = null;
  private indexOf: Map<Tensor, number> | null = null;

  protected constructor(kind: string, params: Iterable<Tensor>, options: AdamOptions, defaultWeightDecay: number) {
    const [beta1, beta2] = options.betas ?? [0.9, 0.999];
    super(kind, params, options.lr ?? 1e-3, {
      beta1,
      beta2,
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? defaultWeightDecay,
      amsgrad: options.amsgrad ?? false,
    });
  }

  protected checkHyperParameters(h: AdamHyperParameters): void {
    for (const key of ["beta1", "beta2"] as const) {
      if (!(h[key] >= 0 && h[key] < 1)) throw new RangeError(`${this.kind}: invalid ${key} ${h[key]} (must be in [0, 1))`);
    }
    for (const key of ["eps", "weightDecay"] as const) {
      if (!Number.isFinite(h[key]) || h[key] < 0) throw new RangeError(`${this.kind}: invalid ${key} ${h[key]} (must be finite and >= 0)`);
    }
  }

  protected expectedBuffers(h: AdamHyperParameters): readonly string[] {
    return h.amsgrad ? [EXP_AVG, EXP_AVG_SQ, MAX_EXP_AVG_SQ] : [EXP_AVG, EXP_AVG_SQ];
  }

  /** The scalars of step `state.step` (see the header). */
  private scalars(state: ParameterState, lr: number): AdamScalars {
    const { beta1, beta2, eps, weightDecay } = this.hyper;
    const t = state.step;
    return {
      stepSize: lr / (1 - beta1 ** t), // γ / (1 - β1^t)
      bc2Sqrt: Math.sqrt(1 - beta2 ** t), // √(1 - β2^t)
      eps,
      w: 1 - beta1,
      beta2,
      decay: this.decoupled ? 1 - lr * weightDecay : 1, // AdamW: 1 - γ·λ
      l2: this.decoupled ? 0 : weightDecay, // Adam: λ
    };
  }

  protected update(param: Tensor, grad: TypedArray, state: ParameterState, lr: number): void {
    const names = this.expectedBuffers(this.hyper);
    const moments = names.map((name) => this.buffer(state, name, param));
    this.indexOf ??= new Map(this.params.map((p, i) => [p, i]));
    this.kernel ??= new AdamKernel(this.params);
    const live = this.kernel.step(this.indexOf.get(param) as number, param.data, grad, moments, this.scalars(state, lr));
    // The kernel may hold the moments elsewhere (wasm memory): the state keeps the live arrays.
    live.forEach((data, k) => {
      if (data !== moments[k]) state.buffers.set(names[k] as string, new NDArray(data, param.shape));
    });
  }
}

/** Adam with L2 weight decay added to the gradient (torch.optim.Adam). */
export class Adam extends AdamBase {
  protected readonly decoupled = false;
  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super("Adam", params, options, 0);
  }
}

/** Adam with decoupled weight decay θ ← θ·(1 - γ·λ) (torch.optim.AdamW; default λ = 1e-2). */
export class AdamW extends AdamBase {
  protected readonly decoupled = true;
  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super("AdamW", params, options, 1e-2);
  }
}
