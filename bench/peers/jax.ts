/**
 * jax-js (`@jax-js/jax`) as a peer of `bench/vae-step.ts`: the whole training step (forward,
 * `valueAndGrad`, Adam) is one `jit`-compiled function, run on the `wasm` device.
 *
 * jax-js counts references: every function takes ownership of its array arguments, and `x.ref`
 * adds one reference for each further use. The step consumes the parameters and Adam moments
 * it is given and returns new ones.
 *
 * Its wasm device runs a thread pool only where a global `Worker` exists (browsers, Deno); in
 * Node there is none, so it computes on one thread.
 */
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

/** The part of jax-js this bench uses, typed minimally. */
interface JaxArray {
  readonly ref: JaxArray;
  add(other: JaxArray | number): JaxArray;
  sub(other: JaxArray | number): JaxArray;
  mul(other: JaxArray | number): JaxArray;
  div(other: JaxArray | number): JaxArray;
  sum(axis?: number): JaxArray;
  dispose(): void;
  /** Consumes the array. */
  dataSync(): ArrayLike<number>;
  transpose(): JaxArray;
  blockUntilReady(): Promise<JaxArray>;
}

type Tree = Record<string, JaxArray>;

interface StepOutput {
  params: Tree;
  m: Tree;
  v: Tree;
  loss: JaxArray;
}

type StepFn = (params: Tree, m: Tree, v: Tree, x: JaxArray, key: JaxArray, stepSize: number, bc2Sqrt: number) => StepOutput;
type LossFn = (params: Tree, x: JaxArray, eps: JaxArray) => JaxArray;
type MatmulFn = (a: JaxArray, b: JaxArray) => JaxArray;

