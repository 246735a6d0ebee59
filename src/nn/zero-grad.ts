/**
 * `zeroGrad` of optimizers and modules, as torch's `zero_grad(set_to_none=...)`. With
 * `setToNone: true` (the default, torch 2's) each gradient is dropped and the next backward
 * allocates a new one. With `setToNone: false` (torch 1's default) each gradient that backward
 * made is zero-filled in place, and each later backward that reaches the parameter writes into
 * that same array (autograd/leaf-grad.ts): no new weight-gradient arrays per step. Whoever holds
 * `p.grad` then sees it zeroed, then written: the first backward copies its gradient over the
 * zeros (they stand for "no gradient yet", so values written into them before that backward are
 * lost; -0 is kept), later ones add into it. Not written, but replaced: a gradient someone
 * assigned (`p.grad = t`, `q.grad = p.grad`: replaced here by fresh zeros), one that a recorded op
 * has used as a value or that was passed to backward as its gradient (replaced here by fresh
 * zeros, by the sum in backward), and any gradient for a backward whose graph holds a user's op
 * (replaced by the sum for that pass). A null gradient stays null (so `step()` skips that
 * parameter); as in torch, a parameter that then gets no gradient keeps zeros and `step()`
 * updates it (Adam's momentum, AdamW's decay): trainEpoch sets such gradients to null first
 * (`dropUnwritten`, autograd/leaf-grad.ts).
 */
import { Tensor, zeroGradInPlace } from "../autograd/index.js";

export interface ZeroGradOptions {
  /** Drop each gradient (true, the default) or zero it in place (false). */
  setToNone?: boolean;
}

/** Reset the gradients of `params` as `options` says; `who` names the caller in errors. */
export function zeroGrads(who: string, params: Iterable<Tensor>, options: ZeroGradOptions = {}): void {
  const setToNone = (options ?? {}).setToNone ?? true;
  if (typeof setToNone !== "boolean") throw new TypeError(`${who}.zeroGrad: setToNone must be a boolean, got ${typeof setToNone} ${String(setToNone)}`);
  for (const p of params) {
    if (setToNone) p.grad = null;
    else zeroGradInPlace(p, (value) => new Tensor(value));
  }
}
