/**
 * The engine's gemm workers as Web Workers: where the page is cross-origin isolated (the server
 * sends COOP/COEP, so SharedArrayBuffer exists), each large product runs on several threads, as
 * `setNumThreads` does in Node; each gemm worker is elbo's `gemm-worker.js` (build.ts bundles it
 * beside this worker's file). Called from a worker: the caller waits on its helpers with
 * Atomics.wait, which a page's main thread may not do.
 */
import { gemmThreads, setGemmThreads, spawnWebWorker } from "elbo";

/** Threads the products can use here: up to `wanted` where shared memory exists, else 1. */
export function startThreads(wanted: number): { threads: number; isolated: boolean } {
  const isolated = globalThis.crossOriginIsolated === true;
  const threads = isolated ? Math.max(1, Math.min(wanted, navigator.hardwareConcurrency || 1)) : 1;
  setGemmThreads(threads, threads > 1 ? spawnWebWorker : undefined);
  return { threads: gemmThreads(), isolated };
}
