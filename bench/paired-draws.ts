/**
 * The random draws of a quality.ts run, written out so that the PyTorch peer can make the same
 * ones (`bench/quality.ts --paired`): the initial weights, and for each epoch the batch order and
 * the ε of every training and test batch.
 *
 * The draws do not depend on the weights, so a second Generator with the run's seed replays them:
 * `trainEpoch` (src/vae/trainer.ts) with `elboObjective()` and no binarization takes a permutation
 * of the training set, then ε [batch, latent] for each batch in order; `evaluate` takes ε for
 * each test batch in dataset order from its own generator. Nothing else draws from them, so with
 * these files the two sides differ only by floating-point rounding (which training then grows).
 *
 * Files in `folder` (little-endian):
 *   weights.json        [{ name, shape }] in the order of weights.f32, under PyTorch's names
 *   weights.f32         the initial parameters, concatenated
 *   order-E.i32         epoch E's permutation of the training set (E from 1)
 *   train-eps-E.f32     ε for epoch E's batches, [train count, latent] in batch order
 *   test-eps-E.f32      ε for epoch E's test pass, [test count, latent]
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Generator } from "../src/tensor/index.js";
import type { VAE } from "../src/vae/index.js";

export interface PairedRun {
  /** The generator trainEpoch is given: the replay is a fresh one of the same seed. */
  trainSeed: number;
  /** The seed of epoch E's test generator. */
  testSeed: (epoch: number) => number;
  epochs: number;
  trainCount: number;
  testCount: number;
}

/**
 * ε [count, latent]: the batches' sampleEpsilon calls one after another. Each element is one
 * `normal()` draw, so the batch size does not change the stream.
 */
function epsilons(generator: Generator, count: number, latent: number): Float32Array {
  const eps = new Float32Array(count * latent);
  generator.fillNormal(eps);
  return eps;
}

const bytesOf = (array: Float32Array | Int32Array): Uint8Array => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);

/**
 * Write the model's current weights under `names` (elbo name → PyTorch name; identity when
 * absent) and the draws of `run` into `folder`.
 */
export function writePairedDraws(folder: string, model: VAE, run: PairedRun, names: Readonly<Record<string, string>> = {}): void {
  const parameters = model.namedParameters();
  const torchName = (name: string): string => {
    const dot = name.lastIndexOf(".");
    const layer = name.slice(0, dot);
    return `${names[layer] ?? layer}${name.slice(dot)}`;
  };
  const manifest = parameters.map(([name, p]) => ({ name: torchName(name), shape: p.shape }));
  writeFileSync(join(folder, "weights.json"), JSON.stringify(manifest));
  const weights = new Float32Array(parameters.reduce((total, [, p]) => total + p.size, 0));
  let offset = 0;
  for (const [, p] of parameters) {
    weights.set(p.value.data, offset);
    offset += p.size;
  }
  writeFileSync(join(folder, "weights.f32"), bytesOf(weights));

  const latent = model.latentSize;
  const train = new Generator(run.trainSeed);
  for (let epoch = 1; epoch <= run.epochs; epoch++) {
    writeFileSync(join(folder, `order-${epoch}.i32`), bytesOf(Int32Array.from(train.permutation(run.trainCount))));
    writeFileSync(join(folder, `train-eps-${epoch}.f32`), bytesOf(epsilons(train, run.trainCount, latent)));
    writeFileSync(join(folder, `test-eps-${epoch}.f32`), bytesOf(epsilons(new Generator(run.testSeed(epoch)), run.testCount, latent)));
  }
}
