/**
 * What handing the event loop back costs: `npx tsx bench/interrupt.ts [--rounds N]`.
 *
 * Epochs of the canonical VAE (784-400-20, batch 128, Adam 1e-3; 9,000 seeded uniform images,
 * 71 steps) through `trainEpoch` (synchronous) and `trainEpochAsync` as `elbo train` runs it
 * (a `setImmediate` pause every 200 ms of work, an AbortSignal checked at every step), two
 * models of the same seed trained side by side in one process, alternating epoch by epoch.
 * Prints the median and fastest ms/epoch of each and their ratio, and checks that the two
 * models' weights are bit-identical after every epoch (pausing must not change the numbers).
 */
import { Generator } from "../src/tensor/index.js";
import { Adam } from "../src/nn/index.js";
import { elboObjective, trainEpoch, trainEpochAsync, VAE } from "../src/vae/index.js";
import type { Dataset } from "../src/data/index.js";

const argv = process.argv.slice(2);
const rounds = argv.includes("--rounds") ? Number(argv[argv.indexOf("--rounds") + 1]) : 8;
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds: a whole number >= 1, got ${argv[argv.indexOf("--rounds") + 1]}`);
const count = 9000;
const pixels = new Generator(7);
const dataset: Dataset = { images: Float32Array.from({ length: count * 784 }, () => pixels.uniform()), labels: new Uint8Array(count), count, height: 28, width: 28, name: "uniform" };

function system(): { model: VAE; optimizer: Adam; generator: Generator; step: number } {
  const model = new VAE({ inputSize: 784, hiddenSizes: [400], latentSize: 20, generator: new Generator(0) });
  return { model, optimizer: new Adam(model.parameters(), { lr: 1e-3 }), generator: new Generator(2), step: 0 };
}

const sync = system();
const paused = system();
const signal = new AbortController().signal;
const pause = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const times = { sync: [] as number[], async: [] as number[] };
let pauses = 0;
const counted = (): Promise<void> => {
  pauses++;
  return pause();
};
async function timeSync(): Promise<void> {
  const start = performance.now();
  sync.step += trainEpoch(sync.model, sync.optimizer, dataset, { objective: elboObjective(), batchSize: 128, generator: sync.generator, startStep: sync.step }).steps;
  times.sync.push(performance.now() - start);
}
async function timeAsync(): Promise<void> {
  const start = performance.now();
  const options = { objective: elboObjective(), batchSize: 128, generator: paused.generator, startStep: paused.step, signal, pause: counted, pauseEveryMs: 200 };
  paused.step += (await trainEpochAsync(paused.model, paused.optimizer, dataset, options)).steps;
  times.async.push(performance.now() - start);
}
for (let round = 0; round < rounds; round++) {
  // Alternate which goes first, so that neither always follows the other.
  for (const run of round % 2 === 0 ? [timeSync, timeAsync] : [timeAsync, timeSync]) await run();
  const same = sync.model.parameters().every((p, i) => Buffer.from((paused.model.parameters()[i] as typeof p).data.buffer).equals(Buffer.from(p.data.buffer)));
  if (!same) throw new Error(`round ${round + 1}: the weights differ`);
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1] as number;
const line = (name: string, values: number[]): string => `  ${name.padEnd(48)} median ${median(values).toFixed(1)} ms/epoch, fastest ${Math.min(...values).toFixed(1)}`;
console.log(`${rounds} epochs each of 71 steps, alternating, one process (weights bit-identical after every epoch):`);
console.log(line("trainEpoch (synchronous)", times.sync));
console.log(line(`trainEpochAsync (${(pauses / rounds).toFixed(1)} pauses per epoch)`, times.async));
console.log(`  ratio async / sync: median ${(median(times.async) / median(times.sync)).toFixed(3)}, fastest ${(Math.min(...times.async) / Math.min(...times.sync)).toFixed(3)}`);
