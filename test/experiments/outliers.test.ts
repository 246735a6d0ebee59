/**
 * The outlier experiment on a small VAE trained for a moment on 2,000 bundled digits: its
 * scores agree with iwaeBound and with the compressed length they add, the ELBO never
 * exceeds L_k image by image, and inverted digits (an obvious outlier set) are flagged with
 * the sign the experiment promises (outliers = positives, low score = unusual).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { tensor } from "../../src/autograd/index.js";
import { loadBundledMnist, subset, type Dataset } from "../../src/data/index.js";
import { histogramPng, lowestPng, rocPng } from "../../src/experiments/outlier-figures.js";
import { outlierExperiment, scoreAll, scoreImages, SCORE_FUNCTIONS } from "../../src/experiments/outliers.js";
import { compressedBits } from "../../src/io/compressed-length.js";
import { Adam } from "../../src/nn/index.js";
import { Generator } from "../../src/tensor/index.js";
import { elboObjective, iwaeBound, trainEpoch, VAE } from "../../src/vae/index.js";

let model: VAE;
let digits: Dataset;
let inverted: Dataset;

beforeAll(() => {
  const all = loadBundledMnist();
  const spaced = (n: number, offset: number): number[] => Array.from({ length: n }, (_, i) => Math.floor(((i + offset / n) * all.count) / n));
  const train = subset(all, spaced(2000, 0.3));
  digits = subset(all, spaced(200, 0.7));
  inverted = { ...digits, images: digits.images.map((p) => 1 - p), name: "inverted" };
  model = new VAE({ inputSize: 784, hiddenSizes: [64], latentSize: 4, generator: new Generator(1) });
  const optimizer = new Adam(model.parameters(), { lr: 3e-3 });
  const generator = new Generator(2);
  for (let epoch = 0; epoch < 2; epoch++) trainEpoch(model, optimizer, train, { objective: elboObjective(), batchSize: 100, generator, startStep: 0 });
  model.eval();
});

describe("scoring images", () => {
  it("log p(x) is iwaeBound on the same draws, the ELBO is at most it, image by image", () => {
    const few = subset(digits, [0, 50, 100, 150, 199]);
    const { elbo, logPx } = scoreImages(model, few, { k: 20, generator: new Generator(7) });
    const x = tensor(few.images, { shape: [few.count, 784] });
    const reference = iwaeBound(model, x, 20, { generator: new Generator(7) }).data;
    for (let i = 0; i < few.count; i++) {
      expect(logPx[i]).toBeCloseTo(reference[i] as number, 3);
      expect(elbo[i]).toBeLessThanOrEqual((logPx[i] as number) + 1e-4); // mean ≤ log-mean-exp (Jensen)
      expect(elbo[i]).toBeLessThan(0);
    }
  });

  it("the corrected score adds L(x) in nats to log p(x)", () => {
    const few = subset(digits, [3, 4, 5]);
    const one = scoreAll(model, few, { k: 50, generator: new Generator(3), compressedBits });
    for (let i = 0; i < few.count; i++) {
      const bits = compressedBits(few.images.subarray(i * 784, (i + 1) * 784));
      expect(one.complexityCorrected[i]).toBeCloseTo((one.logPx[i] as number) + Math.LN2 * bits, 8);
    }
  });

  it("compressedBits: a blank image compresses below a digit, a digit below noise", () => {
    const noise = new Generator(5).fillUniform(new Float32Array(784));
    const blank = compressedBits(new Float32Array(784));
    const digit = compressedBits(digits.images.subarray(0, 784));
    expect(blank).toBeLessThan(digit);
    expect(digit).toBeLessThan(compressedBits(noise));
    expect(compressedBits(noise)).toBeGreaterThan(784 * 7); // 8-bit noise barely compresses
  });
});

describe("outlierExperiment", () => {
  it("flags inverted digits among digits: AUROC near 1 for ELBO and IWAE, a row per score", () => {
    const result = outlierExperiment(model, digits, inverted, { k: 10, generator: new Generator(9), compressedBits });
    expect(result.rows.map((r) => r.key)).toEqual(SCORE_FUNCTIONS.map((s) => s.key));
    for (const row of result.rows.slice(0, 2)) {
      expect(row.auroc).toBeGreaterThan(0.95);
      expect(row.auprc).toBeGreaterThan(0.9);
      expect(row.meanOut).toBeLessThan(row.meanIn);
    }
    // Swapping the roles swaps the AUROC: the same scores, read the other way.
    const swapped = outlierExperiment(model, inverted, digits, { k: 10, generator: new Generator(9), compressedBits });
    expect(swapped.rows[1]?.auroc).toBeLessThan(0.05);
    for (const png of [rocPng(result), histogramPng(result, "logPx", { in: "digits", out: "inverted" }), lowestPng(digits, result.inScores.logPx)]) {
      expect(Array.from(png.subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]);
    }
  });

  it("names the sets when their image size does not fit the model", () => {
    const small = { ...digits, images: new Float32Array(digits.count * 16), height: 4, width: 4, name: "tiny" };
    expect(() => outlierExperiment(model, digits, small, { k: 1, generator: new Generator(0), compressedBits })).toThrow(/784 inputs cannot score .* tiny \(4×4\)/);
  });
});
