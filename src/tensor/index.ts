export { allocate, dtypeOf, isDType, DEFAULT_DTYPE, type DType, type TypedArray } from "./dtype.js";
export * from "./shape.js";
export { NDArray, checkSameDType } from "./ndarray.js";
export * from "./elementwise.js";
export * from "./reduce.js";
export * from "./layout.js";
export * from "./matmul.js";
export { Generator, type GeneratorState } from "./random.js";
export { setKernelPath, kernelPath, type KernelPath } from "./backend.js";
