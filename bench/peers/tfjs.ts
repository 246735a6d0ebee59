/**
 * TensorFlow.js as a peer of `bench/vae-step.ts`, on its `cpu` backend (plain JS kernels) and
 * its `wasm` backend (XNNPACK, SIMD). The step is `tf.train.adam(...).minimize(loss)`.
 * `@tensorflow/tfjs` is loaded rather than `tfjs-core`: only its Node bundle registers the
 * gradients (tfjs-core's Node bundle has none).
 *
 * The wasm binaries ship inside `@tensorflow/tfjs-backend-wasm`; `setWasmPaths` points at the
 * package's `dist/` folder in node_modules, so nothing is fetched. Both backends live in one
 * process: each system sets its backend before it runs, and its tensors stay on that backend.
 *
 * The wasm backend has no Softplus kernel, so BCE-with-logits is written in the stable form
 * every backend has: max(l, 0) − l·x + log(1 + exp(−|l|)).
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import {
  BATCH,
  hasGlobalWorker,
  HIDDEN,
  initialWeights,
  INPUT,
  LATENT,
  LAYERS,
  LEARNING_RATE,
  matmulOperands,
  reason,
  type Loaded,
  type MatmulPeer,
  type StepSystem,
} from "./common.js";

/** The part of TensorFlow.js this bench uses, typed minimally. */
interface TfTensor {
  dataSync(): ArrayLike<number>;
  dispose(): void;
}

interface TfOptimizer {
  minimize(loss: () => TfTensor, returnCost: boolean): TfTensor | null;
  dispose(): void;
}

interface TfCore {
  version_core: string;
  setBackend(name: string): Promise<boolean>;
  getBackend(): string;
  env(): { getAsync(flag: string): Promise<unknown> };
  ready(): Promise<void>;
  tidy<T>(f: () => T): T;
  tensor2d(values: Float32Array, shape: [number, number]): TfTensor;
  tensor1d(values: Float32Array): TfTensor;
  variable(initial: TfTensor): TfTensor;
  matMul(a: TfTensor, b: TfTensor, transposeA?: boolean, transposeB?: boolean): TfTensor;
  add(a: TfTensor, b: TfTensor | number): TfTensor;
  sub(a: TfTensor, b: TfTensor | number): TfTensor;
  mul(a: TfTensor, b: TfTensor | number): TfTensor;
  div(a: TfTensor, b: TfTensor | number): TfTensor;
  exp(x: TfTensor): TfTensor;
  abs(x: TfTensor): TfTensor;
  neg(x: TfTensor): TfTensor;
  log1p(x: TfTensor): TfTensor;
  relu(x: TfTensor): TfTensor;
  sum(x: TfTensor): TfTensor;
  randomNormal(shape: number[]): TfTensor;
  train: { adam(learningRate: number, beta1: number, beta2: number, epsilon: number): TfOptimizer };
}

interface TfWasm {
  setWasmPaths(prefix: string): void;
  getThreadsCount?(): number;
}

interface Layer {
  w: TfTensor;
  b: TfTensor;
}

/** Load tfjs-core with the cpu and wasm backends; null and a reason when that fails. */
async function loadTf(): Promise<{ tf: TfCore; wasm: TfWasm | null; wasmError: string } | { error: string }> {
  try {
    // The union package: its Node bundle registers the gradients and the cpu backend.
    const union = "@tensorflow/tfjs";
    const tf = (await import(union)) as TfCore;
    let wasm: TfWasm | null = null;
    let wasmError = "";
    try {
      const wasmPackage = "@tensorflow/tfjs-backend-wasm";
      wasm = (await import(wasmPackage)) as TfWasm;
      const dist = dirname(createRequire(import.meta.url).resolve(wasmPackage));
      wasm.setWasmPaths(join(dist, "/"));
    } catch (error) {
      wasmError = reason(error);
    }
    return { tf, wasm, wasmError };
  } catch (error) {
    return { error: reason(error) };
  }
}

