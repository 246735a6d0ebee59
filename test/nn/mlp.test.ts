/**
 * End to end: a small MLP trained with Adam on binary cross-entropy, from a fixed seed, must
 * fit XOR and two interleaved spirals, judged by the final loss and by the accuracy (on the
 * training points, and on fresh spiral points), not only by the loss going down.
 */
import { describe, expect, it } from "vitest";
import { bceWithLogits, tensor, type Tensor } from "../../src/autograd/index.js";
import { Generator } from "../../src/tensor/index.js";
import { Adam, Linear, ReLU, Sequential, Tanh, type Layer } from "../../src/nn/index.js";

/** Two spirals of two turns, n points each, labels 0 and 1, with Gaussian noise (σ = 0.02). */
function spirals(n: number, generator: Generator): { x: Tensor; y: Tensor } {
  const points: number[] = [];
  const labels: number[] = [];
  for (let k = 0; k < 2; k++) {
    for (let i = 0; i < n; i++) {
      const theta = Math.sqrt((i + 1) / n) * 4 * Math.PI;
      const r = (2 * theta) / (4 * Math.PI);
      points.push(r * Math.cos(theta + k * Math.PI) + 0.02 * generator.normal(), r * Math.sin(theta + k * Math.PI) + 0.02 * generator.normal());
      labels.push(k);
    }
  }
  return { x: tensor(Float32Array.from(points), { shape: [2 * n, 2] }), y: tensor(Float32Array.from(labels), { shape: [2 * n, 1] }) };
}

const mlp = (activation: () => Layer, generator: Generator): Sequential =>
  new Sequential(new Linear(2, 16, { generator }), activation(), new Linear(16, 16, { generator }), activation(), new Linear(16, 1, { generator }));

const meanBce = (model: Layer, x: Tensor, y: Tensor): Tensor => bceWithLogits(model.forward(x), y).mean();

/** The share of points whose logit has the sign of its label. */
function accuracy(model: Layer, x: Tensor, y: Tensor): number {
  const logits = model.forward(x).data;
  let correct = 0;
  for (let i = 0; i < logits.length; i++) if (((logits[i] as number) > 0 ? 1 : 0) === y.data[i]) correct++;
  return correct / logits.length;
}

/** Full-batch training; returns the loss after the last step. */
function train(model: Layer, x: Tensor, y: Tensor, steps: number, lr: number): number {
  const optimizer = new Adam(model.parameters(), { lr });
  for (let step = 0; step < steps; step++) {
    optimizer.zeroGrad();
    meanBce(model, x, y).backward();
    optimizer.step();
  }
  return meanBce(model, x, y).item();
}

describe("a 2-16-16-1 MLP trained with Adam", () => {
  it("fits XOR (ReLU): loss < 0.01 and 100% accuracy", () => {
    const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
    const y = tensor([[0], [1], [1], [0]]);
    const model = mlp(() => new ReLU(), new Generator(0));
    const loss = train(model, x, y, 300, 0.05);
    expect(loss).toBeLessThan(0.01);
    expect(accuracy(model, x, y)).toBe(1);
  });

  it("fits two spirals (Tanh): loss < 0.02, ≥ 98% training and ≥ 95% held-out accuracy", () => {
    const generator = new Generator(1);
    const { x, y } = spirals(100, generator);
    const model = mlp(() => new Tanh(), generator);
    const before = accuracy(model, x, y);
    const loss = train(model, x, y, 600, 0.03);
    expect(before).toBeLessThan(0.75); // an untrained model does not already separate them
    expect(loss).toBeLessThan(0.02);
    expect(accuracy(model, x, y)).toBeGreaterThanOrEqual(0.98);
    const heldOut = spirals(100, new Generator(99));
    expect(accuracy(model, heldOut.x, heldOut.y)).toBeGreaterThanOrEqual(0.95);
  });
});
