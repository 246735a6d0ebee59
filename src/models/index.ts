/** `models`: networks beside the VAE family, on the same engine. Today: the MLP classifier that judges samples. */
export {
  Classifier,
  classifierAccuracy,
  predictClasses,
  trainClassifierEpoch,
  type ClassifierConfig,
  type ClassifierEpochOptions,
} from "./classifier.js";
