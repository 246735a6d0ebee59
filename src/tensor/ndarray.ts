/**
 * `NDArray`: the grad-free n-d array every kernel reads and writes. Contiguous, row-major,
 * float32 or float64. Kernels never modify their inputs, so arrays may share storage
 * (a reshape is free).
 */
import { allocate, dtypeOf, type DType, type TypedArray } from "./dtype.js";
import { checkShape, formatShape, ShapeError, sizeOf, type Shape } from "./shape.js";

export class NDArray {
  readonly data: TypedArray;
  readonly shape: Shape;

  constructor(data: TypedArray, shape: Shape) {
    checkShape("NDArray", shape);
    if (data.length !== sizeOf(shape)) {
      throw new ShapeError(`NDArray: ${data.length} elements do not fill shape ${formatShape(shape)} (${sizeOf(shape)} elements)`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
  }

  get dtype(): DType {
    return dtypeOf(this.data);
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  static zeros(shape: Shape, dtype: DType): NDArray {
    checkShape("zeros", shape);
    return new NDArray(allocate(dtype, sizeOf(shape)), shape);
  }

  static full(shape: Shape, value: number, dtype: DType): NDArray {
    const out = NDArray.zeros(shape, dtype);
    out.data.fill(value);
    return out;
  }

  /** A copy in `dtype` (a plain copy when the dtype is unchanged). */
  astype(dtype: DType): NDArray {
    const data = allocate(dtype, this.size);
    data.set(this.data);
    return new NDArray(data, this.shape);
  }

  clone(): NDArray {
    return this.astype(this.dtype);
  }
}

/** Throws unless all arrays share one dtype; names the op and the shapes. */
export function checkSameDType(op: string, ...arrays: NDArray[]): DType {
  const first = arrays[0];
  if (!first) throw new ShapeError(`${op}: no inputs`);
  for (const array of arrays) {
    if (array.dtype !== first.dtype) {
      const described = arrays.map((a) => `${a.dtype}${formatShape(a.shape)}`).join(" and ");
      throw new TypeError(`${op}: mixed dtypes, ${described}; convert one with .to("${first.dtype}")`);
    }
  }
  return first.dtype;
}
