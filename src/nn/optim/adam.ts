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
import { createAdamArena, kernelPath, NDArray, type AdamArena, type AdamScalars, type TypedArray } from "../../tensor/index.js";
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
  /** The wasm path's moment buffers (float32 parameters): slots 3i, 3i+1, 3i+2 are m, v, v̂ of parameter i. */
  private arena: { amsgrad: boolean; slots: AdamArena } | null = null;
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
    const s = this.scalars(state, lr);
    if (param.data instanceof Float32Array && grad instanceof Float32Array && kernelPath() === "wasm") {
      this.updateWasm(param, param.data, grad, state, s);
      return;
    }
    const { beta2, eps, amsgrad } = this.hyper;
    const { stepSize, bc2Sqrt, decay, l2, w } = s;
    const theta = param.data;
    const m = this.buffer(state, EXP_AVG, param);
    const v = this.buffer(state, EXP_AVG_SQ, param);
    const vMax = amsgrad ? this.buffer(state, MAX_EXP_AVG_SQ, param) : null;
    // Weight decay first, in its own pass (rarely on, and kept out of the hot loop):
    // AdamW shrinks θ_{t-1} by (1 - γ·λ); Adam adds λ·θ_{t-1} to the gradient.
    if (decay !== 1) for (let i = 0; i < theta.length; i++) theta[i] = (theta[i] as number) * decay;
    const gradient = l2 === 0 ? grad : Float64Array.from(grad, (g, i) => g + l2 * (theta[i] as number)); // g_t = ∇θ + λ·θ_{t-1}
    for (let i = 0; i < theta.length; i++) {
      const p = theta[i] as number;
      const g = gradient[i] as number;
      // m_t = β1·m_{t-1} + (1 - β1)·g_t
      // NOTE: computed as torch's lerp(m, g, 1 - β1), which rounds slightly differently.
      const mPrev = m[i] as number;
      m[i] = w < 0.5 ? mPrev + w * (g - mPrev) : g - (g - mPrev) * (1 - w);
      // v_t = β2·v_{t-1} + (1 - β2)·g_t²
      v[i] = beta2 * (v[i] as number) + (1 - beta2) * g * g;
      let second = v[i] as number;
      if (vMax !== null) {
        // v̂_t = max(v̂_{t-1}, v_t)
        vMax[i] = Math.max(vMax[i] as number, second);
        second = vMax[i] as number;
      }
      // θ_t = θ_{t-1} - (γ / (1 - β1^t))·m_t / (√v̂_t / √(1 - β2^t) + ε)
      const denom = Math.sqrt(second) / bc2Sqrt + eps;
      theta[i] = p - stepSize * ((m[i] as number) / denom);
    }
  }

  /**
   * The same update in float32 WebAssembly SIMD, over moment buffers resident in the arena. A
   * buffer that is not its arena slot yet (first step, a loaded state dict) is copied in and
   * replaced by the slot, so the state always shows the live values.
   */
  private updateWasm(param: Tensor, theta: Float32Array, grad: Float32Array, state: ParameterState, s: AdamScalars): void {
    const { amsgrad } = this.hyper;
    if (this.arena === null || this.arena.amsgrad !== amsgrad) {
      const sizes = this.params.flatMap((p) => (p.dtype === "float32" ? [p.size, p.size, amsgrad ? p.size : 0] : [0, 0, 0]));
      this.arena = { amsgrad, slots: createAdamArena(sizes) };
    }
    this.indexOf ??= new Map(this.params.map((p, i) => [p, i]));
    const slots = this.arena.slots;
    const base = 3 * (this.indexOf.get(param) as number);
    const names = amsgrad ? [EXP_AVG, EXP_AVG_SQ, MAX_EXP_AVG_SQ] : [EXP_AVG, EXP_AVG_SQ];
    names.forEach((name, k) => {
      const slot = slots.slot(base + k);
      const current = state.buffers.get(name);
      if (current?.data === slot) return;
      if (current) slot.set(current.data);
      else slot.fill(0);
      state.buffers.set(name, new NDArray(slot, param.shape));
    });
    slots.update(theta, grad, base, base + 1, amsgrad ? base + 2 : null, s);
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
