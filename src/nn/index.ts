/**
 * `nn`: what a training loop needs. Modules and layers (`Module`, `Layer`, `Linear`, `Conv2d`, `ConvTranspose2d`,
 * `Sequential`, activations), initializers (the `init` namespace), optimizers (`SGD`, `Adam`,
 * `AdamW` on the `Optimizer` base), the IWAE paper's learning-rate schedule (`iwaeLearningRate`), gradient clipping, the training guard (`NonFiniteError`, `ExplosionWatch`), and checkpoints as tensors + metadata.
 *
 *   const model = new Sequential(new Linear(2, 16), new Tanh(), new Linear(16, 1));
 *   const optimizer = new Adam(model.parameters(), { lr: 1e-2 });
 *   optimizer.zeroGrad(); loss.backward(); clipGradNorm(model.parameters(), 1); optimizer.step();
 */
export { Module, Layer } from "./module.js";
export type { ZeroGradOptions } from "./zero-grad.js";
export { Linear, type LinearOptions } from "./linear.js";
export { Conv2d, ConvTranspose2d, type Conv2dLayerOptions, type ConvTranspose2dLayerOptions } from "./conv.js";
export { Sequential } from "./sequential.js";
export { Flatten, Unflatten } from "./reshape.js";
export { ReLU, LeakyReLU, Sigmoid, Tanh, Softplus } from "./activations.js";
export * as init from "./init.js";
export type { InitOptions } from "./init.js";
export {
  Optimizer,
  type LearningRate,
  type HyperParameters,
  type ParameterState,
  type OptimizerStateDict,
} from "./optim/optimizer.js";
export { SGD, type SGDOptions, type SGDHyperParameters } from "./optim/sgd.js";
export { Adam, AdamW, type AdamOptions, type AdamHyperParameters } from "./optim/adam.js";
export { iwaeLearningRate, iwaeStage } from "./optim/schedules.js";
export { clipGradNorm, gradNorm, type ClipGradNormOptions } from "./clip.js";
export { NonFiniteError, ExplosionWatch, checkGradients, firstNonFinite, formatTerms, type ExplosionOptions } from "./guard.js";
export {
  captureCheckpoint,
  restoreCheckpoint,
  CheckpointError,
  CHECKPOINT_FORMAT,
  type Checkpoint,
  type CheckpointContents,
  type CheckpointTargets,
  type NonFiniteOptions,
  type RestoreOptions,
} from "./checkpoint.js";
