/**
 * Shape layers, as torch.nn.Flatten and torch.nn.Unflatten: parameter-free, so that a
 * `Sequential` can move between images [N, C, H, W] and vectors [N, C·H·W] and still number
 * its layers (and name its parameters) as the same PyTorch Sequential does.
 */
import type { Tensor } from "../autograd/index.js";
import { formatShape, ShapeError } from "../tensor/index.js";
import { Layer } from "./module.js";

/** Axes from `startDim` on become one (default 1: [N, C, H, W] → [N, C·H·W]). */
export class Flatten extends Layer {
  constructor(readonly startDim = 1) {
    super();
  }

  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim);
  }
}

/** Axis `dim` becomes the axes `sizes` (their product must be its size): [N, 784] → [N, 1, 28, 28]. */
export class Unflatten extends Layer {
  readonly sizes: readonly number[];

  constructor(readonly dim: number, sizes: readonly number[]) {
    super();
    if (!Number.isInteger(dim) || dim < 0) throw new RangeError(`Unflatten: dim must be a non-negative integer, got ${dim}`);
    if (sizes.length === 0 || !sizes.every((s) => Number.isInteger(s) && s > 0)) throw new RangeError(`Unflatten: sizes must be positive integers, got ${formatShape(sizes)}`);
    this.sizes = [...sizes];
  }

  forward(x: Tensor): Tensor {
    const size = this.sizes.reduce((a, b) => a * b, 1);
    if (x.rank <= this.dim || x.shape[this.dim] !== size) {
      throw new ShapeError(`Unflatten: axis ${this.dim} of ${formatShape(x.shape)} must have ${size} elements to become ${formatShape(this.sizes)}`);
    }
    return x.reshape([...x.shape.slice(0, this.dim), ...this.sizes, ...x.shape.slice(this.dim + 1)]);
  }
}
