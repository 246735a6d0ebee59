export { VAE, type VAEConfig, type Likelihood, type Posterior } from "./model.js";
export type { Activation, Architecture } from "./architecture.js";
export { elbo, klWarmup, type ElboOptions, type ElboTerms } from "./elbo.js";
export { iwae, iwaeBound, iwaeLogWeights, type IwaeOptions, type IwaeTerms } from "./iwae.js";
export { estimateLogLikelihood, type LogLikelihoodEstimate, type LogLikelihoodOptions } from "./log-likelihood.js";
export { linearElbo, linearExpectedLogLikelihood, momentMatchedPoints } from "./linear.js";
export {
  fitFactorAnalysis,
  emStep,
  factorAnalysisLogLikelihood,
  factorAnalysisPosterior,
  type FactorAnalysis,
  type FactorPosterior,
  type EmFit,
  type EmOptions,
} from "./factor-analysis.js";
export {
  scoreFunctionSurrogate,
  gradientStatistics,
  encoderParameters,
  type GradientEstimator,
  type GradientStatistics,
  type EstimatorOptions,
} from "./estimators.js";
export { fitPosterior, elboAt, type PosteriorFitOptions } from "./inference.js";
export { logMarginal, evidenceDecomposition, type EvidenceDecomposition, type QuadratureOptions } from "./marginal.js";
export {
  reparameterize,
  sampleEpsilon,
  gaussianKL,
  gaussianKLPerDimension,
  gaussianLogDensity,
  standardNormalLogDensity,
  boundLogVar,
} from "./gaussian.js";
export { bernoulliLogLikelihood, gaussianLogLikelihood, drawObservations } from "./likelihood.js";
export { interpolateLatents, activeUnits, projectTo2D, principalPlane, type InterpolationMode, type ActiveUnits, type PrincipalPlane } from "./latent.js";
export { Autoencoder, autoencoderObjective, type AutoencoderConfig, type LatentModel } from "./autoencoder.js";
export { fitCodeGaussian, sampleCodeGaussian, generativeCodes, type CodeGaussian } from "./code-gaussian.js";
export {
  inverseNormalCdf,
  normalQuantileGrid,
  linspace,
  latentMap,
  traversalCodes,
  classMean,
  attributeCodes,
  type LatentDecoder,
  type LatentMap,
  type LatentMapOptions,
} from "./latent-map.js";
export { Normal, Bernoulli, klDivergence, type Distribution, type SampleOptions } from "./distributions.js";
export { oneHot, repeatRows } from "./conditional.js";
export { elboObjective, iwaeObjective, type ElboObjectiveOptions, type BatchLoss, type ElboAverages, type ElboTerm, type IwaeTerm, type Objective, type ObjectiveContext, type Trainable } from "./objective.js";
export {
  trainEpoch,
  evaluate,
  MAX_CONSECUTIVE_SKIPS,
  type EpochOptions,
  type EpochResult,
  type Evaluation,
  type NonFiniteAction,
  type StepInfo,
} from "./trainer.js";
export { trainEpochAsync, TrainingInterrupted, type PauseOptions } from "./interruptible.js";

export { DebiasingVAE, debiasingLoss, type DebiasingVAEConfig, type DebiasingOutputs, type DebiasingLoss, type DebiasingLossOptions } from "./dbvae.js";
export { resamplingProbabilities, resampleIndices, type ResamplingOptions } from "./latent-resampling.js";
export { buildModel, parseRunConfig, restoreRun, RunFolderError, type ConfigChange, type ModelConfig, type RunConfig, type TrainingConfig } from "./run-config.js";
export { pytorchModuleSource, readPyTorchVAE, type PyTorchVAEShape } from "./pytorch.js";
