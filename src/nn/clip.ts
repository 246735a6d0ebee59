/**
 * Gradient clipping by total norm, as `torch.nn.utils.clip_grad_norm_`: the gradients of all
 * parameters are viewed as one vector g, and scaled in place when its norm is too large.
 *
 *   ‖g‖_p = (Σ_i |g_i|^p)^(1/p)     (‖g‖_∞ = max_i |g_i|)
 *   c = maxNorm / (‖g‖_p + 1e-6)
 *   g ← c·g   when c < 1
 *
 * Parameters whose grad is null are skipped. The returned norm is the one before clipping.
 */
import { noGrad, type Tensor } from "../autograd/index.js";

/** torch's constant: keeps c finite when the norm is 0. */
const CLIP_EPS = 1e-6;

export interface ClipGradNormOptions {
  /** p of the p-norm: a positive number or Infinity. Default 2. */
  normType?: number;
  /** Throw when the total norm is NaN or ±∞ instead of scaling by NaN. Default false (torch's). */
  errorIfNonfinite?: boolean;
}

/** The total p-norm of the gradients of `parameters` (those that have one), in float64. */
export function gradNorm(parameters: Iterable<Tensor>, normType = 2): number {
  if (!(normType > 0)) throw new RangeError(`gradNorm: normType must be > 0 or Infinity, got ${normType}`);
  let total = 0;
  for (const p of parameters) {
    const grad = p.grad?.data;
    if (!grad) continue;
    for (let i = 0; i < grad.length; i++) {
      const a = Math.abs(grad[i] as number);
      if (normType === Infinity) total = a > total || Number.isNaN(a) ? a : total;
      else total += normType === 2 ? a * a : a ** normType;
    }
  }
  if (normType === Infinity) return total;
  return normType === 2 ? Math.sqrt(total) : total ** (1 / normType);
}

/**
 * Scale the gradients of `parameters` in place so that their total norm is at most about
 * `maxNorm`; returns the total norm before clipping.
 */
export function clipGradNorm(parameters: Iterable<Tensor>, maxNorm: number, options: ClipGradNormOptions = {}): number {
  if (!(maxNorm >= 0)) throw new RangeError(`clipGradNorm: maxNorm must be >= 0, got ${maxNorm}`);
  const list = [...parameters];
  const total = gradNorm(list, options.normType ?? 2);
  if (options.errorIfNonfinite === true && !Number.isFinite(total)) {
    throw new Error(`clipGradNorm: the total norm of order ${options.normType ?? 2} of the gradients is ${total}`);
  }
  // c = maxNorm / (‖g‖ + 1e-6); scale only when c < 1 (torch multiplies by min(c, 1)).
  const coefficient = maxNorm / (total + CLIP_EPS);
  if (coefficient < 1 || Number.isNaN(coefficient)) {
    noGrad(() => {
      for (const p of list) {
        const grad = p.grad?.data;
        if (!grad) continue;
        for (let i = 0; i < grad.length; i++) grad[i] = (grad[i] as number) * coefficient;
      }
    });
  }
  return total;
}
