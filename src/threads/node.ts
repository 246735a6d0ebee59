/**
 * Worker threads in Node: `setNumThreads(2)` runs each large float32 product on two threads (the
 * caller's and a worker), as `torch.set_num_threads` does. Results are bit-identical to one thread.
 * The workers are unref'd, so they never keep a finished program alive.
 */
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { gemmThreads, gemmWorkerChunks, setGemmThreads, type GemmWorkerData, type WorkerHandle } from "../tensor/index.js";

/**
 * The worker's module beside this file: `gemm-worker.js` in the built package. Run from source
 * (tests, tsx) it is `gemm-worker.ts`, which a worker can only load once tsx (a devDependency)
 * has registered its loader on that thread: the worker then starts on a one-line script that does
 * that, then imports the module.
 */
function startWorker(data: GemmWorkerData): Worker {
  if (!import.meta.url.endsWith(".ts")) return new Worker(new URL("./gemm-worker.js", import.meta.url), { workerData: data });
  const entry = new URL("./gemm-worker.ts", import.meta.url).href;
  const tsx = new URL("./dist/esm/api/index.mjs", pathToFileURL(createRequire(import.meta.url).resolve("tsx/package.json"))).href;
  const script = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(script, { eval: true, workerData: data });
}

/** Starts the gemm worker's module with `data` as a Node worker thread. */
export function spawnNodeWorker(data: GemmWorkerData): WorkerHandle {
  const worker = startWorker(data);
  worker.unref();
  // Unhandled, a worker's error would end the process; the other threads take its chunks instead.
  worker.on("error", (error) => process.emitWarning(`a gemm worker thread stopped (${error.message}); the other threads take its chunks`, "ElboWarning"));
  return worker;
}

/** Threads for the products: 1 (the default) to stop the workers, "auto" for one per core. */
export function setNumThreads(count: number | "auto"): void {
  setGemmThreads(count === "auto" ? availableParallelism() : count, spawnNodeWorker);
}

/** Threads a large product runs on. */
export function getNumThreads(): number {
  return gemmThreads();
}

/** Chunks of products the worker threads have computed so far: whether they pull their weight. */
export function getWorkerChunks(): number {
  return gemmWorkerChunks();
}
