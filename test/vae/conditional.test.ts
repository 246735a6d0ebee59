/**
 * The conditional VAE (Sohn et al. 2015) as a library: the one-hot input, where y enters each
 * network, the k-major label repeat of IWAE's draws, the labels' gradient path, clear errors;
 * the learned prior p(z|y) (encode's standardised code, whose KL to N(0, I) is the KL to p(z|y));
 * and a CVAE trained on four bar patterns draws the class it is asked for.
 */
import { describe, expect, it } from "vitest";
import { randn, tensor } from "../../src/autograd/index.js";
import { Generator } from "../../src/tensor/index.js";
import { Adam } from "../../src/nn/index.js";
import { elbo, elboObjective, gaussianKL, iwaeLogWeights, oneHot, trainEpoch, VAE } from "../../src/vae/index.js";
import type { Dataset } from "../../src/data/index.js";

describe("oneHot", () => {
  it("puts a 1 at each label and names a label out of range", () => {
    expect(Array.from(oneHot([2, 0], 3, "float64").data)).toEqual([0, 0, 1, 1, 0, 0]);
    expect(() => oneHot([1, 3], 3)).toThrow("label 3 at index 1 is outside the model's classes 0-2");
  });
});

describe("VAE with classes", () => {
  const model = new VAE({ inputSize: 16, hiddenSizes: [8], latentSize: 3, classes: 4, dtype: "float64", generator: new Generator(1) });
  const x = randn([5, 16], { dtype: "float64", generator: new Generator(2) }).sigmoid();
  const y = oneHot([0, 1, 2, 3, 1], 4, "float64");

  it("widens the first encoder and decoder layers by the classes", () => {
    const shapes = Object.fromEntries([...model.namedParameters()].map(([name, p]) => [name, p.shape]));
    expect(shapes["encoder.0.weight"]).toEqual([8, 16 + 4]);
    expect(shapes["decoder.0.weight"]).toEqual([8, 3 + 4]);
  });

  it("decodes the same z differently for another label, and needs the labels", () => {
    const z = randn([5, 3], { dtype: "float64", generator: new Generator(3) });
    const a = model.decode(z, y).data;
    const b = model.decode(z, oneHot([3, 3, 3, 3, 3], 4, "float64")).data;
    expect(Array.from(a)).not.toEqual(Array.from(b));
    expect(() => model.decode(z)).toThrow("this conditional VAE needs the one-hot labels y [batch, 4]");
    expect(() => model.encode(x, oneHot([0, 1, 2, 3, 1], 5, "float64"))).toThrow("labels must be [batch, 4], got [5, 5]");
    const plain = new VAE({ inputSize: 16, hiddenSizes: [8], latentSize: 3, generator: new Generator(1) });
    expect(() => plain.encode(tensor(new Float32Array(16), { shape: [1, 16] }), oneHot([0], 4))).toThrow("labels given to an unconditional VAE");
  });

  it("decodes IWAE's [k, batch, latent] with each draw's example's label (k-major repeat)", () => {
    const z = randn([2, 5, 3], { dtype: "float64", generator: new Generator(4) });
    const whole = model.decode(z, y).data;
    for (let i = 0; i < 2; i++) {
      const slice = model.decode(z.slice([i], [i + 1]).reshape([5, 3]), y).data;
      expect(Array.from(whole.subarray(i * 5 * 16, (i + 1) * 5 * 16))).toEqual(Array.from(slice));
    }
    expect(iwaeLogWeights(model, x, 3, { generator: new Generator(5), labels: y }).shape).toEqual([3, 5]);
  });

  it("sends the ELBO's gradient into the label columns of both first layers", () => {
    model.zeroGrad();
    elbo(model, x, { generator: new Generator(6), labels: y }).loss.backward();
    const grads = new Map([...model.namedParameters()].map(([name, p]) => [name, p.grad]));
    const labelColumns = (name: string, from: number, width: number): number[] => {
      const g = grads.get(name);
      if (!g) throw new Error(`no gradient for ${name}`);
      const [rows, cols] = g.shape as [number, number];
      const out: number[] = [];
      for (let r = 0; r < rows; r++) for (let c = from; c < cols && c < from + width; c++) out.push(g.data[r * cols + c] as number);
      return out;
    };
    expect(labelColumns("encoder.0.weight", 16, 4).some((v) => v !== 0)).toBe(true);
    expect(labelColumns("decoder.0.weight", 3, 4).some((v) => v !== 0)).toBe(true);
  });
});

/** 8×8 images of four bar patterns (horizontal even/odd rows, vertical even/odd columns), labels 0-3, a little noise. */
function barPatterns(count: number, seed: number): Dataset {
  const generator = new Generator(seed);
  const images = new Float32Array(count * 64);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const pattern = i % 4;
    labels[i] = pattern;
    for (let p = 0; p < 64; p++) {
      const on = pattern < 2 ? Math.floor(p / 8) % 2 === pattern : p % 2 === pattern - 2;
      images[i * 64 + p] = on ? 0.9 - 0.1 * generator.uniform() : 0.1 * generator.uniform();
    }
  }
  return { images, labels, count, height: 8, width: 8, name: "bars" };
}

