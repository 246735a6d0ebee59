/**
 * Leaf gradients that backward may write in place. A leaf's `grad` is normally replaced at each
 * accumulation (`grad + g` is a new array) and dropped by `zeroGrad()` (torch's
 * `set_to_none=True`), so a training step allocates every weight gradient again: for the VAE's
 * [400,784] weights that is ~70 µs of mmap plus ~200 µs of first-touch page faults per array,
 * against ~40 µs to write into one already touched (measured 2026-12-04 on the project's VM).
 *
 * `zeroGrad({ setToNone: false })` (torch's `set_to_none=False`) zero-fills a gradient in place
 * and marks it; the next backward that reaches the leaf copies its gradient into that array (the
 * zeros stand for "no gradient yet": a copy, not `0 + g`, keeps a -0 as the default path does),
 * and later ones add into it in place. Only an array that backward made for this very leaf, and
 * that no one else is known to hold, is ever written:
 * - assigning any tensor to some `.grad` takes its array out of this registry (`disown`): a
 *   gradient a user set, or shares by assignment (`q.grad = p.grad`, or a reshape of it), is never
 *   written in place, and zeroGrad in place replaces it by fresh zeros;
 * - an array that a recorded node saves (an op's input, or its params when they are an array) or
 *   that backward is given as the upstream gradient is `frozen`: a graph built on `p.grad` (or on
 *   a detach or a view of it, which share its buffer) then reads the values it was built with,
 *   however many backward passes run before it. Frozen gradients are summed out of place and
 *   replaced by fresh zeros, as assigned ones. (Torch instead raises "modified by an inplace
 *   operation" when the graph runs; here the answer is simply the default path's.)
 * The registry is keyed by the array's buffer, so views and detached copies of a gradient find it.
 * Not seen: an array a user's op captures some other way (a closure, an object in its params).
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
