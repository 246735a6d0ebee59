/**
 * The gradient of broadcasting, in one place. An input of shape `[400]` broadcast to
 * `[128,400]` receives the sum of the gradient over the broadcast axis: d/dx of a copy is a sum.
 */
import { formatShape, NDArray, reshape, shapesEqual, ShapeError, sum, type Shape } from "../tensor/index.js";

/** Sum `grad` over the axes along which `shape` was broadcast, giving an array of `shape`. */
export function sumToShape(grad: NDArray, shape: Shape): NDArray {
  if (shapesEqual(grad.shape, shape)) return grad;
  const lead = grad.rank - shape.length;
  if (lead < 0) throw new ShapeError(`sumToShape: gradient of shape ${formatShape(grad.shape)} has fewer axes than ${formatShape(shape)}`);
  const axes: number[] = [];
  for (let axis = 0; axis < grad.rank; axis++) {
    const target = axis < lead ? undefined : shape[axis - lead];
    const dim = grad.shape[axis] as number;
    if (target === undefined || (target === 1 && dim !== 1)) axes.push(axis);
    else if (target !== dim) {
      throw new ShapeError(`sumToShape: gradient of shape ${formatShape(grad.shape)} does not broadcast from ${formatShape(shape)}`);
    }
  }
  return reshape(sum(grad, axes, true), shape);
}
