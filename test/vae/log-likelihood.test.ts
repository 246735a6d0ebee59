/**
 * estimateLogLikelihood: L_k per image with any chunking of the draws, its two errors, and
 * L_1 < L_5 < L_50 on a trained model.
 */
import { describe, expect, it } from "vitest";
import { Generator, tensor } from "../../src/index.js";
import { binarizeDatasetSampled, loadBundledMnist, shuffledBatches, subset, type Dataset } from "../../src/data/index.js";
import { Adam } from "../../src/nn/index.js";
import { elbo, estimateLogLikelihood, iwaeBound, VAE } from "../../src/vae/index.js";

function smallVae(seed: number, inputSize = 784): VAE {
  return new VAE({ inputSize, hiddenSizes: [32], latentSize: 4, generator: new Generator(seed) });
}

function digits(count: number, seed: number): Dataset {
  const all = loadBundledMnist();
  const every = Math.floor(all.count / count);
  return binarizeDatasetSampled(subset(all, Array.from({ length: count }, (_, i) => (i * every + seed) % all.count)), new Generator(seed));
}

const mean = (values: ArrayLike<number>): number => Array.from(values).reduce((a, b) => a + b, 0) / values.length;

describe("estimateLogLikelihood", () => {
  it("is L_k of each image, the same for any chunking of the k draws (one generator stream)", () => {
    const model = smallVae(1);
    const data = digits(5, 3);
    const k = 20;
    const expected = new Float64Array(data.count);
    const reference = new Generator(7);
    for (let i = 0; i < data.count; i++) {
      const x = tensor(data.images.slice(i * 784, (i + 1) * 784), { shape: [1, 784] });
      expected[i] = iwaeBound(model, x, k, { generator: reference }).item();
    }
    // 7 decodes at a time: one image per group, its 20 draws as 7 + 7 + 6.
    const chunked = estimateLogLikelihood(model, data, { k, generator: new Generator(7), samplesPerBatch: 7 });
    for (let i = 0; i < data.count; i++) expect(chunked.logPx[i]).toBeCloseTo(expected[i] as number, 4);
    expect(chunked.mean).toBeCloseTo(mean(expected), 4);
    expect(chunked.k).toBe(k);
  });

  it("reports sd / √n over the images, and a delta-method sampling error that matches the spread over seeds", () => {
    const model = smallVae(2);
    const data = digits(6, 5);
    const k = 50;
    const runs = Array.from({ length: 40 }, (_, seed) => estimateLogLikelihood(model, data, { k, generator: new Generator(100 + seed) }));
    const first = runs[0] as (typeof runs)[number];
    const m = mean(first.logPx);
    const sd = Math.sqrt(Array.from(first.logPx).reduce((a, v) => a + (v - m) ** 2, 0) / (data.count - 1));
    expect(first.standardError).toBeCloseTo(sd / Math.sqrt(data.count), 10);
    // The spread of the dataset mean over 40 seeds, against the predicted sampling error.
    const means = runs.map((r) => r.mean);
    const mm = mean(means);
    const observed = Math.sqrt(means.reduce((a, v) => a + (v - mm) ** 2, 0) / (means.length - 1));
    const predicted = mean(runs.map((r) => r.samplingError));
    expect(observed / predicted).toBeGreaterThan(0.5);
    expect(observed / predicted).toBeLessThan(2);
    // It shrinks like 1/√k: 16 times the draws, about a quarter of the error.
    const more = estimateLogLikelihood(model, data, { k: 16 * k, generator: new Generator(1) });
    expect(more.samplingError / predicted).toBeGreaterThan(0.15);
    expect(more.samplingError / predicted).toBeLessThan(0.4);
  });

  it("reports progress per group of images, up to the total, and refuses bad input", () => {
    const model = smallVae(3);
    const data = digits(7, 1);
    const seen: [number, number][] = [];
    estimateLogLikelihood(model, data, { k: 10, generator: new Generator(0), samplesPerBatch: 30, onProgress: (done, total) => seen.push([done, total]) });
    expect(seen).toEqual([[3, 7], [6, 7], [7, 7]]);
    expect(() => estimateLogLikelihood(model, data, { k: 0, generator: new Generator(0) })).toThrow("estimateLogLikelihood: k must be a positive integer, got 0");
    expect(() => estimateLogLikelihood(model, data, { k: 5, generator: new Generator(0), samplesPerBatch: 0.5 })).toThrow(/samplesPerBatch/);
    expect(() => estimateLogLikelihood(smallVae(3, 100), data, { k: 5, generator: new Generator(0) })).toThrow(/a model of 100 inputs cannot score/);
    const empty = subset(data, [], "nothing");
    expect(() => estimateLogLikelihood(model, empty, { k: 5, generator: new Generator(0) })).toThrow("estimateLogLikelihood: nothing holds no images, so there is no log-likelihood to estimate");
  });

  it("on a trained model, L_1 < L_5 < L_50 image by image beyond the spread of the differences", () => {
    const model = smallVae(4);
    const train = digits(1500, 0);
    const test = digits(200, 11);
    const untrained = estimateLogLikelihood(model, test, { k: 1, generator: new Generator(0) }).mean;
    const optimizer = new Adam(model.parameters(), { lr: 2e-3 });
    const generator = new Generator(5);
    for (let epoch = 0; epoch < 3; epoch++) {
      for (const batch of shuffledBatches(train, 50, generator)) {
        optimizer.zeroGrad();
        elbo(model, tensor(batch.images, { shape: [batch.size, 784] }), { generator }).loss.backward();
        optimizer.step();
      }
    }
    const [l1, l5, l50] = [1, 5, 50].map((k) => estimateLogLikelihood(model, test, { k, generator: new Generator(k) }).logPx) as [Float64Array, Float64Array, Float64Array];
    /** mean(b − a) over its standard error: the images are the same, the draws independent. */
    const apart = (a: Float64Array, b: Float64Array): number => {
      const d = b.map((v, i) => v - (a[i] as number));
      const m = mean(d);
      return m / Math.sqrt(d.reduce((s, v) => s + (v - m) ** 2, 0) / (d.length - 1) / d.length);
    };
    // Measured: −553.6 nats untrained, L_1 −223.9 trained; the differences are 7.0 and 6.7 standard errors from 0.
    expect(mean(l1)).toBeGreaterThan(untrained + 100);
    expect(apart(l1, l5)).toBeGreaterThan(3);
    expect(apart(l5, l50)).toBeGreaterThan(3);
    expect(estimateLogLikelihood(model, subset(test, [0, 1]), { k: 1, generator: new Generator(0) }).samplingError).toBeNaN();
  });
});
