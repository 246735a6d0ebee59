/**
 * elbo/node: what only Node can do. Datasets from IDX files and the bundled MNIST digits,
 * atomic and size-checked files, PNG pictures and plots, the training progress line, and worker
 * threads for the products (`setNumThreads`).
 *
 *   import { loadDataset, saveSafetensorsSync } from "elbo/node";
 */
export * from "./data/index.js";
export * from "./io/files.js";
export { encodePng, crc32, type PngImage } from "./io/png.js";
export { imageGrid, imageGridPng, type ImageBatch, type GridOptions } from "./io/grid.js";
export { linePlot, scatterPlot, type Series, type PlotOptions, type ScatterOptions, type Plot } from "./io/plots.js";
export { Canvas, TAB10, type Rgb } from "./io/canvas.js";
export { ProgressReporter, type ProgressOptions, type ProgressStream } from "./io/progress.js";
export { setNumThreads, getNumThreads, getWorkerChunks } from "./threads/node.js";
