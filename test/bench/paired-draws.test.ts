/**
 * bench/paired-draws.ts replays the draws of a quality.ts run: a loop that takes its batch order
 * and ε from the files must train exactly as trainEpoch does, and test exactly as evaluate does.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { writePairedDraws } from "../../bench/paired-draws.js";
import { noGrad, tensor } from "../../src/autograd/index.js";
import type { Dataset } from "../../src/data/index.js";
import { Adam } from "../../src/nn/index.js";
import { Generator } from "../../src/tensor/index.js";
import { elbo, elboObjective, evaluate, trainEpoch, VAE } from "../../src/vae/index.js";

const LATENT = 3;
const BATCH = 8;

function dataset(count: number, seed: number): Dataset {
  const images = new Float32Array(count * 16);
  new Generator(seed).fillUniform(images);
  return { images, labels: new Uint8Array(count), count, height: 4, width: 4, name: "random" };
}

const model = (): VAE => new VAE({ inputSize: 16, hiddenSizes: [6], latentSize: LATENT, likelihood: "bernoulli", generator: new Generator(7) });

/** A file's bytes, copied into an ArrayBuffer of their own (aligned for a typed-array view). */
function readBuffer(folder: string, name: string): ArrayBuffer {
  const bytes = readFileSync(join(folder, name));
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

const readFloats = (folder: string, name: string): Float32Array => new Float32Array(readBuffer(folder, name));
const readInts = (folder: string, name: string): Int32Array => new Int32Array(readBuffer(folder, name));

/** Rows `indices` of the images, [indices.length, 16]. */
function rows(data: Dataset, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * 16);
  for (let i = 0; i < indices.length; i++) out.set(data.images.subarray((indices[i] as number) * 16, ((indices[i] as number) + 1) * 16), i * 16);
  return out;
}

describe("writePairedDraws", () => {
  let folder = "";
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it("replays trainEpoch's batch orders and ε and evaluate's ε, bit for bit (a last batch partial)", () => {
    folder = mkdtempSync(join(tmpdir(), "elbo-paired-test-"));
    const train = dataset(21, 1);
    const test = dataset(13, 2);
    const epochs = 2;
    const testSeed = (epoch: number): number => 100 + epoch;
    const reference = model();
    writePairedDraws(folder, reference, { trainSeed: 5, testSeed, epochs, trainCount: train.count, testCount: test.count });

    const referenceOptimizer = new Adam(reference.parameters(), { lr: 1e-2 });
    const generator = new Generator(5);
    const replay = model();
    const replayOptimizer = new Adam(replay.parameters(), { lr: 1e-2 });
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const trained = trainEpoch(reference, referenceOptimizer, train, { objective: elboObjective(), batchSize: BATCH, generator, startStep: 0 });
      const tested = evaluate(reference, test, { objective: elboObjective(), batchSize: 5, generator: new Generator(testSeed(epoch)) });

      const order = readInts(folder, `order-${epoch}.i32`);
      const trainEps = readFloats(folder, `train-eps-${epoch}.f32`);
      expect(order.length).toBe(train.count);
      expect(trainEps.length).toBe(train.count * LATENT);
      replay.train();
      let trainTotal = 0;
      for (let first = 0; first < train.count; first += BATCH) {
        const indices = order.subarray(first, first + BATCH);
        const x = tensor(rows(train, indices), { shape: [indices.length, 16] });
        const eps = tensor(trainEps.slice(first * LATENT, (first + indices.length) * LATENT), { shape: [indices.length, LATENT] });
        replayOptimizer.zeroGrad();
        const terms = elbo(replay, x, { eps });
        terms.loss.backward();
        replayOptimizer.step();
        trainTotal += terms.elbo.item() * indices.length;
      }
      expect(trainTotal / train.count).toBe(trained.elbo);

      const testEps = readFloats(folder, `test-eps-${epoch}.f32`);
      replay.eval();
      let testTotal = 0;
      noGrad(() => {
        for (let first = 0; first < test.count; first += 5) {
          const size = Math.min(5, test.count - first);
          const x = tensor(test.images.slice(first * 16, (first + size) * 16), { shape: [size, 16] });
          const eps = tensor(testEps.slice(first * LATENT, (first + size) * LATENT), { shape: [size, LATENT] });
          testTotal += elbo(replay, x, { eps }).elbo.item() * size;
        }
      });
      expect(testTotal / test.count).toBeCloseTo(tested.elbo, 10);
    }
  });

  it("writes the initial weights in parameter order, under the names it is given", () => {
    folder = mkdtempSync(join(tmpdir(), "elbo-paired-test-"));
    const vae = model();
    writePairedDraws(folder, vae, { trainSeed: 1, testSeed: () => 2, epochs: 1, trainCount: 4, testCount: 2 }, { "encoder.0": "fc1" });
    const manifest = JSON.parse(readFileSync(join(folder, "weights.json"), "utf8")) as { name: string; shape: number[] }[];
    const parameters = vae.namedParameters();
    expect(manifest.map((entry) => entry.name)).toEqual(parameters.map(([name]) => name.replace(/^encoder\.0\./, "fc1.")));
    expect(manifest[0]?.name).toBe("fc1.weight");
    expect(manifest.map((entry) => entry.shape)).toEqual(parameters.map(([, p]) => p.shape));
    const weights = readFloats(folder, "weights.f32");
    expect(Array.from(weights)).toEqual(parameters.flatMap(([, p]) => Array.from(p.value.data)));
  });
});
