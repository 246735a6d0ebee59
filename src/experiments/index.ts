/**
 * `experiments/`: the lecture notes' experiments. Each is a function that trains what it needs,
 * measures, and returns its numbers and figures, so the CLI, the tests and the docs' figure
 * script share one implementation. Node-only (figures are PNG bytes; the judge is cached on disk).
 */
export { sampleQuality, reconstructionAccuracy, entropy, type SampleQuality } from "./sample-quality.js";
export { loadOrTrainJudge, type Judge, type JudgeOptions } from "./judge.js";
export { auroc, auprc, rocCurve, type RocCurve } from "./roc.js";
export { outlierExperiment, scoreImages, scoreAll, SCORE_FUNCTIONS, type OutlierResult, type ScoreRow, type ScoreName, type ImageScores, type ScoreOptions } from "./outliers.js";
export { rocPng, histogramPng, lowestPng } from "./outlier-figures.js";
export { debiasExperiment, biasedTrainingSet, rotate90, trainDebiaser, type DebiasOptions, type DebiasResult, type DebiasRow } from "./debias.js";
export { resampledExtremesPng } from "./debias-figures.js";
export { vaeVsGan, vaeVsGanPng, type VaeVsGanOptions, type Snapshot } from "./vae-vs-gan.js";
export { denoiseDataset, imageErrors, type Denoised, type ImageErrors } from "./denoising.js";
export { conditionalSampleAccuracy, type ConditionalAccuracy } from "./conditional-accuracy.js";
