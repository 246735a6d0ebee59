export { Tensor, apply, type NestedArray, type TensorLike, type TensorOptions } from "./tensor.js";
export * from "./functional.js";
export { tensor, full, zeros, ones, randn, rand, arange, manualSeed, defaultGenerator, type RandomOptions } from "./factories.js";
export { noGrad, isGradEnabled } from "./graph.js";
export { detectAnomaly, isAnomalyEnabled, AnomalyError } from "./anomaly.js";
export { ops, type OpName } from "./ops.js";
export type { OpDef, OpContext } from "./op.js";
export { sumToShape } from "./broadcast.js";
export { gradcheck, assertGradcheck, formatGradcheckReport, type GradcheckOptions, type GradcheckReport, type InputReport, type Mismatch } from "./gradcheck.js";
export { grad, valueAndGrad, type GradOptions } from "./transforms.js";
// Internal (not in src/index.ts): zeroGrad in place, for nn/ and the trainer (see leaf-grad.ts).
export { dropUnwritten, zeroGradInPlace } from "./leaf-grad.js";
