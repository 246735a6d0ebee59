/**
 * Every experiment end to end for one epoch on a small slice of the bundled digits: the figures
 * encode to PNGs of a plausible size, and every number of the summary is finite and in range.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBundledMnist, subset } from "../../src/data/index.js";
import { AE_VS_VAE_BUDGET, aeVsVae } from "../../src/experiments/ae-vs-vae.js";
import { betaSweep, betaSweepTable } from "../../src/experiments/beta-sweep.js";
import type { ExperimentData, ExperimentResult } from "../../src/experiments/experiment.js";
import { loadOrTrainJudge } from "../../src/experiments/judge.js";
import { LOSS_TERMS_BUDGET, lossTerms } from "../../src/experiments/loss-terms.js";
import type { ModelMeasurements } from "../../src/experiments/measure.js";

const work = mkdtempSync(join(tmpdir(), "elbo-experiments-"));
let data: ExperimentData;

beforeAll(() => {
  const all = loadBundledMnist();
  // Every 10th digit for training, another slice for testing (the bundle is sorted by label).
  const train = subset(all, Array.from({ length: 800 }, (_, i) => (i * 12) % all.count));
  const test = subset(all, Array.from({ length: 200 }, (_, i) => (i * 50 + 7) % all.count));
  const judge = loadOrTrainJudge(train, test, { path: join(work, "judge.safetensors"), epochs: 3, hiddenSizes: [64] });
  data = { train, test, name: "mnist-slice", judge };
}, 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every figure encodes to a PNG with the signature and at least the given size. */
function checkFigures(result: ExperimentResult<object>, names: string[], minWidth: number): void {
  expect(Object.keys(result.figures).sort()).toEqual([...names].sort());
  for (const canvas of Object.values(result.figures)) {
    const png = canvas.toPng();
    expect([...png.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect(canvas.width).toBeGreaterThanOrEqual(minWidth);
    // Not blank: the figure has dark and light pixels.
    const values = new Set(Array.from(canvas.pixels.filter((_, i) => i % 3 === 0)));
    expect(values.size).toBeGreaterThan(10);
  }
}

function checkMeasurements(m: ModelMeasurements, latent: number, vae: boolean): void {
  expect(Number.isFinite(m.reconstruction) && m.reconstruction < 0).toBe(true);
  if (vae) {
    expect(m.kl).toBeGreaterThanOrEqual(0);
    expect(m.elbo).toBeCloseTo(m.reconstruction - (m.kl as number), 3); // float32 averages
  } else {
    expect(m.kl).toBeNull();
  }
  expect(m.activeUnits).toBeGreaterThanOrEqual(0);
  expect(m.activeUnits).toBeLessThanOrEqual(latent);
  for (const quality of [m.samples, m.latentMap]) {
    expect(quality.meanTopProbability).toBeGreaterThanOrEqual(0.1);
    expect(quality.meanTopProbability).toBeLessThanOrEqual(1);
    expect(quality.classEntropy).toBeGreaterThanOrEqual(0);
    expect(quality.classEntropy).toBeLessThanOrEqual(Math.log(10) + 1e-12);
    expect(quality.inceptionScore).toBeGreaterThanOrEqual(1 - 1e-9);
    expect(quality.inceptionScore).toBeLessThanOrEqual(10);
    expect(quality.classHistogram.reduce((a, b) => a + b, 0)).toBe(quality.count);
  }
  expect(m.samples.count).toBe(1000);
  expect(m.latentMap.count).toBe(400);
  expect(m.reconstructionAccuracy).toBeGreaterThanOrEqual(0);
  expect(m.reconstructionAccuracy).toBeLessThanOrEqual(1);
}

describe("experiments, 1 epoch on a slice", () => {
  it("ae-vs-vae: one side-by-side figure and both models measured", () => {
    const result = aeVsVae(data, { epochs: 1 });
    checkFigures(result, ["ae-vs-vae.png"], 1000);
    // The budget asked for, the rest at the experiment's defaults; every model saw the 800 training images.
    expect(result.summary).toMatchObject({ experiment: "ae-vs-vae", data: "mnist-slice", epochs: 1, lr: AE_VS_VAE_BUDGET.lr, batchSize: AE_VS_VAE_BUDGET.batchSize, trainCount: 800, latentSize: 2 });
    checkMeasurements(result.summary.ae, 2, false);
    checkMeasurements(result.summary.vae, 2, true);
    expect([result.summary.ae.latentGrid, result.summary.vae.latentGrid]).toEqual(["codes", "prior"]);
    expect(JSON.parse(JSON.stringify(result.summary))).toEqual(result.summary);
  }, 60_000);

  it("loss-terms: reconstruction only, KL only, both", () => {
    const result = lossTerms(data, { epochs: 1, batchSize: 100 });
    expect(result.summary).toMatchObject({ epochs: 1, lr: LOSS_TERMS_BUDGET.lr, batchSize: 100, trainCount: 800 });
    checkFigures(result, ["loss-terms.png"], 1500);
    checkMeasurements(result.summary.reconstructionOnly, 2, true);
    checkMeasurements(result.summary.klOnly, 2, true);
    checkMeasurements(result.summary.both, 2, true);
    expect([result.summary.klOnly.reconstructionWeight, result.summary.klOnly.beta]).toEqual([0, 1]);
    // Without the KL term nothing holds the codes near the prior: that map covers the codes' bounding box.
    expect([result.summary.reconstructionOnly.latentGrid, result.summary.klOnly.latentGrid, result.summary.both.latentGrid]).toEqual(["codes", "prior", "prior"]);
    // Trained on the KL alone, the posterior stays close to the prior.
    expect(result.summary.klOnly.kl).toBeLessThan(result.summary.both.kl as number);
  }, 60_000);

  it("beta-sweep: a traversal figure per beta and the table", () => {
    const result = betaSweep(data, { epochs: 1, betas: [1, 8], latentSize: 4 });
    checkFigures(result, ["traversal-beta-1.png", "traversal-beta-8.png"], 200);
    expect(result.summary.rows.map((r) => r.beta)).toEqual([1, 8]);
    for (const row of result.summary.rows) {
      checkMeasurements(row, 4, true);
      expect(row.klPerDimension).toHaveLength(4);
      expect(row.klPerDimension.reduce((a, b) => a + b, 0)).toBeCloseTo(row.kl as number, 0);
    }
    const table = betaSweepTable(result.summary);
    expect(table).toHaveLength(3);
    expect(table[2]).toMatch(/^\s+8\s/);
  }, 60_000);
});
