/**
 * What every system in `bench/vae-step.ts` shares: the model sizes, the synthetic batch, the
 * initial weights, and the interface a system (ours or a peer) implements.
 *
 * The model is the canonical MNIST VAE: 784 → 400 (ReLU) → (μ, log σ²) ∈ ℝ²⁰ → 400 (ReLU) → 784
 * logits; the loss is the batch mean of Σ BCE-with-logits + KL(q(z|x) ‖ N(0, I)); Adam, γ = 1e-3,
 * β = (0.9, 0.999), ε = 1e-8. Every system draws a fresh ε ~ N(0, I) each step with its own RNG.
 */
import { Generator } from "../../src/tensor/random.js";

export const INPUT = 784;
export const HIDDEN = 400;
export const LATENT = 20;
export const BATCH = 128;
export const LEARNING_RATE = 1e-3;

/** FLOPs of one matmul [128,784]@[784,400]: the matmul column of the table. */
export const MATMUL_FLOPS = 2 * BATCH * INPUT * HIDDEN;

/** A system under test. Every method waits until the work it started has finished. */
export interface StepSystem {
  name: string;
  /** Threads it computes with, as a short note ("1", "2 (OpenMP)"). */
  threads: string;
  /** Run `steps` training steps; the seconds they took. */
  run(steps: number): Promise<number>;
  /** The loss of the last step taken (nats per example): a sanity check. */
  loss(): Promise<number>;
  /** Compute [128,784]@[784,400] `reps` times; the seconds that took. */
  matmul(reps: number): Promise<number>;
  close(): Promise<void>;
}

export type Loaded = { system: StepSystem } | { skipped: string };

/** The reason a peer failed to load, in one line. */
export function reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split("\n")[0] ?? "").slice(0, 160);
}

/** The input batch, [128,784] row-major, uniform in [0,1): the same for every system. */
export function syntheticBatch(seed = 7): Float32Array {
  return new Generator(seed).fillUniform(new Float32Array(BATCH * INPUT)) as Float32Array;
}

/** The inputs of the matmul column: A [128,784] and B [784,400], standard normal. */
export function matmulOperands(seed = 11): { a: Float32Array; b: Float32Array } {
  const generator = new Generator(seed);
  return {
    a: generator.fillNormal(new Float32Array(BATCH * INPUT)) as Float32Array,
    b: generator.fillNormal(new Float32Array(INPUT * HIDDEN)) as Float32Array,
  };
}

/** One dense layer's initial weights, stored [fanIn, fanOut] (y = x·W + b), torch's U(±1/√fanIn). */
export interface DenseInit {
  w: Float32Array;
  b: Float32Array;
  fanIn: number;
  fanOut: number;
}

/** The five layers of the VAE, by name, in the order the peers build them. */
export const LAYERS = [
  ["enc", INPUT, HIDDEN],
  ["mu", HIDDEN, LATENT],
  ["logVar", HIDDEN, LATENT],
  ["dec", LATENT, HIDDEN],
  ["out", HIDDEN, INPUT],
] as const;

export type LayerName = (typeof LAYERS)[number][0];

/** Initial weights for the JS peers, drawn from our Generator (PyTorch draws its own, alike). */
export function initialWeights(seed = 3): Record<LayerName, DenseInit> {
  const generator = new Generator(seed);
  const out = {} as Record<LayerName, DenseInit>;
  for (const [name, fanIn, fanOut] of LAYERS) {
    const bound = 1 / Math.sqrt(fanIn);
    out[name] = {
      w: generator.fillUniform(new Float32Array(fanIn * fanOut), -bound, bound) as Float32Array,
      b: generator.fillUniform(new Float32Array(fanOut), -bound, bound) as Float32Array,
      fanIn,
      fanOut,
    };
  }
  return out;
}

/** The global `Worker` constructor exists (browsers, Deno), which wasm thread pools need; Node has none. */
export function hasGlobalWorker(): boolean {
  return typeof (globalThis as { Worker?: unknown }).Worker !== "undefined";
}

/**
 * A peer's matmul for `bench/matmul.ts`: `prepare` uploads A (stored [m,k], or [k,m] when
 * transposeA) and B (stored [k,n], or [n,k] when transposeB) and returns a function that
 * computes op(A)·op(B) once, synchronously, and returns C [m,n].
 */
export interface MatmulPeer {
  name: string;
  prepare(m: number, n: number, k: number, a: Float32Array, transposeA: boolean, b: Float32Array, transposeB: boolean): () => ArrayLike<number>;
}
