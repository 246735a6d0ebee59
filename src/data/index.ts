/**
 * `data/`: IDX parsing, datasets, splits, batches and binarization. `idx.ts` and `dataset.ts`
 * are pure and browser-safe; `idx-file.ts` and `mnist.ts` read files with `node:` modules.
 */
export { IdxError, parseIdx, parseIdxHeader, idxDimOffset, IDX_MAX_DIMS, IDX_NDIMS_OFFSET, IDX_TYPE_OFFSET } from "./idx.js";
export type { IdxArray, IdxData, IdxHeader, IdxType } from "./idx.js";
export { DatasetError, decodeIdxFile, DEFAULT_MAX_IDX_BYTES, gunzipBounded, isGzip, readBoundedFile, readIdxFile, type ReadIdxOptions } from "./idx-file.js";
export {
  batchCount,
  binarize,
  binarizeDataset,
  binarizeDatasetSampled,
  binarizeDynamic,
  binarizeStatic,
  checkDataset,
  filterByLabel,
  gatherBatch,
  orderedBatches,
  pixelsOf,
  shuffledBatches,
  splitDataset,
  subset,
  TEST_BINARIZATION_SEED,
} from "./dataset.js";
export type { Batch, BatchOptions, BinarizeMode, Dataset } from "./dataset.js";
export { corruptImages, formatCorruption, parseCorruption, type Corruption, type CorruptionKind } from "./corruption.js";
export {
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_DIR,
  loadBundledMnist,
  loadDataset,
  loadIdxDataset,
  type IdxDatasetOptions,
  type IdxSplit,
} from "./mnist.js";
