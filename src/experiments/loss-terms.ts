/**
 * `loss-terms` (note 002's three panels): 2-D latents trained with the reconstruction term only,
 * the KL term only ("Using pure KL loss"), and both. The notes: reconstruction alone clusters
 * and leaves gaps, KL alone packs every code at the centre with no meaning, both together give
 * clusters packed near the origin. A model trained without the KL term has no reason to keep its
 * codes near the prior, so its latent map covers its codes' bounding box, not the prior's quantiles.
 */
import type { Canvas } from "../io/canvas.js";
import { composeFigure } from "./figures.js";
import { codeScatterFigure, codesOf, latentMapFigure, spreadSample } from "./latent-figures.js";
import { measureModel, type ModelMeasurements } from "./measure.js";
import { budgetOf, describeBudget, trainLatentModel, type TrainingBudget } from "./train-models.js";
import type { ExperimentData, ExperimentResult } from "./experiment.js";

/** What each of the three models trains with by default: as ae-vs-vae (its "both" panel is that VAE). */
export const LOSS_TERMS_BUDGET: TrainingBudget = { epochs: 5, lr: 3e-3, batchSize: 64 };

export interface LossTermsOptions extends Partial<TrainingBudget> {
  /** Default 2. */
  latentSize?: number;
  seed?: number;
  log?: (line: string) => void;
}

const VARIANTS = [
  { name: "reconstruction only", key: "reconstructionOnly", reconstructionWeight: 1, beta: 0 },
  { name: "KL only", key: "klOnly", reconstructionWeight: 0, beta: 1 },
  { name: "reconstruction + KL", key: "both", reconstructionWeight: 1, beta: 1 },
] as const;

export type LossTermsSummary = TrainingBudget & {
  experiment: "loss-terms";
  data: string;
  /** Training images each model saw per epoch. */
  trainCount: number;
  latentSize: number;
  seed: number;
  judgeTestAccuracy: number;
} & Record<(typeof VARIANTS)[number]["key"], ModelMeasurements & { reconstructionWeight: number; beta: number }>;

export function lossTerms(data: ExperimentData, options: LossTermsOptions = {}): ExperimentResult<LossTermsSummary> {
  const budget = budgetOf(options, LOSS_TERMS_BUDGET);
  const training = describeBudget(budget, data.train.count);
  const latentSize = options.latentSize ?? 2;
  const seed = options.seed ?? 0;
  const { x, labels } = spreadSample(data.test, 2000);
  const columns: Canvas[] = [];
  const measured: Record<string, ModelMeasurements & { reconstructionWeight: number; beta: number }> = {};
  for (const variant of VARIANTS) {
    const trained = trainLatentModel({ kind: "vae", latentSize, seed, ...budget, beta: variant.beta, reconstructionWeight: variant.reconstructionWeight }, data.train, data.test, options.log);
    const measurements = { ...measureModel(trained, data.train, data.test, data.judge.classifier, { seed }), reconstructionWeight: variant.reconstructionWeight, beta: variant.beta };
    measured[variant.key] = measurements;
    const subtitle = `${variant.name} (weights ${variant.reconstructionWeight}/${variant.beta}), ${data.name}`;
    const codes = codesOf(trained.model, x);
    const scatter = codeScatterFigure(trained.model, codes, labels, { subtitle, ...(data.labelNames ? { labelNames: data.labelNames } : {}) });
    const map = latentMapFigure(trained.model, codes, { subtitle, size: data.test, grid: measurements.latentGrid });
    columns.push(composeFigure([scatter, map], { direction: "column", title: [variant.name] }));
  }
  const figure = composeFigure(columns, { title: ["Loss terms: reconstruction only, KL only, both (posterior means of test images; decoded latent map)", `${data.name}, ${latentSize}-D latent, ${training}, seed ${seed}`] });
  return {
    summary: { experiment: "loss-terms", data: data.name, ...budget, trainCount: data.train.count, latentSize, seed, judgeTestAccuracy: data.judge.testAccuracy, ...measured } as LossTermsSummary,
    figures: { "loss-terms.png": figure },
  };
}
