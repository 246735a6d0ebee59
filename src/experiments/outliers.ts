/**
 * Outlier detection by density (notes 001 and 003: "learning the distribution allows us to
 * identify outliers"). A trained VAE scores an in-distribution set and an outlier set with
 * three functions, higher meaning more typical:
 *
 *   ELBO                 the mean of k log importance weights (eq. 4 estimated with k draws)
 *   IWAE log p(x)        L_k, their log-mean-exp (eq. 14): the tighter estimate of log p(x)
 *   log p(x) + L(x)      L_k plus the image's compressed length in nats: the log likelihood
 *                        ratio against a universal compressor (Serrà et al. 2020, ICLR, eq. 2:
 *                        their OOD score S(x) = −ℓ(x) − L(x), negated), which cancels the part
 *                        of log p(x) that only says "this image is simple"
 *
 * and measures how well each separates the sets (AUROC, AUPRC with the outliers as positives).
 * Nalisnick et al. 2019 ("Do deep generative models know what they don't know?") found that
 * such models often give outliers a *higher* likelihood; the experiment reports what it finds.
 */
import { tensor } from "../autograd/index.js";
import type { Dataset } from "../data/index.js";
import type { Generator } from "../tensor/index.js";
import { iwaeLogWeights, type VAE } from "../vae/index.js";
import { auprc, auroc, rocCurve, type RocCurve } from "./roc.js";

/** Images × importance samples decoded at once (bounds the memory of scoring). */
export const SCORE_SAMPLES_PER_BATCH = 20_000;

export type ScoreName = "elbo" | "logPx" | "complexityCorrected";

/** The score functions in table order, with the names printed and plotted. */
export const SCORE_FUNCTIONS: readonly { key: ScoreName; name: string }[] = [
  { key: "elbo", name: "ELBO" },
  { key: "logPx", name: "IWAE log p(x)" },
  { key: "complexityCorrected", name: "log p(x) + L(x)" },
];

/** Per-image scores in nats, higher = more typical. */
export type ImageScores = Record<ScoreName, Float64Array>;

export interface ScoreOptions {
  /** Importance samples per image. */
  k: number;
  generator: Generator;
  /** The image's compressed length in bits, L(x) (see io/compressed-length.ts). */
  compressedBits: (pixels: Float32Array) => number;
}

/** The ELBO and IWAE estimates of every image of `data`, batched so k × batch stays bounded. */
export function scoreImages(model: VAE, data: Dataset, options: Omit<ScoreOptions, "compressedBits">): Pick<ImageScores, "elbo" | "logPx"> {
  const { k, generator } = options;
  const pixels = model.inputSize;
  const elbo = new Float64Array(data.count);
  const logPx = new Float64Array(data.count);
  const batch = Math.max(1, Math.floor(SCORE_SAMPLES_PER_BATCH / k));
  for (let start = 0; start < data.count; start += batch) {
    const end = Math.min(start + batch, data.count);
    const x = tensor(data.images.slice(start * pixels, end * pixels), { shape: [end - start, pixels], dtype: model.dtype });
    const logWeights = iwaeLogWeights(model, x, k, { generator }); // [k, batch]
    elbo.set(logWeights.mean(0).data, start);
    logPx.set(logWeights.logSumExp(0).sub(Math.log(k)).data, start);
  }
  return { elbo, logPx };
}

/** All three scores of every image of `data`. */
export function scoreAll(model: VAE, data: Dataset, options: ScoreOptions): ImageScores {
  const { elbo, logPx } = scoreImages(model, data, options);
  const pixels = model.inputSize;
  const complexityCorrected = Float64Array.from(logPx, (logP, i) => logP + Math.LN2 * options.compressedBits(data.images.subarray(i * pixels, (i + 1) * pixels)));
  return { elbo, logPx, complexityCorrected };
}

export interface ScoreRow {
  key: ScoreName;
  name: string;
  auroc: number;
  auprc: number;
  /** Mean score of each set, nats. */
  meanIn: number;
  meanOut: number;
}

export interface OutlierResult {
  /** One row per score function, in `SCORE_FUNCTIONS` order. */
  rows: ScoreRow[];
  curves: Record<ScoreName, RocCurve>;
  inScores: ImageScores;
  outScores: ImageScores;
}

const mean = (values: Float64Array): number => values.reduce((a, b) => a + b, 0) / values.length;
const negated = (values: Float64Array): Float64Array => values.map((v) => -v);

/** Score both sets and measure each score function as an outlier detector. */
export function outlierExperiment(model: VAE, inSet: Dataset, outSet: Dataset, options: ScoreOptions): OutlierResult {
  if (inSet.height * inSet.width !== model.inputSize || outSet.height * outSet.width !== model.inputSize) {
    throw new RangeError(`outlierExperiment: a model of ${model.inputSize} inputs cannot score ${inSet.name} (${inSet.height}×${inSet.width}) and ${outSet.name} (${outSet.height}×${outSet.width})`);
  }
  const inScores = scoreAll(model, inSet, options);
  const outScores = scoreAll(model, outSet, options);
  const rows: ScoreRow[] = [];
  const curves = {} as Record<ScoreName, RocCurve>;
  for (const { key, name } of SCORE_FUNCTIONS) {
    // Outliers are the positives, flagged by a low score: pass −score, higher = more unusual.
    const positives = negated(outScores[key]);
    const negatives = negated(inScores[key]);
    rows.push({ key, name, auroc: auroc(positives, negatives), auprc: auprc(positives, negatives), meanIn: mean(inScores[key]), meanOut: mean(outScores[key]) });
    curves[key] = rocCurve(positives, negatives);
  }
  return { rows, curves, inScores, outScores };
}
