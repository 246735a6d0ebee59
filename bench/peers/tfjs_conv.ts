/**
 * TensorFlow.js side of bench/conv-step.ts, in a process of its own: `tsx
 * bench/peers/tfjs_conv.ts REPEATS BACKEND` (wasm or cpu). NOTE: tfjs-backend-wasm 4.22 has no
 * Conv2DBackpropFilter kernel, so the wasm backend cannot train this model; the error is printed. The same conv VAE step in NHWC (TF.js's layout): conv
 * 32 and 64 3x3 stride 2 "same", dense 16, heads of 20; dense 3136, transposed convs 64 and 32
 * 3x3 stride 2 "same" and 1 3x3 stride 1; BCE-with-logits in its stable form + KL, averaged
 * over the batch; tf.train.adam(1e-3).minimize. Prints one JSON line like conv_ours.ts.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

type T = { dataSync(): ArrayLike<number>; dispose(): void };
interface Tf {
  version_core: string;
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  tidy<R>(f: () => R): R;
  variable(x: T): T;
  randomUniform(shape: number[], min: number, max: number): T;
  randomNormal(shape: number[]): T;
  zeros(shape: number[]): T;
  conv2d(x: T, filter: T, strides: number, pad: "same"): T;
  conv2dTranspose(x: T, filter: T, outputShape: number[], strides: number, pad: "same"): T;
  matMul(a: T, b: T): T;
  reshape(x: T, shape: number[]): T;
  add(a: T, b: T | number): T;
  sub(a: T, b: T | number): T;
  mul(a: T, b: T | number): T;
  exp(x: T): T;
  abs(x: T): T;
  neg(x: T): T;
  log1p(x: T): T;
  relu(x: T): T;
  sum(x: T): T;
  maximum(a: T, b: T | number): T;
  train: { adam(lr: number): { minimize(f: () => T, returnCost: boolean): T | null } };
}

const repeats = Number(process.argv[2] ?? 7);
const backend = process.argv[3] ?? "wasm";
const tf = (await import("@tensorflow/tfjs" as string)) as Tf;
const wasmPackage = "@tensorflow/tfjs-backend-wasm";
const wasm = (await import(wasmPackage)) as { setWasmPaths(prefix: string): void };
wasm.setWasmPaths(join(dirname(createRequire(import.meta.url).resolve(wasmPackage)), "/"));
if (!(await tf.setBackend(backend))) throw new Error(`setBackend("${backend}") failed`);
await tf.ready();

const B = 128;
const param = (shape: number[], fanIn: number): T => tf.variable(tf.randomUniform(shape, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn)));
const p = {
  c1: param([3, 3, 1, 32], 9), b1: param([32], 9),
  c2: param([3, 3, 32, 64], 288), b2: param([64], 288),
  d1: param([3136, 16], 3136), bd1: param([16], 3136),
  mu: param([16, 20], 16), bmu: param([20], 16),
  lv: param([16, 20], 16), blv: param([20], 16),
  d2: param([20, 3136], 20), bd2: param([3136], 20),
  t1: param([3, 3, 64, 64], 576), bt1: param([64], 576), // conv2dTranspose filter: [h, w, out, in]
  t2: param([3, 3, 32, 64], 576), bt2: param([32], 576),
  t3: param([3, 3, 1, 32], 288), bt3: param([1], 288),
};
const x = tf.randomUniform([B, 28, 28, 1], 0, 1);
const optimizer = tf.train.adam(1e-3);
const loss = (): T => {
  const h1 = tf.relu(tf.add(tf.conv2d(x, p.c1, 2, "same"), p.b1));
  const h2 = tf.relu(tf.add(tf.conv2d(h1, p.c2, 2, "same"), p.b2));
  const h = tf.relu(tf.add(tf.matMul(tf.reshape(h2, [B, 3136]), p.d1), p.bd1));
  const mu = tf.add(tf.matMul(h, p.mu), p.bmu);
  const logVar = tf.add(tf.matMul(h, p.lv), p.blv);
  const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logVar, 0.5)), tf.randomNormal([B, 20])));
  const g = tf.reshape(tf.relu(tf.add(tf.matMul(z, p.d2), p.bd2)), [B, 7, 7, 64]);
  const u1 = tf.relu(tf.add(tf.conv2dTranspose(g, p.t1, [B, 14, 14, 64], 2, "same"), p.bt1));
  const u2 = tf.relu(tf.add(tf.conv2dTranspose(u1, p.t2, [B, 28, 28, 32], 2, "same"), p.bt2));
  const logits = tf.add(tf.conv2dTranspose(u2, p.t3, [B, 28, 28, 1], 1, "same"), p.bt3);
  // BCE-with-logits = max(l, 0) - l·x + log(1 + exp(-|l|)); KL = -½ Σ (1 + log σ² - μ² - σ²)
  const bce = tf.sum(tf.add(tf.sub(tf.maximum(logits, 0), tf.mul(logits, x)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))));
  const kl = tf.mul(tf.sum(tf.sub(tf.sub(tf.add(logVar, 1), tf.mul(mu, mu)), tf.exp(logVar))), -0.5);
  return tf.mul(tf.add(bce, kl), 1 / B);
};
const step = (): number => {
  const cost = tf.tidy(() => optimizer.minimize(loss, true));
  // (a missing kernel throws here, on the first step)
  const value = cost ? (cost.dataSync()[0] as number) : NaN;
  cost?.dispose();
  return value;
};
try {
  step();
} catch (error) {
  console.log(JSON.stringify({ name: `TensorFlow.js ${tf.version_core} (${backend})`, error: error instanceof Error ? error.message : String(error) }));
  process.exit(0);
}
for (let i = 0; i < 2; i++) step();
const seconds: number[] = [];
let last = NaN;
for (let r = 0; r < repeats; r++) {
  const start = performance.now();
  last = step();
  seconds.push((performance.now() - start) / 1000);
}
console.log(JSON.stringify({ name: `TensorFlow.js ${tf.version_core} (${backend})`, seconds, loss: last }));