describe("the CVAE's learned prior p(z|y) = N(μ_y, diag σ_y²)", () => {
  const model = new VAE({ inputSize: 16, hiddenSizes: [8], latentSize: 3, classes: 4, dtype: "float64", generator: new Generator(1) });
  const params = new Map(model.namedParameters());
  const [priorMean, priorLogVar] = [params.get("priorMean"), params.get("priorLogVar")];
  if (!priorMean || !priorLogVar) throw new Error("no priorMean / priorLogVar parameters");
  const x = randn([5, 16], { dtype: "float64", generator: new Generator(2) }).sigmoid();
  const labels = [0, 1, 2, 3, 1];
  const y = oneHot(labels, 4, "float64");

  it("is one row per class, N(0, I) at initialisation", () => {
    expect(priorMean.shape).toEqual([4, 3]);
    expect(priorLogVar.shape).toEqual([4, 3]);
    expect(Array.from(priorMean.data).every((v) => v === 0) && Array.from(priorLogVar.data).every((v) => v === 0)).toBe(true);
  });

  it("encode's code u = (z − μ_y) / σ_y has KL(q(u) ‖ N(0, I)) = KL(q(z|x,y) ‖ p(z|y)), and decode maps u back to z", () => {
    const before = model.encode(x, y);
    const rows = randn([4, 3], { dtype: "float64", generator: new Generator(7) });
    priorMean.data.set(rows.data);
    priorLogVar.data.set(rows.mul(0.5).data);
    const after = model.encode(x, y);
    let direct = 0;
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 3; j++) {
        // q(z|x,y) = N(m, s²) is the same network output before and after: only the prior moved.
        const m = before.mu.data[i * 3 + j] as number, lq = before.logVar.data[i * 3 + j] as number;
        const mp = rows.data[(labels[i] as number) * 3 + j] as number, lp = 0.5 * mp;
        // KL(N(m, e^lq) ‖ N(mp, e^lp)) = ½ [lp − lq + (e^lq + (m − mp)²) / e^lp − 1]
        direct += 0.5 * (lp - lq + (Math.exp(lq) + (m - mp) ** 2) / Math.exp(lp) - 1);
      }
    }
    expect(gaussianKL(after.mu, after.logVar).sum().item()).toBeCloseTo(direct, 10);
    const u = randn([5, 3], { dtype: "float64", generator: new Generator(8) });
    // decode(u, y) with the prior moved equals decode of z = μ_y + σ_y u with the prior at N(0, I).
    const moved = model.decode(u, y).data;
    const zData = Float64Array.from(u.data, (v, k) => {
      const [i, j] = [Math.floor(k / 3), k % 3];
      const mp = rows.data[(labels[i] as number) * 3 + j] as number;
      return mp + Math.exp(0.25 * mp) * v;
    });
    priorMean.data.fill(0);
    priorLogVar.data.fill(0);
    const reference = model.decode(tensor(zData, { shape: [5, 3], dtype: "float64" }), y).data;
    for (let k = 0; k < moved.length; k++) expect(moved[k]).toBeCloseTo(reference[k] as number, 10);
  });

  it("gets the ELBO's gradient in the rows of the classes in the batch only", () => {
    model.zeroGrad();
    elbo(model, x, { generator: new Generator(6), labels: oneHot([0, 1, 1, 0, 1], 4, "float64") }).loss.backward();
    const grad = priorMean.grad;
    if (!grad) throw new Error("no gradient for priorMean");
    expect(Array.from(grad.data.subarray(0, 6)).some((v) => v !== 0)).toBe(true);
    expect(Array.from(grad.data.subarray(6))).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe("a trained CVAE", () => {
  // 40 epochs of 10 steps: 98-100% (15 epochs gave 59%: early on, z still carries the class and y is ignored).
  it("draws the class it is asked for: samples of label k lie nearest class k's mean (≥ 80%)", () => {
    const data = barPatterns(400, 1);
    const model = new VAE({ inputSize: 64, hiddenSizes: [32], latentSize: 2, classes: 4, generator: new Generator(2) });
    const optimizer = new Adam(model.parameters(), { lr: 3e-3 });
    const generator = new Generator(3);
    for (let epoch = 0; epoch < 40; epoch++) trainEpoch(model, optimizer, data, { objective: elboObjective(), batchSize: 40, generator, startStep: epoch * 10 });
    model.eval();
    const means = [0, 1, 2, 3].map((k) => {
      const mean = new Float64Array(64);
      for (let i = k; i < data.count; i += 4) for (let p = 0; p < 64; p++) mean[p] = (mean[p] as number) + (data.images[i * 64 + p] as number) / (data.count / 4);
      return mean;
    });
    let correct = 0;
    const perClass = 50;
    for (let k = 0; k < 4; k++) {
      const samples = model.sample(perClass, { generator: new Generator(10 + k), labels: oneHot(Array(perClass).fill(k), 4) }).data;
      for (let s = 0; s < perClass; s++) {
        const distances = means.map((mean) => mean.reduce((d, m, p) => d + (m - (samples[s * 64 + p] as number)) ** 2, 0));
        if (distances.indexOf(Math.min(...distances)) === k) correct++;
      }
    }
    expect(correct / (4 * perClass)).toBeGreaterThanOrEqual(0.8);
  });
});
