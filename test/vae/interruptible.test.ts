/**
 * trainEpochAsync: the same steps as trainEpoch (bit-identical weights and averages however
 * often it pauses), pauses at least once per epoch, and an aborted signal stops it at a step
 * boundary with a TrainingInterrupted saying where.
 */
import { describe, expect, it } from "vitest";
import { Generator } from "../../src/index.js";
import type { Dataset } from "../../src/data/index.js";
import { Adam } from "../../src/nn/index.js";
import { elboObjective, trainEpoch, trainEpochAsync, TrainingInterrupted, VAE } from "../../src/vae/index.js";

/** `count` images of 4×4 pixels, each one of four bar patterns with a little variation. */
function dataset(count = 80): Dataset {
  const images = Float32Array.from({ length: count * 16 }, (_, i) => {
    const [example, pixel] = [Math.floor(i / 16), i % 16];
    const on = example % 4 < 2 ? Math.floor(pixel / 4) % 2 === example % 2 : pixel % 2 === example % 2;
    return on ? 0.9 - (example % 7) * 0.01 : 0.05 + (pixel % 5) * 0.01;
  });
  return { images, labels: Uint8Array.from({ length: count }, (_, i) => i % 4), count, height: 4, width: 4, name: "synthetic" };
}

function setup(): { vae: VAE; optimizer: Adam; generator: Generator } {
  const vae = new VAE({ inputSize: 16, hiddenSizes: [8], latentSize: 2, generator: new Generator(1) });
  return { vae, optimizer: new Adam(vae.parameters(), { lr: 1e-2 }), generator: new Generator(2) };
}

const weights = (vae: VAE): number[][] => vae.parameters().map((p) => Array.from(p.data));
const options = (generator: Generator) => ({ objective: elboObjective(), batchSize: 16, generator, startStep: 0, epoch: 1 });

describe("trainEpochAsync", () => {
  it("takes the same steps as trainEpoch, bit for bit, pausing every step or never", async () => {
    const sync = setup();
    const expected = [trainEpoch(sync.vae, sync.optimizer, dataset(), options(sync.generator)), trainEpoch(sync.vae, sync.optimizer, dataset(), { ...options(sync.generator), startStep: 5 })];
    for (const pauseEveryMs of [0, 1e9]) {
      const run = setup();
      let pauses = 0;
      const pause = async (): Promise<void> => void pauses++;
      const first = await trainEpochAsync(run.vae, run.optimizer, dataset(), { ...options(run.generator), pauseEveryMs, pause });
      const second = await trainEpochAsync(run.vae, run.optimizer, dataset(), { ...options(run.generator), startStep: 5, pauseEveryMs, pause });
      expect([first, second]).toEqual(expected);
      expect(weights(run.vae)).toEqual(weights(sync.vae));
      // Every step's boundary, or once at the start of each epoch.
      expect(pauses).toBe(pauseEveryMs === 0 ? 2 * 6 : 2);
    }
  });

  it("stops at the step boundary after the signal is aborted, saying where", async () => {
    const run = setup();
    const controller = new AbortController();
    const stopped = trainEpochAsync(run.vae, run.optimizer, dataset(), {
      ...options(run.generator),
      startStep: 10,
      signal: controller.signal,
      pauseEveryMs: 0,
      onStep: (info) => {
        if (info.epochStep === 3) controller.abort();
      },
    });
    await expect(stopped).rejects.toThrow(TrainingInterrupted);
    const error = (await stopped.catch((e: unknown) => e)) as TrainingInterrupted;
    expect({ epoch: error.epoch, epochStep: error.epochStep, epochSteps: error.epochSteps, step: error.step }).toEqual({ epoch: 1, epochStep: 3, epochSteps: 5, step: 13 });
    expect(error.message).toBe("training interrupted in epoch 1 after step 3/5 (step 13 overall)");
    // Exactly three steps were taken: the weights of trainEpoch stopped after its third.
    const three = setup();
    const stop = new Error("stop after step 3");
    expect(() => trainEpoch(three.vae, three.optimizer, dataset(), { ...options(three.generator), startStep: 10, onStep: (info) => { if (info.epochStep === 3) throw stop; } })).toThrow(stop);
    expect(weights(run.vae)).toEqual(weights(three.vae));
    expect(weights(run.vae)).not.toEqual(weights(setup().vae));
  });

  it("an already aborted signal takes no step", async () => {
    const run = setup();
    const before = weights(run.vae);
    const controller = new AbortController();
    controller.abort();
    const error = (await trainEpochAsync(run.vae, run.optimizer, dataset(), { ...options(run.generator), signal: controller.signal }).catch((e: unknown) => e)) as TrainingInterrupted;
    expect(error).toBeInstanceOf(TrainingInterrupted);
    expect(error.epochStep).toBe(0);
    expect(weights(run.vae)).toEqual(before);
  });
});