interface JaxModule {
  init(...devices: string[]): Promise<string[]>;
  defaultDevice(device?: string): string;
  jit<F>(f: F): F & { dispose(): void };
  valueAndGrad(f: LossFn): (params: Tree, x: JaxArray, eps: JaxArray) => [JaxArray, Tree];
  numpy: {
    array(values: Float32Array, options: { shape: number[] }): JaxArray;
    zeros(shape: number[]): JaxArray;
    matmul(a: JaxArray, b: JaxArray): JaxArray;
    exp(x: JaxArray): JaxArray;
    sqrt(x: JaxArray): JaxArray;
    square(x: JaxArray): JaxArray;
  };
  nn: {
    relu(x: JaxArray): JaxArray;
    softplus(x: JaxArray): JaxArray;
  };
  random: {
    key(seed: number): JaxArray;
    normal(key: JaxArray, shape: number[]): JaxArray;
  };
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const ADAM_EPS = 1e-8;

export async function loadJax(batch: Float32Array): Promise<Loaded> {
  let jax: JaxModule;
  try {
    const specifier = "@jax-js/jax";
    jax = (await import(specifier)) as JaxModule;
    const devices = await jax.init("wasm");
    if (!devices.includes("wasm")) return { skipped: "jax-js: no wasm device" };
    jax.defaultDevice("wasm");
  } catch (error) {
    return { skipped: `jax-js: ${reason(error)}` };
  }
  const { numpy: np, nn, random } = jax;

  // loss(θ, x, ε) = mean over the batch of [Σ BCE-with-logits(logits, x) + KL(N(μ, σ²) ‖ N(0, I))]
  const loss: LossFn = (p, x, eps) => {
    const dense = (input: JaxArray, name: string): JaxArray => np.matmul(input, p[`${name}W`] as JaxArray).add(p[`${name}B`] as JaxArray);
    const h = nn.relu(dense(x.ref, "enc"));
    const mu = dense(h.ref, "mu");
    const logVar = dense(h, "logVar");
    const z = mu.ref.add(np.exp(logVar.ref.mul(0.5)).mul(eps)); // z = μ + exp(½ log σ²)·ε
    const logits = dense(nn.relu(dense(z, "dec")), "out");
    // BCE-with-logits(l, x) = softplus(l) − x·l
    const reconstruction = nn.softplus(logits.ref).sub(x.mul(logits)).sum();
    // KL = ½ Σ (μ² + σ² − log σ² − 1)
    const kl = np.square(mu).add(np.exp(logVar.ref)).sub(logVar).sub(1).sum().mul(0.5);
    return reconstruction.add(kl).div(BATCH);
  };
  const lossAndGrad = jax.valueAndGrad(loss);
  const names = LAYERS.flatMap(([name]) => [`${name}W`, `${name}B`]);

  const stepFn: StepFn = (params, m, v, x, key, stepSize, bc2Sqrt) => {
    const eps = jax.random.normal(key, [BATCH, LATENT]);
    const borrowed: Tree = {};
    for (const name of names) borrowed[name] = (params[name] as JaxArray).ref;
    const [value, grads] = lossAndGrad(borrowed, x, eps);
    const out: StepOutput = { params: {}, m: {}, v: {}, loss: value };
    // torch's Adam: m ← β1 m + (1−β1) g; v ← β2 v + (1−β2) g²; θ ← θ − (γ/(1−β1^t)) m / (√v/√(1−β2^t) + ε)
    const size = stepSize as unknown as JaxArray;
    const bc2 = bc2Sqrt as unknown as JaxArray;
    for (const name of names) {
      const g = grads[name] as JaxArray;
      const mNew = (m[name] as JaxArray).mul(BETA1).add(g.ref.mul(1 - BETA1));
      const vNew = (v[name] as JaxArray).mul(BETA2).add(np.square(g).mul(1 - BETA2));
      const denom = np.sqrt(vNew.ref).div(bc2.ref).add(ADAM_EPS);
      out.params[name] = (params[name] as JaxArray).sub(mNew.ref.mul(size.ref).div(denom));
      out.m[name] = mNew;
      out.v[name] = vNew;
    }
    size.dispose();
    bc2.dispose();
    return out;
  };

  try {
    const step = jax.jit(stepFn);
    const init = initialWeights();
    let params: Tree = {};
    let m: Tree = {};
    let v: Tree = {};
    for (const [name, fanIn, fanOut] of LAYERS) {
      const layer = init[name];
      params[`${name}W`] = np.array(layer.w, { shape: [fanIn, fanOut] });
      params[`${name}B`] = np.array(layer.b, { shape: [fanOut] });
      for (const [suffix, shape] of [["W", [fanIn, fanOut]], ["B", [fanOut]]] as const) {
        m[`${name}${suffix}`] = np.zeros([...shape]);
        v[`${name}${suffix}`] = np.zeros([...shape]);
      }
    }
    const x = np.array(batch, { shape: [BATCH, INPUT] });
    let t = 0;
    let lastLoss = NaN;
    let lossArray: JaxArray | null = null;
    const run = async (steps: number): Promise<number> => {
      const start = performance.now();
      for (let s = 0; s < steps; s++) {
        t += 1;
        const out = step(params, m, v, x.ref, random.key(t), LEARNING_RATE / (1 - BETA1 ** t), Math.sqrt(1 - BETA2 ** t));
        ({ params, m, v } = out);
        lossArray?.dispose();
        lossArray = out.loss;
      }
      await (lossArray as JaxArray | null)?.blockUntilReady();
      await (params[names[0] as string] as JaxArray).blockUntilReady();
      return (performance.now() - start) / 1000;
    };
    await run(1);
    const { a, b } = matmulOperands();
    const aArray = np.array(a, { shape: [BATCH, INPUT] });
    const bArray = np.array(b, { shape: [INPUT, HIDDEN] });
    const product = jax.jit<MatmulFn>((p, q) => np.matmul(p, q));
    const system: StepSystem = {
      name: "jax-js (wasm, jit)",
      threads: hasGlobalWorker() ? "pool (global Worker)" : "1 (no global Worker in Node)",
      run,
      async loss() {
        if (lossArray !== null) lastLoss = (lossArray.ref.dataSync()[0] as number);
        return lastLoss;
      },
      async matmul(reps) {
        const start = performance.now();
        for (let r = 0; r < reps; r++) {
          const c = product(aArray.ref, bArray.ref);
          await c.blockUntilReady();
          c.dispose();
        }
        return (performance.now() - start) / 1000;
      },
      async close() {
        step.dispose();
        product.dispose();
      },
    };
    return { system };
  } catch (error) {
    return { skipped: `jax-js: ${reason(error)}` };
  }
}

/** jax-js (wasm, jit) as a `bench/matmul.ts` contender, or the reason it cannot load. */
export async function jaxMatmulPeer(): Promise<MatmulPeer | { skipped: string }> {
  try {
    const specifier = "@jax-js/jax";
    const jax = (await import(specifier)) as JaxModule;
    const devices = await jax.init("wasm");
    if (!devices.includes("wasm")) return { skipped: "jax-js: no wasm device" };
    jax.defaultDevice("wasm");
    const np = jax.numpy;
    return {
      name: "jax-js wasm",
      prepare(m, n, k, a, transposeA, b, transposeB) {
        const aArray = np.array(a, { shape: transposeA ? [k, m] : [m, k] });
        const bArray = np.array(b, { shape: transposeB ? [n, k] : [k, n] });
        const product = jax.jit<MatmulFn>((p, q) => np.matmul(transposeA ? p.transpose() : p, transposeB ? q.transpose() : q));
        return () => product(aArray.ref, bArray.ref).dataSync();
      },
    };
  } catch (error) {
    return { skipped: `jax-js: ${reason(error)}` };
  }
}
