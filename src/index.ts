/**
 * elbo: a from-scratch tensor and reverse-mode autodiff engine, with a variational autoencoder.
 * This entry runs in Node and in a browser; `elbo/node` adds what needs Node.
 *
 *   import { tensor, nn, vae } from "elbo";
 *
 * Every name here is public API, listed in `test/api/public-api.txt` (`npm run api:update`
 * rewrites that report after a deliberate change). Internals, the kernels among them, are not
 * exported: tests import them by path.
 */
// The differentiable Tensor, its functions and the op-definition API (`apply` with an `OpDef`).
export { Tensor, apply, type NestedArray, type TensorLike, type TensorOptions } from "./autograd/tensor.js";
export * from "./autograd/functional.js";
export { tensor, full, zeros, ones, randn, rand, arange, manualSeed, defaultGenerator, type RandomOptions } from "./autograd/factories.js";
export { noGrad, isGradEnabled } from "./autograd/graph.js";
export { detectAnomaly, isAnomalyEnabled, AnomalyError } from "./autograd/anomaly.js";
export { grad, valueAndGrad, type GradOptions } from "./autograd/transforms.js";
export type { OpDef, OpContext } from "./autograd/op.js";
export {
  gradcheck,
  assertGradcheck,
  formatGradcheckReport,
  type GradcheckOptions,
  type GradcheckReport,
  type InputReport,
  type Mismatch,
} from "./autograd/gradcheck.js";
// Grad-free arrays, the seeded generator, and which kernels run.
export { NDArray } from "./tensor/ndarray.js";
export { ShapeError, type Shape } from "./tensor/shape.js";
export type { DType, TypedArray } from "./tensor/dtype.js";
export { Generator, type GeneratorState } from "./tensor/random.js";
export { setKernelPath, kernelPath, setGemmThreads, gemmThreads, type KernelPath } from "./tensor/backend.js";
export type { GemmWorkerData, SpawnWorker, WorkerHandle } from "./tensor/wasm/threads.js";
export { spawnWebWorker } from "./tensor/wasm/web-worker.js";
// Layers, optimizers and checkpoints; the VAE family; the other models (classifier, GAN).
export * as nn from "./nn/index.js";
export * as vae from "./vae/index.js";
export * as models from "./models/index.js";
// The browser-safe data helpers: IDX bytes, datasets, splits, batches, binarization.
export { IdxError, parseIdx, type IdxArray, type IdxData, type IdxType } from "./data/idx.js";
export {
  batchCount,
  binarize,
  binarizeDataset,
  binarizeDatasetSampled,
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
export { corruptImages, formatCorruption, parseCorruption, type Corruption, type CorruptionKind } from "./data/corruption.js";
// The checkpoint format works on bytes, so a browser can read a checkpoint too.
export { encodeSafetensors, decodeSafetensors, SafetensorsError, type DecodedSafetensors } from "./io/safetensors.js";
