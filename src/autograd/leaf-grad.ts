/**
 * Leaf gradients that backward may write in place: the mechanism of `zeroGrad({ setToNone:
 * false })`. When a held `p.grad` is written and when it is replaced instead is stated once, at
 * `ZeroGradOptions` (nn/zero-grad.ts). Why: a leaf's `grad` is normally replaced at each
 * accumulation (`grad + g` is a new array) and dropped by `zeroGrad()`, so a training step
 * allocates every weight gradient again: for the VAE's [400,784] weights that is ~70 µs of mmap
 * plus ~200 µs of first-touch page faults per array, against ~40 µs to write into one already
 * touched (measured 2026-12-04 on the project's VM).
 *
 * Each array backward makes for a leaf is registered here (`ownGrad`), keyed by its buffer (so a
 * view or a detach of the gradient finds it), in mode "fresh"; `zeroGradInPlace` zero-fills it
 * ("zeroed"), and the next backward copies into it, then adds ("accumulating"). Only a registered
 * array that nothing froze is ever written:
 * - the `grad` setter `disown`s whatever is assigned, to any leaf;
 * - `freeze` marks an array a graph will read later: each input value of a recorded node and its
 *   params when they are an array (`apply`), and backward's upstream gradient (`runBackward`). A
 *   frozen gradient is summed out of place and replaced by fresh zeros at a zeroGrad, so a graph
 *   built on it reads the values it was built with. (Torch instead raises "modified by an inplace
 *   operation" when the graph runs; here the answer is simply the default path's.)
 * - backward writes nothing in place in a pass whose graph holds a user's op (backward.ts): its
 *   backward may return an array it captured.
 * Not seen: an array a user's op captures some other way than its inputs and array params (a
 * closure, an object in its params), read by a graph other than the one being run.
 */
import { addInPlace, NDArray, shapesEqual } from "../tensor/index.js";
import type { Tensor } from "./tensor.js";

/**
 * "fresh": made by backward, written in place only after a zeroGrad in place; "zeroed": zeros
 * standing for no gradient, replaced by the next one; "accumulating": a sum backward adds into.
 */
type Mode = "fresh" | "zeroed" | "accumulating";

interface Entry {
  readonly leaf: Tensor;
  readonly gradient: Tensor;
  mode: Mode;
  /** A recorded node or a backward pass holds the array: never written in place again. */
  frozen: boolean;
}

const owned = new WeakMap<ArrayBufferLike, Entry>();

/** `gradient` (a tensor backward just made from an array only it holds) now belongs to `leaf`. */
export function ownGrad(leaf: Tensor, gradient: Tensor, mode: Mode = "fresh"): void {
  owned.set(gradient.value.data.buffer, { leaf, gradient, mode, frozen: false });
}

/** Called by the `grad` setter: an array assigned by anyone is no longer written in place. */
export function disown(gradient: Tensor | null): void {
  if (gradient !== null) owned.delete(gradient.value.data.buffer);
}

/** Called for each array a graph will read later (saved by a node, or backward's upstream gradient). */
export function freeze(array: NDArray): void {
  const entry = owned.get(array.data.buffer);
  if (entry !== undefined) entry.frozen = true;
}

function entryOf(leaf: Tensor): Entry | null {
  const gradient = leaf.grad;
  if (gradient === null) return null;
  const entry = owned.get(gradient.value.data.buffer);
  return entry !== undefined && entry.leaf === leaf && entry.gradient === gradient ? entry : null;
}

/**
 * Whether `leaf.grad` is zeros from a zeroGrad in place that no backward has reached since, of
 * `grad`'s shape and dtype: backward then treats it as absent, whether or not it writes in place.
 */
export function isZeroed(leaf: Tensor, grad: NDArray): boolean {
  const entry = entryOf(leaf);
  return entry !== null && entry.mode === "zeroed" && entry.gradient.dtype === grad.dtype && shapesEqual(entry.gradient.shape, grad.shape);
}

/**
 * `leaf.grad += grad` in the leaf's own array, when a zeroGrad in place made it writable, nothing
 * froze it and it has `grad`'s shape and dtype; returns false (nothing done) otherwise.
 */
export function accumulateInPlace(leaf: Tensor, grad: NDArray): boolean {
  const entry = entryOf(leaf);
  if (entry === null || entry.frozen || entry.mode === "fresh") return false;
  const target = entry.gradient.value;
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
 * this leaf and nothing froze it: whoever holds that tensor sees it zeroed, then written by later
 * backward passes. Any other gradient (assigned by a user, or frozen) is replaced by fresh zeros
 * instead of being written. No gradient stays null.
 */
export function zeroGradInPlace(leaf: Tensor, wrap: (value: NDArray) => Tensor): void {
  if (leaf.grad === null) return;
  const entry = entryOf(leaf);
  if (entry === null || entry.frozen) {
    leaf.grad = wrap(NDArray.zeros(leaf.grad.shape, leaf.grad.dtype));
    ownGrad(leaf, leaf.grad, "zeroed");
  } else {
    entry.gradient.value.data.fill(0);
    entry.mode = "zeroed";
  }
}

/**
 * Set to null each of `leaves`' gradients that is still zeros from a zeroGrad in place (no
 * backward reached the leaf since), so that `optimizer.step()` skips that parameter, as after
 * the default zeroGrad.
 */
export function dropUnwritten(leaves: Iterable<Tensor>): void {
  for (const leaf of leaves) if (entryOf(leaf)?.mode === "zeroed") leaf.grad = null;
}
