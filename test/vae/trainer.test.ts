/**
 * The trainer and its guard: an epoch over a small synthetic dataset through an objective; a
 * NaN or Inf in the loss, a term or the gradient stops it naming the epoch, step and term (the
 * weights stay as they were before that step), or skips the step; an exploding loss is reported.
 */
import { describe, expect, it } from "vitest";
import { Generator, tensor, type Tensor } from "../../src/index.js";
import type { Dataset } from "../../src/data/index.js";
import { Adam, NonFiniteError, SGD } from "../../src/nn/index.js";
import { elboObjective, evaluate, MAX_CONSECUTIVE_SKIPS, trainEpoch, trainEpochAsync, VAE, type Objective } from "../../src/vae/index.js";

/** `count` images of 4×4 pixels, each one of four bar patterns (pixels 0.05 or 0.95). */
function dataset(count = 64): Dataset {
  const images = Float32Array.from({ length: count * 16 }, (_, i) => {
    const [example, pixel] = [Math.floor(i / 16), i % 16];
    const pattern = example % 4;
    const on = pattern < 2 ? Math.floor(pixel / 4) % 2 === pattern : pixel % 2 === pattern - 2;
    return on ? 0.95 : 0.05;
  });
  return { images, labels: Uint8Array.from({ length: count }, (_, i) => i % 4), count, height: 4, width: 4, name: "synthetic" };
}

function model(): VAE {
  return new VAE({ inputSize: 16, hiddenSizes: [8], latentSize: 2, generator: new Generator(1) });
}

function weights(vae: VAE): Float32Array[] {
  return vae.parameters().map((p) => Float32Array.from(p.data));
}

const allFinite = (vae: VAE): boolean => vae.parameters().every((p) => p.data.every(Number.isFinite));

