/**
 * Our engine as a system of `bench/vae-step.ts`, on one kernel path ("wasm" or "js") and a number
 * of threads for the products (wasm only): the step is the one `trainEpoch` takes (zeroGrad,
 * `elbo`, backward, `Adam.step`), on the same VAE.
 */
import { tensor } from "../../src/autograd/index.js";
import { Adam } from "../../src/nn/index.js";
import { setKernelPath, type KernelPath } from "../../src/tensor/backend.js";
import { getNumThreads, getWorkerChunks, setNumThreads } from "../../src/threads/node.js";
import { gemm } from "../../src/tensor/matmul.js";
import { Generator } from "../../src/tensor/random.js";
import { elbo } from "../../src/vae/elbo.js";
import { VAE } from "../../src/vae/model.js";
import { BATCH, HIDDEN, INPUT, LATENT, LEARNING_RATE, matmulOperands, reason, type Loaded } from "./common.js";

export function loadOurs(path: KernelPath, batch: Float32Array, threads = 1): Loaded {
  const name = threads === 1 ? `elbo (${path})` : `elbo (${path}, ${threads} threads)`;
  const { a, b } = matmulOperands();
  const c = new Float32Array(BATCH * HIDDEN);
  const product = (): void => gemm(BATCH, HIDDEN, INPUT, a, 0, false, b, 0, false, c, 0);
  // Switching the kernels happens before a block's clock starts; new workers take tens of
  // milliseconds to boot, so products run until the workers take chunks (at most 2 s).
  const use = (): void => {
    setKernelPath(path);
    if (getNumThreads() === threads) return;
    setNumThreads(threads);
    const [chunks, start] = [getWorkerChunks(), performance.now()];
    while (threads > 1 && getWorkerChunks() === chunks && performance.now() - start < 2000) product();
  };
  try {
    use();
  } catch (error) {
    return { skipped: `${name}: ${reason(error)}` };
  }
  const model = new VAE({ inputSize: INPUT, hiddenSizes: [HIDDEN], latentSize: LATENT, generator: new Generator(0) });
  const optimizer = new Adam(model.parameters(), { lr: LEARNING_RATE });
  const x = tensor(batch, { shape: [BATCH, INPUT] });
  const generator = new Generator(1);
  let lastLoss = NaN;
  return {
    system: {
      name,
      threads: String(threads),
      async run(steps) {
        use();
        const start = performance.now();
        let loss = NaN;
        for (let s = 0; s < steps; s++) {
          optimizer.zeroGrad({ setToNone: false }); // as trainEpoch
          const terms = elbo(model, x, { generator });
          terms.loss.backward();
          optimizer.step();
          if (s === steps - 1) loss = terms.loss.item();
        }
        const seconds = (performance.now() - start) / 1000;
        lastLoss = loss;
        return seconds;
      },
      async loss() {
        return lastLoss;
      },
      async matmul(reps) {
        use();
        const start = performance.now();
        for (let r = 0; r < reps; r++) product();
        return (performance.now() - start) / 1000;
      },
      async close() {
        setNumThreads(1);
        setKernelPath("auto");
      },
    },
  };
}
