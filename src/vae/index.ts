export { VAE, type VAEConfig, type Likelihood, type Posterior } from "./model.js";
export { elbo, klWarmup, type ElboOptions, type ElboTerms } from "./elbo.js";
export { iwaeBound, type IwaeOptions } from "./iwae.js";
export {
  reparameterize,
  sampleEpsilon,
  gaussianKL,
  gaussianKLPerDimension,
  gaussianLogDensity,
  standardNormalLogDensity,
  boundLogVar,
} from "./gaussian.js";
export { bernoulliLogLikelihood, gaussianLogLikelihood } from "./likelihood.js";
export { interpolateLatents, activeUnits, projectTo2D, type InterpolationMode, type ActiveUnits } from "./latent.js";
export { trainEpoch, evaluate, type ElboAverages, type EpochOptions, type Evaluation, type StepInfo } from "./trainer.js";