describe("trainEpoch", () => {
  it("trains through the ELBO objective and reports its terms, steps and active units", () => {
    const vae = model();
    const optimizer = new Adam(vae.parameters(), { lr: 1e-2 });
    const objective = elboObjective();
    const data = dataset();
    const before = evaluate(vae, data, { objective, batchSize: 64, generator: new Generator(3) });
    const generator = new Generator(2);
    let result = trainEpoch(vae, optimizer, data, { objective, batchSize: 16, generator, startStep: 0 });
    for (let epoch = 1; epoch < 10; epoch++) result = trainEpoch(vae, optimizer, data, { objective, batchSize: 16, generator, startStep: 4 * epoch });
    expect(result.steps).toBe(4);
    expect(result.skipped).toBe(0);
    expect(result.elbo).toBeCloseTo(result.reconstruction - result.kl, 4);
    const after = evaluate(vae, data, { objective, batchSize: 64, generator: new Generator(3) });
    expect(after.elbo).toBeGreaterThan(before.elbo + 1);
    expect(after.activeUnits).not.toBeNull();
  });

  it("stops at the first non-finite loss (lr 1e30), naming epoch, step and term, with the weights still finite", () => {
    const vae = model();
    const optimizer = new SGD(vae.parameters(), { lr: 1e30 });
    let thrown: unknown;
    try {
      trainEpoch(vae, optimizer, dataset(), { objective: elboObjective(), batchSize: 8, generator: new Generator(2), startStep: 40, epoch: 6 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(NonFiniteError);
    const error = thrown as NonFiniteError;
    expect(error.message).toMatch(/^epoch 6, step \d\/8 \(step \d+ overall\): /);
    expect(["reconstruction", "kl", "gradient"]).toContain(error.term);
    expect(error.step).toBeGreaterThanOrEqual(40);
    // The failing step was never applied: what the model holds is the last finite update.
    expect(allFinite(vae)).toBe(true);
  });

  it("names the parameter whose gradient is NaN when the loss itself is finite", () => {
    const vae = model();
    const base = elboObjective();
    // √(0·b) is 0, but its gradient 0.5/√0 · 0 is NaN: a finite loss with a poisoned gradient.
    const poisoned: Objective<VAE, "reconstruction" | "kl" | "elbo"> = (m, x, context) => {
      const terms = base(m, x, context);
      return { ...terms, loss: terms.loss.add((m.meanHead.bias as Tensor).mul(0).sum().sqrt()) };
    };
    const before = weights(vae);
    const run = (): unknown => trainEpoch(vae, new Adam(vae.parameters()), dataset(), { objective: poisoned, batchSize: 64, generator: new Generator(2), startStep: 0 });
    expect(run).toThrow(NonFiniteError);
    expect(run).toThrow(/step 1\/1 \(step 1 overall\): the gradient of meanHead\.bias holds 2 NaN or infinite values of 2 \(the loss [\d.]+ was finite\)/);
    expect(weights(vae)).toEqual(before);
  });

  it("with skip-step, skips the poisoned steps only, warns for each, leaves the weights finite", () => {
    const vae = model();
    const data = dataset();
    data.images[16 * 10] = Number.NaN; // example 10: its batch has a NaN reconstruction
    const warnings: string[] = [];
    const skippedSteps: number[] = [];
    const result = trainEpoch(vae, new Adam(vae.parameters(), { lr: 1e-2 }), data, {
      objective: elboObjective(),
      batchSize: 8,
      generator: new Generator(2),
      startStep: 0,
      onNonFinite: "skip-step",
      onWarning: (message) => warnings.push(message),
      onStep: (info) => void (info.skipped && skippedSteps.push(info.epochStep)),
    });
    expect(result.steps).toBe(8);
    expect(result.skipped).toBe(1);
    expect(skippedSteps).toHaveLength(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^step \d\/8 \(step \d overall\): skipped, the reconstruction term is not finite \(loss = NaN, reconstruction = NaN/);
    expect(Number.isFinite(result.elbo)).toBe(true);
    expect(allFinite(vae)).toBe(true);
  });

  it(`with skip-step, stops after ${MAX_CONSECUTIVE_SKIPS} skipped steps in a row`, () => {
    const vae = model();
    const data = dataset(MAX_CONSECUTIVE_SKIPS + 10);
    data.images.fill(Number.NaN);
    const run = (): unknown => trainEpoch(vae, new Adam(vae.parameters()), data, { objective: elboObjective(), batchSize: 1, generator: new Generator(2), startStep: 0, onNonFinite: "skip-step" });
    expect(run).toThrow(new RegExp(`step ${MAX_CONSECUTIVE_SKIPS}/${MAX_CONSECUTIVE_SKIPS + 10} .*: ${MAX_CONSECUTIVE_SKIPS} steps in a row were skipped`));
  });

  it("warns once, with the step, when the loss explodes past 1e4 times its running median", () => {
    const vae = model();
    const base = elboObjective();
    // From global step 30 on, the loss is scaled by 1e6 (a blow-up that stays finite).
    const exploding: Objective<VAE, "reconstruction" | "kl" | "elbo"> = (m, x, context) => {
      const terms = base(m, x, context);
      return { ...terms, loss: context.step >= 30 ? terms.loss.mul(1e6) : terms.loss };
    };
    const warnings: string[] = [];
    trainEpoch(vae, new SGD(vae.parameters(), { lr: 0 }), dataset(), { objective: exploding, batchSize: 1, generator: new Generator(2), startStep: 0, onWarning: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^step 31\/64 \(step 31 overall\): the loss exploded to [\d.e+]+, more than 1e4 times its running median/);
  });
});

describe("trainEpoch's gradients, zeroed in place each step", () => {
  const decoderNames = ["decoder.0.weight", "decoder.0.bias", "outputLayer.weight", "outputLayer.bias"];
  const base = elboObjective();
  // Odd steps train the KL alone: its graph does not reach the decoder.
  const alternating: Objective<VAE, "reconstruction" | "kl" | "elbo"> = (m, x, context) => {
    const batch = base(m, x, context);
    return context.step % 2 === 1 ? { ...batch, loss: batch.terms.kl } : batch;
  };
  const train = (inPlace: boolean): { decoderMoved: boolean[]; final: Float32Array[] } => {
    const vae = model();
    const optimizer = new Adam(vae.parameters(), { lr: 1e-2 });
    if (!inPlace) {
      const dropping = optimizer.zeroGrad.bind(optimizer);
      optimizer.zeroGrad = () => dropping(); // the default: gradients set to null
    }
    const decoder = [...vae.namedParameters()].filter(([name]) => decoderNames.includes(name)).map(([, p]) => p);
    let before = decoder.map((p) => Float32Array.from(p.data));
    const decoderMoved: boolean[] = [];
    const onStep = (): void => {
      const now = decoder.map((p) => Float32Array.from(p.data));
      decoderMoved.push(now.some((values, i) => values.some((v, j) => v !== (before[i] as Float32Array)[j])));
      before = now;
    };
    for (let epoch = 0; epoch < 2; epoch++) {
      trainEpoch(vae, optimizer, dataset(), { objective: alternating, batchSize: 16, generator: new Generator(2 + epoch), startStep: 4 * epoch, onStep });
    }
    return { decoderMoved, final: weights(vae) };
  };

  it("leaves a parameter that a step's backward did not reach where it was (its zeros are not stepped)", () => {
    // Adam would move the decoder on the KL steps from its momentum, were its zeros stepped.
    expect(train(true).decoderMoved).toEqual([true, false, true, false, true, false, true, false]);
  });

  it("trains to the bits of zeroGrad() (gradients dropped) for an objective that leaves parameters out", () => {
    expect(train(true).final).toEqual(train(false).final);
  });

  /** After an epoch that ran whole, runs one with `objective`: what it threw, and each parameter's gradient (null, zeros or values). */
  const gradientsAfter = async (objective: Objective<VAE, "reconstruction" | "kl" | "elbo">, how: "sync" | "async", skip: boolean): Promise<{ threw: string | null; gradients: (string | null)[] }> => {
    const vae = model();
    const optimizer = new Adam(vae.parameters(), { lr: 1e-2 });
    const options = { batchSize: 16, generator: new Generator(2), startStep: 0, onNonFinite: skip ? ("skip-step" as const) : ("stop" as const) };
    trainEpoch(vae, optimizer, dataset(), { ...options, objective: base });
    const run = how === "sync" ? async () => trainEpoch(vae, optimizer, dataset(), { ...options, objective }) : () => trainEpochAsync(vae, optimizer, dataset(), { ...options, objective, pause: async () => {} });
    const threw = await run().then(() => null, (error: unknown) => String(error));
    return { threw, gradients: vae.parameters().map((p) => (p.grad === null ? null : p.grad.data.every((v) => v === 0) ? "zeros" : "values")) };
  };
  const allNull = new Array<null>(model().parameters().length).fill(null);

  for (const how of ["sync", "async"] as const) {
    it(`leaves null gradients, as zeroGrad(), when an objective throws (${how})`, async () => {
      let calls = 0;
      const throwing: Objective<VAE, "reconstruction" | "kl" | "elbo"> = (m, x, context) => {
        if (++calls === 2) throw new Error("objective failed");
        return base(m, x, context);
      };
      expect(await gradientsAfter(throwing, how, false)).toEqual({ threw: "Error: objective failed", gradients: allNull });
    });
  }

  it("leaves null gradients, as zeroGrad(), when the last step is skipped (a NaN loss, a NaN gradient)", async () => {
    const nanLoss: Objective<VAE, "reconstruction" | "kl" | "elbo"> = (m, x, context) => {
      const batch = base(m, x, context);
      return context.step === 3 ? { ...batch, loss: batch.loss.mul(tensor(Number.NaN)) } : batch;
    };
    // sqrt at 0: a finite loss whose gradient is ∞ · 0 = NaN for the first parameter
    const nanGradient: Objective<VAE, "reconstruction" | "kl" | "elbo"> = (m, x, context) => {
      const batch = base(m, x, context);
      return context.step === 3 ? { ...batch, loss: batch.loss.add((m.parameters()[0] as Tensor).sum().mul(0).sqrt()) } : batch;
    };
    expect(await gradientsAfter(nanLoss, "sync", true)).toEqual({ threw: null, gradients: allNull });
    expect(await gradientsAfter(nanGradient, "sync", true)).toEqual({ threw: null, gradients: allNull });
  });

  it("shows the objective zeros in p.grad where zeroGrad() would leave null (a parameter that had a gradient)", () => {
    const seen: (string | null)[] = [];
    const reading: Objective<VAE, "reconstruction" | "kl" | "elbo"> = (m, x, context) => {
      const grad = (m.parameters()[0] as Tensor).grad;
      seen.push(grad === null ? null : grad.data.every((v) => v === 0) ? "zeros" : "values");
      return base(m, x, context);
    };
    const vae = model();
    trainEpoch(vae, new Adam(vae.parameters(), { lr: 1e-2 }), dataset(32), { objective: reading, batchSize: 16, generator: new Generator(2), startStep: 0 });
    expect(seen).toEqual([null, "zeros"]);
  });
});
