/**
 * `beta-sweep` (note 003, β-VAE): VAEs trained with several KL weights β; for each, a traversal
 * figure (rows = dimensions by KL, active units marked), and a table of test ELBO,
 * reconstruction, KL and active units. Larger β buys a simpler posterior with worse
 * reconstructions; the table says how much.
 */
import type { Canvas } from "../io/canvas.js";
import { tensor } from "../autograd/index.js";
import { className, codesOf, spreadSample, traversalFigure, traversalOrder } from "./latent-figures.js";
import { measureModel, type ModelMeasurements } from "./measure.js";
import { budgetOf, describeBudget, trainLatentModel, type TrainingBudget } from "./train-models.js";
import type { ExperimentData, ExperimentResult } from "./experiment.js";

/** What each β's VAE trains with by default (see the table in the notes of docs/elbo.md). */
export const BETA_SWEEP_BUDGET: TrainingBudget = { epochs: 4, lr: 3e-3, batchSize: 64 };

export interface BetaSweepOptions extends Partial<TrainingBudget> {
  /** Default [0.5, 1, 4, 8]. */
  betas?: number[];
  /** Default 10. */
  latentSize?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface BetaSweepRow extends ModelMeasurements {
  beta: number;
  /** Per latent dimension: its KL over the test images, nats. */
  klPerDimension: number[];
}

export interface BetaSweepSummary extends TrainingBudget {
  experiment: "beta-sweep";
  data: string;
  /** Training images each model saw per epoch. */
  trainCount: number;
  latentSize: number;
  seed: number;
  judgeTestAccuracy: number;
  rows: BetaSweepRow[];
}

export function betaSweep(data: ExperimentData, options: BetaSweepOptions = {}): ExperimentResult<BetaSweepSummary> {
  const betas = options.betas ?? [0.5, 1, 4, 8];
  const budget = budgetOf(options, BETA_SWEEP_BUDGET);
  const latentSize = options.latentSize ?? 10;
  const seed = options.seed ?? 0;
  const { x } = spreadSample(data.test, 2000);
  const pixels = data.test.height * data.test.width;
  const first = tensor(data.test.images.subarray(0, pixels), { shape: [1, pixels] });
  const rows: BetaSweepRow[] = [];
  const figures: Record<string, Canvas> = {};
  for (const beta of betas) {
    const trained = trainLatentModel({ kind: "vae", latentSize, seed, ...budget, beta }, data.train, data.test, options.log);
    const ranking = traversalOrder(trained.model, x);
    rows.push({ beta, ...measureModel(trained, data.train, data.test, data.judge.classifier, { seed }), klPerDimension: ranking.scores });
    const base = codesOf(trained.model, first).reshape([latentSize]);
    figures[`traversal-beta-${beta}.png`] = traversalFigure(trained.model, {
      base,
      baseName: `the posterior mean of test image 0 (class ${className(data.test.labels[0] as number, data.labelNames)})`,
      dims: ranking.order,
      ranking,
      subtitle: `beta ${beta}, ${data.name}, ${latentSize}-D latent, ${describeBudget(budget, data.train.count)}, seed ${seed}`,
      size: data.test,
    });
  }
  return { summary: { experiment: "beta-sweep", data: data.name, ...budget, trainCount: data.train.count, latentSize, seed, judgeTestAccuracy: data.judge.testAccuracy, rows }, figures };
}

/** The sweep's table, one line per β, as printed by the CLI. */
export function betaSweepTable(summary: BetaSweepSummary): string[] {
  const header = "  beta   test ELBO  reconstruction      KL  active units  sample top-p  class entropy";
  return [
    header,
    ...summary.rows.map((r) =>
      [r.beta.toString().padStart(6), (r.elbo ?? NaN).toFixed(2).padStart(11), r.reconstruction.toFixed(2).padStart(15), (r.kl ?? NaN).toFixed(2).padStart(7), `${r.activeUnits}/${summary.latentSize}`.padStart(13), r.samples.meanTopProbability.toFixed(3).padStart(13), r.samples.classEntropy.toFixed(3).padStart(14)].join(""),
    ),
  ];
}
