/** The trainer's dynamic binarization: a fresh, seeded Bernoulli draw of every pixel in every epoch. */
import { describe, expect, it } from "vitest";
import { Generator } from "../../src/index.js";
import type { Dataset } from "../../src/data/index.js";
import { SGD } from "../../src/nn/index.js";
import { elboObjective, trainEpoch, VAE, type ElboTerm, type Objective } from "../../src/vae/index.js";

const pixels = Float32Array.from({ length: 64 }, (_, i) => (i % 8) / 7); // 0, 1/7, ..., 1 in each row
const dataset: Dataset = { images: pixels, labels: Uint8Array.of(0), count: 1, height: 8, width: 8, name: "ramp" };

/** The binarized image the objective saw in each of `epochs` epochs, for a training seed. */
function seenPerEpoch(seed: number, epochs: number): Float32Array[] {
  const model = new VAE({ inputSize: 64, hiddenSizes: [4], latentSize: 2, generator: new Generator(0) });
  const optimizer = new SGD(model.parameters(), { lr: 0 });
  const seen: Float32Array[] = [];
  const elbo = elboObjective();
  const recording: Objective<VAE, ElboTerm> = (m, x, context) => {
    seen.push(Float32Array.from(x.data));
    return elbo(m, x, context);
  };
  const generator = new Generator(seed);
  for (let epoch = 0; epoch < epochs; epoch++) trainEpoch(model, optimizer, dataset, { objective: recording, batchSize: 1, generator, startStep: epoch, binarize: "dynamic" });
  return seen;
}

describe("trainEpoch with binarize: dynamic", () => {
  it("draws each pixel afresh every epoch from Bernoulli(pixel), the same draws for the same seed", () => {
    const epochs = 400;
    const seen = seenPerEpoch(3, epochs);
    expect(seen).toHaveLength(epochs);
    for (const image of seen) expect(image.every((v) => v === 0 || v === 1)).toBe(true);
    // Epochs differ ...
    expect(seen[1]).not.toEqual(seen[0]);
    expect(new Set(seen.map((image) => image.join(""))).size).toBeGreaterThan(epochs - 5);
    // ... pixel 0 and 1 stay exact, the others are 1 with their value's probability (4 sd: 0.1).
    for (let i = 0; i < 64; i++) {
      const frequency = seen.reduce((sum, image) => sum + (image[i] as number), 0) / epochs;
      const p = pixels[i] as number;
      if (p === 0 || p === 1) expect(frequency).toBe(p);
      else expect(Math.abs(frequency - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / epochs));
    }
    // Seeded: the same seed draws the same images, another seed others.
    expect(seenPerEpoch(3, 5)).toEqual(seen.slice(0, 5));
    expect(seenPerEpoch(4, 5)).not.toEqual(seen.slice(0, 5));
  });
});
