/**
 * elbo: a from-scratch tensor and reverse-mode autodiff engine, with a variational autoencoder.
 *
 *   import { tensor, nn, vae } from "elbo";
 */
export * from "./autograd/index.js";
export {
  Generator,
  NDArray,
  ShapeError,
  setKernelPath,
  kernelPath,
  type KernelPath,
  type DType,
  type GeneratorState,
  type Shape,
  type TypedArray,
} from "./tensor/index.js";
export * as kernels from "./tensor/index.js";
export * as nn from "./nn/index.js";
export * as vae from "./vae/index.js";
export * as models from "./models/index.js";
// The checkpoint format works on bytes, so a browser can read a checkpoint too.
// The pure data helpers (no files): splits, batches, binarization of a Dataset held in memory.
export {
  batchCount,
  binarize,
  binarizeDataset,
  binarizeDynamic,
  binarizeStatic,
  checkDataset,
  gatherBatch,
  orderedBatches,
  pixelsOf,
  shuffledBatches,
  splitDataset,
  subset,
  type Batch,
  type BatchOptions,
  type BinarizeMode,
  type Dataset,
} from "./data/dataset.js";
export { encodeSafetensors, decodeSafetensors, SafetensorsError, type DecodedSafetensors } from "./io/safetensors.js";
