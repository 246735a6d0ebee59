/** `zeroGrad` of optimizers and modules, as torch's `zero_grad(set_to_none=...)`. */
import { Tensor, zeroGradInPlace } from "../autograd/index.js";

/**
 * How `zeroGrad` resets gradients, and when a held `p.grad` is written: the one statement of this
 * rule (the mechanism is autograd/leaf-grad.ts).
 *
 * `setToNone: true` (the default, torch 2's): each gradient is set to null. Then, as when no
 * zeroGrad is called at all, every backward sets a new tensor as `p.grad` (its sum with the old
 * one is a new array too), so a held `p.grad` is never written by backward.
 *
 * `setToNone: false` (torch 1's default): each gradient that backward made is zero-filled in
 * place, and each later backward that reaches the parameter writes into that same tensor: the
 * first copies its gradient over the zeros (they stand for "no gradient yet", so values written
 * into them before that backward are lost; -0 is kept), later ones add into it. This lasts until
 * the gradient is replaced; the new `p.grad` is written in place only after the next zeroGrad in
 * place. Replaced (by zeroGrad: with fresh zeros; by backward: with a new sum), never written:
 * - a gradient someone assigned (`p.grad = t`; `q.grad = p.grad`, or a view of it);
 * - a gradient that a recorded op used as a value (a graph built on `p.grad`, on its detach or on
 *   a view of it), or that was passed to backward as its gradient;
 * - in a backward whose graph holds a user's op (`apply`), every gradient it reaches.
 * A null gradient stays null (so `step()` skips that parameter); as in torch, a parameter that
 * then gets no gradient keeps zeros and `step()` updates it (Adam's momentum, AdamW's decay), so
 * trainEpoch sets such gradients to null first. `clipGradNorm` scales gradients in place with
 * either option. Clone `p.grad` to keep it.
 */
export interface ZeroGradOptions {
  /** Drop each gradient (true, the default) or zero it in place (false). */
  setToNone?: boolean;
}

/** Reset the gradients of `params` as `options` says (null: as none, for a JS caller); `who` names the caller in errors. */
export function zeroGrads(who: string, params: Iterable<Tensor>, options?: ZeroGradOptions | null): void {
  const setToNone = options?.setToNone ?? true;
  if (typeof setToNone !== "boolean") throw new TypeError(`${who}.zeroGrad: setToNone must be a boolean, got ${typeof setToNone} ${String(setToNone)}`);
  for (const p of params) {
    if (setToNone) p.grad = null;
    else zeroGradInPlace(p, (value) => new Tensor(value));
  }
}
