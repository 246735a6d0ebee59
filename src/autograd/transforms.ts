/**
 * Gradients as functions, jax-style, next to `.backward()`: `grad(f)(x)` is df/dx and
 * `valueAndGrad(f)(x)` is [f(x), df/dx], for f returning a one-element tensor. The inputs are
 * not touched: f runs on fresh leaves that share their values, so their `.grad` stays as it was.
 */
import { formatShape, NDArray } from "../tensor/index.js";
import { isGradEnabled } from "./graph.js";
import { Tensor } from "./tensor.js";

export interface GradOptions {
  /** Which arguments to differentiate: one index (the gradient alone) or several (an array). Default 0. */
  argnums?: number | readonly number[];
}

type Gradients<O extends GradOptions> = O["argnums"] extends readonly number[] ? Tensor[] : Tensor;

/** `[f(...args), the gradients of f at args]` as a function of args. */
export function valueAndGrad<O extends GradOptions = { argnums?: number }>(
  f: (...args: Tensor[]) => Tensor,
  options?: O,
): (...args: Tensor[]) => [Tensor, Gradients<O>] {
  const argnums = options?.argnums ?? 0;
  const chosen = typeof argnums === "number" ? [argnums] : [...argnums];
  return (...args) => {
    if (!isGradEnabled()) throw new Error("grad: called inside noGrad, where no graph is recorded; call it outside");
    for (const i of chosen) {
      if (!Number.isInteger(i) || i < 0 || i >= args.length) throw new RangeError(`grad: argnums ${i} is out of range for ${args.length} arguments`);
    }
    const leaves = args.map((x, i) => new Tensor(x.value, { requiresGrad: chosen.includes(i) }));
    const value = f(...leaves);
    if (value.size !== 1) throw new Error(`grad: f must return a one-element tensor, got shape ${formatShape(value.shape)}; reduce it (e.g. .sum()) or call .backward(upstream)`);
    if (value.requiresGrad) value.backward();
    const grads = chosen.map((i) => {
      const leaf = leaves[i] as Tensor;
      return leaf.grad ?? new Tensor(NDArray.zeros(leaf.shape, leaf.dtype));
    });
    return [value.detach(), (typeof argnums === "number" ? grads[0] : grads) as Gradients<O>];
  };
}

/** The gradients of f at args, as a function of args: `grad((x) => x.square().sum())(x)` is 2x. */
export function grad<O extends GradOptions = { argnums?: number }>(f: (...args: Tensor[]) => Tensor, options?: O): (...args: Tensor[]) => Gradients<O> {
  const both = valueAndGrad(f, options);
  return (...args) => both(...args)[1];
}
