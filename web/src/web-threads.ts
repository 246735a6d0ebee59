/**
 * The engine's gemm workers as Web Workers: where the page is cross-origin isolated (the server
 * sends COOP/COEP, so SharedArrayBuffer exists), each large product runs on several threads, as
 * `setNumThreads` does in Node. Called from a worker: the caller waits on its helpers with
 * Atomics.wait, which a page's main thread may not do.
 */
import { gemmThreads, setGemmThreads, type SpawnWorker } from "elbo";

/** Starts the gemm worker's source text in a Web Worker and hands it its start data. */
const spawnWebWorker: SpawnWorker = (source, data) => {
  const url = URL.createObjectURL(new Blob([`${source}\nonmessage = (event) => serveGemm(event.data);`], { type: "text/javascript" }));
  const worker = new Worker(url, { name: `elbo gemm ${data.participant}` });
  URL.revokeObjectURL(url);
  worker.postMessage(data);
  return worker;
};

/** Threads the products can use here: up to `wanted` where shared memory exists, else 1. */
export function startThreads(wanted: number): { threads: number; isolated: boolean } {
  const isolated = globalThis.crossOriginIsolated === true;
  const threads = isolated ? Math.max(1, Math.min(wanted, navigator.hardwareConcurrency || 1)) : 1;
  setGemmThreads(threads, threads > 1 ? spawnWebWorker : undefined);
  return { threads: gemmThreads(), isolated };
}
