/**
 * The sample-quality numbers on a classifier whose probabilities are known in closed form, and
 * the judge's cache: trained once, reused, retrained for other settings, a damaged file named.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tensor } from "../../src/autograd/index.js";
import type { Dataset } from "../../src/data/index.js";
import { loadOrTrainJudge } from "../../src/experiments/judge.js";
import { entropy, reconstructionAccuracy, sampleQuality } from "../../src/experiments/sample-quality.js";
import { Classifier, predictClasses } from "../../src/models/classifier.js";
import { Generator } from "../../src/tensor/index.js";

/** logits = the pixels (W = I, b = 0), so p(y|x) = softmax(x). */
function identityClassifier(classes: number): Classifier {
  const model = new Classifier({ inputSize: classes, hiddenSizes: [], classes, dtype: "float64" });
  const [weight, bias] = model.parameters();
  weight?.data.fill(0);
  for (let k = 0; k < classes; k++) weight?.data.set([1], k * classes + k);
  bias?.data.fill(0);
  return model;
}

describe("sampleQuality", () => {
  it("measures confidence, class spread and the Inception Score", () => {
    const big = 40; // softmax of ±40 is one-hot to float64 precision
    // Two confident images of class 0, one of class 1, one unsure (uniform) image.
    const images = tensor([[big, 0, 0], [big, 0, 0], [0, big, 0], [0, 0, 0]], { dtype: "float64" });
    const quality = sampleQuality(identityClassifier(3), images);
    expect(quality.count).toBe(4);
    expect(quality.meanTopProbability).toBeCloseTo((1 + 1 + 1 + 1 / 3) / 4, 12);
    // argmax of the uniform row is class 0 (first of the ties)
    expect(quality.classHistogram).toEqual([3, 1, 0]);
    expect(quality.classEntropy).toBeCloseTo(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)), 12);
    // p(y) = [(1 + 1 + 1/3)/4, (1 + 1/3)/4, (1/3)/4]; KL of a one-hot row to p(y) is -log p(y_k)
    const py = [7 / 12, 4 / 12, 1 / 12];
    const uniformKl = [0, 1, 2].reduce((t, k) => t + (1 / 3) * Math.log(1 / 3 / (py[k] as number)), 0);
    const meanKl = (-2 * Math.log(7 / 12) - Math.log(4 / 12) + uniformKl) / 4;
    expect(quality.inceptionScore).toBeCloseTo(Math.exp(meanKl), 10);
  });

  it("gives an Inception Score of 1 and zero class entropy for identical images", () => {
    const quality = sampleQuality(identityClassifier(4), tensor([[1, 2, 0, 0], [1, 2, 0, 0]], { dtype: "float64" }));
    expect(quality.inceptionScore).toBeCloseTo(1, 12);
    expect(quality.classEntropy).toBe(0);
    expect(entropy(Array(10).fill(0.1))).toBeCloseTo(Math.log(10), 12);
  });

  it("counts the reconstructions classified as their own label", () => {
    const dataset: Dataset = { images: Float32Array.from([5, 0, 0, 0, 5, 0, 0, 0, 5]), labels: Uint8Array.from([0, 1, 1]), count: 3, height: 1, width: 3, name: "toy" };
    // A "model" that reconstructs every image as itself: the classifier sees the originals.
    const identity = { reconstruct: (x: ReturnType<typeof tensor>) => x };
    expect(reconstructionAccuracy(identityClassifier(3), identity, dataset)).toBeCloseTo(2 / 3, 12);
  });
});

describe("loadOrTrainJudge", () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  function toyDigits(count: number, seed: number): Dataset {
    const generator = new Generator(seed);
    const images = new Float32Array(count * 16);
    const labels = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      labels[i] = i % 10;
      for (let p = 0; p < 16; p++) images[i * 16 + p] = (p === i % 10 ? 1 : 0) + 0.1 * generator.normal();
    }
    return { images, labels, count, height: 4, width: 4, name: "toy" };
  }

  it("trains once, then loads the same classifier from its cache", () => {
    const dir = mkdtempSync(join(tmpdir(), "elbo-judge-"));
    dirs.push(dir);
    const path = join(dir, "judge", "model.safetensors");
    const [train, test] = [toyDigits(300, 1), toyDigits(100, 2)];
    const lines: string[] = [];
    const first = loadOrTrainJudge(train, test, { path, epochs: 3, hiddenSizes: [8], log: (l) => lines.push(l) });
    expect(first.cached).toBe(false);
    expect(lines.some((l) => l.includes("test accuracy"))).toBe(true);
    const again = loadOrTrainJudge(train, test, { path, epochs: 3, hiddenSizes: [8] });
    expect(again.cached).toBe(true);
    expect(again.testAccuracy).toBe(first.testAccuracy);
    const x = tensor(test.images, { shape: [test.count, 16] });
    expect(Array.from(predictClasses(again.classifier, x))).toEqual(Array.from(predictClasses(first.classifier, x)));
    // Other settings: retrained, and said so.
    const other: string[] = [];
    expect(loadOrTrainJudge(train, test, { path, epochs: 2, hiddenSizes: [8], log: (l) => other.push(l) }).cached).toBe(false);
    expect(other[0]).toContain("trained with other settings");
  });

  it("names a damaged cache file", () => {
    const dir = mkdtempSync(join(tmpdir(), "elbo-judge-"));
    dirs.push(dir);
    const path = join(dir, "model.safetensors");
    writeFileSync(path, "not a safetensors file");
    expect(() => loadOrTrainJudge(toyDigits(20, 1), toyDigits(10, 2), { path, epochs: 1 })).toThrow(path);
  });
});
