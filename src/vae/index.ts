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
export { interpolateLatents, activeUnits, type InterpolationMode, type ActiveUnits } from "./latent.js";
