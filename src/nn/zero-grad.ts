/**
 * `zeroGrad` of optimizers and modules, as torch's `zero_grad(set_to_none=...)`. With
 * `setToNone: true` (the default, torch 2's) each gradient is dropped and the next backward
 * allocates a new one; with `setToNone: false` (torch 1's default) each gradient backward made is
 * zero-filled in place and later backward passes write into that same array (autograd/leaf-grad.ts):
 * no new weight-gradient arrays per step. As in torch, whoever holds `p.grad` then sees it zeroed
 * and accumulated into; a gradient a user assigned is replaced by zeros rather than written, and a
 * null gradient stays null (so `step()` still skips that parameter).
 */
import { Tensor } from "../autograd/index.js";
import { zeroGradInPlace } from "../autograd/leaf-grad.js";

export interface ZeroGradOptions {
  /** Drop each gradient (true, the default) or zero it in place (false). */
  setToNone?: boolean;
}

/** Reset the gradients of `params` as `options` says; `who` names the caller in errors. */
export function zeroGrads(who: string, params: Iterable<Tensor>, options: ZeroGradOptions = {}): void {
  const setToNone = options.setToNone ?? true;
  if (typeof setToNone !== "boolean") throw new TypeError(`${who}.zeroGrad: setToNone must be a boolean, got ${typeof setToNone} ${String(setToNone)}`);
  for (const p of params) {
    if (setToNone) p.grad = null;
    else zeroGradInPlace(p, (value) => new Tensor(value));
  }
}
