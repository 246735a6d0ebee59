/**
 * Shapes, strides and NumPy broadcasting.
 *
 * A shape is a list of non-negative integer dimension sizes; rank 0 (`[]`) is a scalar.
 * Storage is always contiguous and row-major, so strides follow from the shape.
 */

export type Shape = readonly number[];

/** An error raised by an op when its inputs do not fit: the message names the op and the shapes. */
export class ShapeError extends Error {
  override name = "ShapeError";
}

/** `[128,784]`: the form every error message uses. */
export function formatShape(shape: Shape): string {
  return `[${shape.join(",")}]`;
}

export function sizeOf(shape: Shape): number {
  if (shape.includes(0)) return 0; // an empty axis empties the array, however large the others
  let size = 1;
  for (const dim of shape) size *= dim;
  return size;
}

/** Row-major strides, in elements: the last axis has stride 1. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    strides[axis] = stride;
    stride *= shape[axis] as number;
  }
  return strides;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Throws unless every dimension is a non-negative integer. */
export function checkShape(op: string, shape: Shape): void {
  for (const dim of shape) {
    if (!Number.isInteger(dim) || dim < 0) {
      throw new ShapeError(`${op}: invalid shape ${formatShape(shape)}: dimensions must be non-negative integers`);
    }
  }
}

/**
 * The NumPy broadcast of several shapes: align from the right; each pair of dimensions must be
 * equal or one of them 1.
 */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const shape of shapes) {
    const offset = rank - shape.length;
    for (let i = 0; i < shape.length; i++) {
      const dim = shape[i] as number;
      const current = out[offset + i] as number;
      if (dim === current || dim === 1) continue;
      if (current === 1) out[offset + i] = dim;
      else {
        throw new ShapeError(`${op}: shapes cannot be broadcast together, ${shapes.map(formatShape).join(" and ")}`);
      }
    }
  }
  return out;
}

/**
 * Strides that read an array of `shape` as if it had the (broadcast) shape `target`:
 * a broadcast axis gets stride 0. `shape` must broadcast to `target`.
 */
export function broadcastStrides(shape: Shape, target: Shape): number[] {
  const own = stridesOf(shape);
  const offset = target.length - shape.length;
  const strides = new Array<number>(target.length).fill(0);
  for (let i = 0; i < shape.length; i++) {
    strides[offset + i] = shape[i] === 1 && target[offset + i] !== 1 ? 0 : (own[i] as number);
  }
  return strides;
}

/** Resolve one possibly negative axis against `rank`, or throw naming the op. */
export function normalizeAxis(op: string, axis: number, rank: number, shape?: Shape): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    const where = shape ? ` for shape ${formatShape(shape)}` : ` for rank ${rank}`;
    throw new ShapeError(`${op}: axis ${axis} is out of range${where}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/**
 * Resolve a set of axes (undefined means all of them) to sorted, distinct, non-negative axes.
 */
export function normalizeAxes(op: string, axes: number | readonly number[] | undefined, shape: Shape): number[] {
  const rank = shape.length;
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === "number" ? [axes] : axes;
  const resolved = list.map((axis) => normalizeAxis(op, axis, rank, shape));
  if (new Set(resolved).size !== resolved.length) {
    throw new ShapeError(`${op}: repeated axis in [${list.join(",")}] for shape ${formatShape(shape)}`);
  }
  return resolved.sort((a, b) => a - b);
}
