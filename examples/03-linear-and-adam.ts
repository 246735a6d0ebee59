/**
 * Linear layers and Adam: fit y = sin(x) on [−3, 3] with a small network
 * (Linear 1→32, tanh, Linear 32→1), full batch, mean squared error.
 *
 *   npx tsx examples/03-linear-and-adam.ts
 */
import { Generator, tensor, type Tensor } from "../src/index.js";
import { Adam, Linear, Sequential, Tanh } from "../src/nn/index.js";

const n = 64;
const xs = Array.from({ length: n }, (_, i) => -3 + (6 * i) / (n - 1));
const x = tensor(xs.map((v) => [v]));
const y = tensor(xs.map((v) => [Math.sin(v)]));

const generator = new Generator(0);
const model = new Sequential(new Linear(1, 32, { generator }), new Tanh(), new Linear(32, 1, { generator }));
const optimizer = new Adam(model.parameters(), { lr: 0.01 });

const mse = (): Tensor => model.forward(x).sub(y).square().mean();
console.log(`parameters: ${model.parameterCount()}`);
console.log(`step    0: MSE ${mse().item().toFixed(5)}`);
for (let step = 1; step <= 1500; step++) {
  optimizer.zeroGrad();
  const loss = mse();
  loss.backward();
  optimizer.step();
  if (step % 300 === 0) console.log(`step ${String(step).padStart(4)}: MSE ${loss.item().toFixed(5)}`);
}
const final = mse().item();
console.log(`final MSE ${final.toExponential(2)}`);
const prediction = model.forward(tensor([[1]])).item();
console.log(`at x = 1: network ${prediction.toFixed(3)}, sin(1) = ${Math.sin(1).toFixed(3)}`);
