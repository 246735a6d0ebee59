/**
 * The Adam/AdamW update kernel (the rule stated in `nn/optim/adam.ts`), and which path runs it:
 * plain JavaScript loops over any dtype (the readable oracle), or, for float32 on the wasm path,
 * WebAssembly SIMD over moment buffers kept resident in wasm memory (`wasm/adam.ts`).
 */
import { kernelPath } from "./backend.js";
import type { DType, TypedArray } from "./dtype.js";
import { createAdamArena, type AdamArena, type AdamScalars } from "./wasm/adam.js";

export type { AdamScalars } from "./wasm/adam.js";

/**
 * One Adam step of one parameter, in place, in float64 arithmetic: θ, m, v and (amsgrad) v̂
 * are updated; `grad` is read only.
 */
export function adamUpdate(theta: TypedArray, grad: TypedArray, m: TypedArray, v: TypedArray, vMax: TypedArray | null, s: AdamScalars): void {
  const { stepSize, bc2Sqrt, decay, l2, w, beta2, eps } = s;
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
 * The Adam kernel of one optimizer: `step` runs the update of parameter `index` on the kernels
 * in use. On the wasm path a float32 parameter's moments live in an arena made for all the
 * optimizer's parameters at once (slots 3i, 3i + 1, 3i + 2 hold m, v, v̂ of parameter i).
 */
export class AdamKernel {
  private arena: { amsgrad: boolean; slots: AdamArena } | null = null;

  constructor(private readonly params: readonly { readonly size: number; readonly dtype: DType }[]) {}

  /**
   * Update θ (in place) from g with the moments [m, v] or [m, v, v̂] (amsgrad). Returns the
   * arrays that hold the moments afterwards: `moments` itself on the JS path; on the wasm path
   * the arena's slots, into which moments that were not slots yet (first step, a loaded state)
   * were copied. The caller keeps what is returned, so its state shows the live values.
   */
  step(index: number, theta: TypedArray, grad: TypedArray, moments: readonly TypedArray[], s: AdamScalars): readonly TypedArray[] {
    const [m, v, vMax] = moments as [TypedArray, TypedArray, TypedArray | undefined];
    if (!(theta instanceof Float32Array && grad instanceof Float32Array) || kernelPath() !== "wasm") {
      adamUpdate(theta, grad, m, v, vMax ?? null, s);
      return moments;
    }
    const amsgrad = vMax !== undefined;
    if (this.arena === null || this.arena.amsgrad !== amsgrad) {
      const sizes = this.params.flatMap((p) => (p.dtype === "float32" ? [p.size, p.size, amsgrad ? p.size : 0] : [0, 0, 0]));
      this.arena = { amsgrad, slots: createAdamArena(sizes) };
    }
    const slots = this.arena.slots;
    const live = moments.map((buffer, k) => {
      const slot = slots.slot(3 * index + k);
      if (buffer !== slot) slot.set(buffer);
      return slot;
    });
    slots.update(theta, grad, 3 * index, 3 * index + 1, amsgrad ? 3 * index + 2 : null, s);
    return live;
  }
}