/** One tfjs system on `backend` ("cpu" or "wasm"). */
async function tfSystem(tf: TfCore, backend: string, threads: string, batch: Float32Array): Promise<StepSystem> {
  if (!(await tf.setBackend(backend))) throw new Error(`setBackend("${backend}") failed`);
  await tf.ready();
  const use = async (): Promise<void> => {
    if (tf.getBackend() !== backend) await tf.setBackend(backend);
  };
  const init = initialWeights();
  const layers = {} as Record<(typeof LAYERS)[number][0], Layer>;
  for (const [name, fanIn, fanOut] of LAYERS) {
    layers[name] = { w: tf.variable(tf.tensor2d(init[name].w, [fanIn, fanOut])), b: tf.variable(tf.tensor1d(init[name].b)) };
  }
  const x = tf.tensor2d(batch, [BATCH, INPUT]);
  const dense = (input: TfTensor, layer: Layer): TfTensor => tf.add(tf.matMul(input, layer.w), layer.b);
  // loss = mean over the batch of [Σ BCE-with-logits(logits, x) + KL(N(μ, σ²) ‖ N(0, I))]
  const loss = (): TfTensor => {
    const h = tf.relu(dense(x, layers.enc));
    const mu = dense(h, layers.mu);
    const logVar = dense(h, layers.logVar);
    const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logVar, 0.5)), tf.randomNormal([BATCH, LATENT])));
    const logits = dense(tf.relu(dense(z, layers.dec)), layers.out);
    const bce = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, x)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
    const kl = tf.mul(tf.sum(tf.sub(tf.sub(tf.add(tf.mul(mu, mu), tf.exp(logVar)), logVar), 1)), 0.5);
    return tf.div(tf.add(tf.sum(bce), kl), BATCH);
  };
  const optimizer = tf.train.adam(LEARNING_RATE, 0.9, 0.999, 1e-8);
  let cost: TfTensor | null = null;
  const { a, b } = matmulOperands();
  const aTensor = tf.tensor2d(a, [BATCH, INPUT]);
  const bTensor = tf.tensor2d(b, [INPUT, HIDDEN]);
  return {
    name: `TensorFlow.js ${tf.version_core} (${backend})`,
    threads,
    async run(steps) {
      await use();
      const start = performance.now();
      for (let s = 0; s < steps; s++) {
        cost?.dispose();
        cost = optimizer.minimize(loss, true);
      }
      cost?.dataSync();
      layers.out.b.dataSync();
      return (performance.now() - start) / 1000;
    },
    async loss() {
      await use();
      return cost === null ? NaN : (cost.dataSync()[0] as number);
    },
    async matmul(reps) {
      await use();
      const start = performance.now();
      for (let r = 0; r < reps; r++) {
        const c = tf.matMul(aTensor, bTensor);
        c.dataSync();
        c.dispose();
      }
      return (performance.now() - start) / 1000;
    },
    async close() {
      optimizer.dispose();
    },
  };
}

/** The tfjs systems: cpu and wasm, each loaded or skipped with a reason. */
export async function loadTfjs(batch: Float32Array): Promise<Loaded[]> {
  const loaded = await loadTf();
  if ("error" in loaded) {
    return [{ skipped: `TensorFlow.js cpu: ${loaded.error}` }, { skipped: `TensorFlow.js wasm: ${loaded.error}` }];
  }
  const { tf, wasm, wasmError } = loaded;
  const out: Loaded[] = [];
  try {
    out.push({ system: await tfSystem(tf, "cpu", "1", batch) });
  } catch (error) {
    out.push({ skipped: `TensorFlow.js cpu: ${reason(error)}` });
  }
  if (wasm === null) {
    out.push({ skipped: `TensorFlow.js wasm: ${wasmError}` });
  } else {
    try {
      const system = await tfSystem(tf, "wasm", "?", batch);
      const count = wasm.getThreadsCount?.();
      if ((await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) === true) system.name = system.name.replace("(wasm)", "(wasm, SIMD)");
      system.threads = count === undefined ? "1" : `${count}${hasGlobalWorker() ? "" : " (no global Worker in Node)"}`;
      out.push({ system });
    } catch (error) {
      out.push({ skipped: `TensorFlow.js wasm: ${reason(error)}` });
    }
  }
  return out;
}

/**
 * Switch the active backend synchronously. `setBackend` is async, but for a backend that is
 * already initialized it switches before its first await; checked, not assumed.
 */
function switchBackend(tf: TfCore, backend: string): void {
  if (tf.getBackend() === backend) return;
  void tf.setBackend(backend);
  if (tf.getBackend() !== backend) throw new Error(`tfjs: could not switch to the ${backend} backend synchronously`);
}

/** tfjs cpu and wasm as `bench/matmul.ts` contenders, and the reasons for any that cannot load. */
export async function tfjsMatmulPeers(): Promise<{ peers: MatmulPeer[]; skipped: string[] }> {
  const loaded = await loadTf();
  if ("error" in loaded) return { peers: [], skipped: [`TensorFlow.js: ${loaded.error}`] };
  const { tf, wasm, wasmError } = loaded;
  const peers: MatmulPeer[] = [];
  const skipped: string[] = [];
  for (const backend of ["cpu", "wasm"]) {
    if (backend === "wasm" && wasm === null) {
      skipped.push(`TensorFlow.js wasm: ${wasmError}`);
      continue;
    }
    try {
      if (!(await tf.setBackend(backend))) throw new Error(`setBackend("${backend}") failed`);
      await tf.ready();
      peers.push({
        name: `tfjs ${backend}`,
        prepare(m, n, k, a, transposeA, b, transposeB) {
          switchBackend(tf, backend);
          const aTensor = tf.tensor2d(a, transposeA ? [k, m] : [m, k]);
          const bTensor = tf.tensor2d(b, transposeB ? [n, k] : [k, n]);
          return () => {
            switchBackend(tf, backend);
            const c = tf.matMul(aTensor, bTensor, transposeA, transposeB);
            const data = c.dataSync();
            c.dispose();
            return data;
          };
        },
      });
    } catch (error) {
      skipped.push(`TensorFlow.js ${backend}: ${reason(error)}`);
    }
  }
  return { peers, skipped };
}
