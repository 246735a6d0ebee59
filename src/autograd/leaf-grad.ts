/**
 * Leaf gradients that backward may write in place. A leaf's `grad` is normally replaced at each
 * accumulation (`grad + g` is a new array) and dropped by `zeroGrad()` (torch's
 * `set_to_none=True`), so a training step allocates every weight gradient again: for the VAE's
 * [400,784] weights that is ~70 µs of mmap plus ~200 µs of first-touch page faults per array,
 * against ~40 µs to write into one already touched (measured 2026-12-04 on the project's VM).
 *
 * `zeroGrad({ setToNone: false })` (torch's `set_to_none=False`) zero-fills a gradient in place
 * and marks it; from then on backward copies the first incoming gradient into that array (a copy,
 * not `0 + g`: adding to +0 would turn a -0 into +0, adopting g keeps it) and adds later ones into
 * it in place. Only a gradient tensor that backward made for this very leaf, from an array no one
 * else holds (a table op's fresh output, a copy, a sum), is ever written; assigning any tensor to
 * some `.grad` takes it out of the registry (`disown`), so a gradient a user set, or one shared
 * between two leaves by assignment, is never written in place.
 */
import { addInPlace, NDArray, shapesEqual } from "../tensor/index.js";
import type { Tensor } from "./tensor.js";

/** "adopted": made by backward, written in place only after a zeroGrad; "zeroed": zero-filled, awaiting its first gradient; "accumulating": holds a sum backward adds into. */
type Mode = "adopted" | "zeroed" | "accumulating";

const owned = new WeakMap<Tensor, { leaf: Tensor; mode: Mode }>();

/** `gradient` (a tensor backward just made from an array only it holds) now belongs to `leaf`. */
export function ownGrad(leaf: Tensor, gradient: Tensor): void {
  owned.set(gradient, { leaf, mode: "adopted" });
}

/** Called by the `grad` setter: a tensor assigned by anyone is no longer written in place. */
export function disown(gradient: Tensor | null): void {
  if (gradient !== null) owned.delete(gradient);
}

function entryOf(leaf: Tensor): { leaf: Tensor; mode: Mode } | null {
  const gradient = leaf.grad;
  if (gradient === null) return null;
  const entry = owned.get(gradient);
  return entry !== undefined && entry.leaf === leaf ? entry : null;
}

/**
 * `leaf.grad += grad` in the leaf's own array, when a zeroGrad in place made it writable and it
 * has `grad`'s shape and dtype; returns false (nothing done) otherwise.
 */
export function accumulateInPlace(leaf: Tensor, grad: NDArray): boolean {
  const entry = entryOf(leaf);
  if (entry === null || entry.mode === "adopted") return false;
  const target = (leaf.grad as Tensor).value;
  // A user-assigned gradient of another shape or dtype, replaced by zeros of its own: summed out
  // of place, as before (broadcast or an error).
  if (target.dtype !== grad.dtype || !shapesEqual(target.shape, grad.shape)) return false;
  if (entry.mode === "zeroed") target.data.set(grad.data);
  else addInPlace(target, grad);
  entry.mode = "accumulating";
  return true;
}

/**
 * Zero `leaf.grad` in place (torch's `zero_grad(set_to_none=False)`) when backward made it for
 * this leaf: whoever holds that tensor sees it zeroed, then accumulated into by later backward
 * passes. A gradient assigned by a user (which may alias any array) is replaced by fresh zeros
 * instead of being written. No gradient stays null.
 */
export function zeroGradInPlace(leaf: Tensor, wrap: (value: NDArray) => Tensor): void {
  if (leaf.grad === null) return;
  let entry = entryOf(leaf);
  if (entry === null) {
    leaf.grad = wrap(NDArray.zeros(leaf.grad.shape, leaf.grad.dtype));
    ownGrad(leaf, leaf.grad);
    entry = owned.get(leaf.grad) as { leaf: Tensor; mode: Mode };
  } else {
    (leaf.grad as Tensor).value.data.fill(0);
  }
  entry.mode = "zeroed";
}
