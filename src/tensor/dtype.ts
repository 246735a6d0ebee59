/** The element types a tensor can hold. `float32` is the default; `float64` is for gradcheck and reference runs. */
export type DType = "float32" | "float64";

/** The storage behind every tensor: one contiguous, row-major typed array. */
export type TypedArray = Float32Array | Float64Array;

export const DEFAULT_DTYPE: DType = "float32";

/** A new zero-filled array of `size` elements of `dtype`. */
export function allocate(dtype: DType, size: number): TypedArray {
  return dtype === "float64" ? new Float64Array(size) : new Float32Array(size);
}

/** The dtype of an existing typed array. */
export function dtypeOf(data: TypedArray): DType {
  return data instanceof Float64Array ? "float64" : "float32";
}

export function isDType(value: unknown): value is DType {
  return value === "float32" || value === "float64";
}
