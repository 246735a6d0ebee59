/**
 * The MLP classifier: softmax cross-entropy training separates classes (judged by accuracy on
 * held-out points, not only the loss), probabilities are a softmax, predictions an argmax.
 */
import { describe, expect, it } from "vitest";
import { tensor } from "../../src/autograd/index.js";
import type { Dataset } from "../../src/data/index.js";
import { Classifier, classifierAccuracy, predictClasses, trainClassifierEpoch } from "../../src/models/classifier.js";
import { Adam } from "../../src/nn/index.js";
import { Generator } from "../../src/tensor/index.js";

/** `count` 2×2 "images" per class for three classes: class k is bright in pixel k, plus noise. */
function blobs(count: number, generator: Generator): Dataset {
  const images = new Float32Array(3 * count * 4);
  const labels = new Uint8Array(3 * count);
  for (let i = 0; i < 3 * count; i++) {
    const label = i % 3;
    labels[i] = label;
    for (let p = 0; p < 4; p++) images[i * 4 + p] = (p === label ? 0.8 : 0.1) + 0.15 * generator.normal();
  }
  return { images, labels, count: 3 * count, height: 2, width: 2, name: "blobs" };
}

describe("Classifier", () => {
  it("learns separable classes with softmax cross-entropy", () => {
    const generator = new Generator(3);
    const train = blobs(100, generator);
    const test = blobs(50, generator);
    const model = new Classifier({ inputSize: 4, hiddenSizes: [16], classes: 3, generator: new Generator(0) });
    const optimizer = new Adam(model.parameters(), { lr: 1e-2 });
    const losses = Array.from({ length: 15 }, () => trainClassifierEpoch(model, optimizer, train, { batchSize: 32, generator }));
    expect(losses[0]).toBeGreaterThan(0.5);
    expect(losses[14]).toBeLessThan(0.15);
    expect(classifierAccuracy(model, test)).toBeGreaterThan(0.95);
  });

  it("gives softmax probabilities and their argmax", () => {
    // No hidden layer: logits = x Wᵀ + b with W = I, b = 0, so logits are the pixels themselves.
    const model = new Classifier({ inputSize: 3, hiddenSizes: [], classes: 3 });
    const [weight, bias] = model.parameters();
    weight?.data.set([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    bias?.data.fill(0);
    const x = tensor([[0, Math.log(3), 0], [2, 0, 1]]);
    const p = model.probabilities(x).data;
    // softmax([0, ln 3, 0]) = [1, 3, 1] / 5
    expect(Array.from(p.subarray(0, 3)).map((v) => Number(v.toFixed(6)))).toEqual([0.2, 0.6, 0.2]);
    expect(Array.from(predictClasses(model, x))).toEqual([1, 0]);
  });

  it("refuses bad layer sizes", () => {
    expect(() => new Classifier({ inputSize: 4, classes: 0 })).toThrow("Classifier: layer sizes must be positive integers, got 0");
  });
});
