/**
 * The gemm worker's module in Node: a worker thread started on this file (`spawnNodeWorker`)
 * serves the products of the pool in `tensor/wasm/threads.ts` with the data it was started with.
 */
import { workerData } from "node:worker_threads";
import { serveGemm, type GemmWorkerData } from "../tensor/wasm/threads.js";

serveGemm(workerData as GemmWorkerData);
