/**
 * The gemm worker's module in a browser: a Web Worker started on this file (`spawnWebWorker`)
 * serves the products of the pool in `threads.ts` with the data of its first message. Bundlers
 * find it through `new Worker(new URL("./gemm-worker.js", import.meta.url))` in web-worker.ts.
 */
import { serveGemm, type GemmWorkerData } from "./threads.js";

/** The part of a worker's global scope used here (typed here: the project's `lib` has no DOM). */
const scope = globalThis as unknown as {
  addEventListener(type: "message", listener: (event: { data: GemmWorkerData }) => void, options: { once: true }): void;
};
scope.addEventListener("message", (event) => serveGemm(event.data), { once: true });
