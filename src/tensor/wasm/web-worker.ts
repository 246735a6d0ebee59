/**
 * Starts a gemm worker as a Web Worker: `setGemmThreads(2, spawnWebWorker)` in a browser. The
 * shared memory needs a cross-origin-isolated page (COOP and COEP headers), and the caller waits
 * with Atomics.wait, which a page's main thread may not call: call it from a worker (which then
 * starts this one inside it). A nested worker starts only once its parent's event loop runs: until
 * the caller yields (an awaited timer, a message), it computes every chunk itself. Checked in
 * Chromium 156 (2026-12-02): after one 500 ms await, the worker took 6,435 chunks of products
 * whose bits equalled one thread's.
 */
import type { GemmWorkerData, WorkerHandle } from "./threads.js";

/** The Web Worker constructor, where the platform has one (typed here: the project's `lib` has no DOM). */
declare const Worker: (new (url: URL, options: { type: "module" }) => WorkerHandle & { postMessage(data: GemmWorkerData): void }) | undefined;

/** Starts `gemm-worker.ts` (built: `gemm-worker.js`) as a module worker and hands it `data`. */
export function spawnWebWorker(data: GemmWorkerData): WorkerHandle {
  if (typeof Worker === "undefined") throw new Error("spawnWebWorker: this runtime has no Web Workers (in Node, use setNumThreads from elbo/node)");
  // Written out literally, so that bundlers (Vite, webpack, Parcel) emit the worker's module too.
  const worker = new Worker(new URL("./gemm-worker.js", import.meta.url), { type: "module" });
  worker.postMessage(data);
  return worker;
}
