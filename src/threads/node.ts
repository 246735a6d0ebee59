/**
 * Worker threads in Node: `setNumThreads(2)` runs each large float32 product on two threads (the
 * caller's and a worker), as `torch.set_num_threads` does. Results are bit-identical to one thread.
 * The workers are unref'd, so they never keep a finished program alive.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { gemmThreads, gemmWorkerChunks, setGemmThreads, type GemmWorkerData, type WorkerHandle } from "../tensor/index.js";

/** Starts the gemm worker's source text with `data` as a Node worker thread. */
export function spawnNodeWorker(source: string, data: GemmWorkerData): WorkerHandle {
  const worker = new Worker(`${source}\nserveGemm(require("node:worker_threads").workerData);`, { eval: true, workerData: data });
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
