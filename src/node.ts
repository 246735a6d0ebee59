/**
 * elbo/node: what only Node can do. Datasets from IDX files and the bundled MNIST digits,
 * atomic and size-checked files, PNG pictures and plots, the training progress line, and worker
 * threads for the products (`setNumThreads`). The browser-safe parts are in `elbo`.
 *
 *   import { loadDataset, saveSafetensorsSync } from "elbo/node";
 *
 * Every name here is public API, listed in `test/api/public-api.txt` (`npm run api:update`).
 */
export { DatasetError, DEFAULT_MAX_IDX_BYTES, readIdxFile, type ReadIdxOptions } from "./data/idx-file.js";
export {
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_DIR,
  loadBundledMnist,
  loadDataset,
  loadIdxDataset,
  type IdxDatasetOptions,
  type IdxSplit,
} from "./data/mnist.js";
export {
  DEFAULT_MAX_CHECKPOINT_BYTES,
  FileError,
  writeFileAtomic,
  writeFileAtomicSync,
  readFileChecked,
  saveSafetensors,
  saveSafetensorsSync,
  loadSafetensors,
} from "./io/files.js";
export { encodePng, type PngImage } from "./io/png.js";
export { imageGrid, imageGridPng, type ImageBatch, type GridOptions } from "./io/grid.js";
export { linePlot, scatterPlot, type Series, type PlotOptions, type ScatterOptions, type Plot } from "./io/plots.js";
export { ProgressReporter, type ProgressOptions, type ProgressStream } from "./io/progress.js";
export { setNumThreads, getNumThreads, getWorkerChunks } from "./threads/node.js";
