/** `models`: networks beside the VAE family, on the same engine: the MLP classifier that judges samples, and a GAN. */
export {
  Classifier,
  classifierAccuracy,
  predictClasses,
  trainClassifierEpoch,
  type ClassifierConfig,
  type ClassifierEpochOptions,
} from "./classifier.js";
export { GAN, discriminatorLoss, generatorLoss, type GANConfig } from "./gan.js";
export { trainGanEpoch, type GanEpochAverages, type GanEpochOptions, type GanStepInfo } from "./gan-trainer.js";
