/**
 * `experiments/`: the lecture notes' experiments. Each is a function that trains what it needs,
 * measures, and returns its numbers and figures, so the CLI, the tests and the docs' figure
 * script share one implementation. Node-only (figures are PNG bytes; the judge is cached on disk).
 */
export { sampleQuality, reconstructionAccuracy, entropy, type SampleQuality } from "./sample-quality.js";
export { loadOrTrainJudge, type Judge, type JudgeOptions } from "./judge.js";
