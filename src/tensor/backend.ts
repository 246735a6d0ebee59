/**
 * Which kernels run: WebAssembly SIMD where the platform has it ("wasm"), else plain
 * JavaScript ("js"). The JS kernels are the readable oracle; the wasm ones are the fast path
 * for float32 and give the same results up to float32 rounding. Float64 runs in JS, but for its
 * products, whose wasm kernel gives the JS kernel's bits (`wasm/gemm64.ts`).
 */
import { createWasmConv, type WasmConv } from "./wasm/conv.js";
import { createWasmElementwise, type WasmElementwise } from "./wasm/elementwise.js";
import { createWasmReduce, type WasmReduce } from "./wasm/reduce.js";
import { createWasmKernels, wasmKernels, type WasmKernels } from "./wasm/kernels.js";
import { wasmGemm64, type WasmGemm64 } from "./wasm/gemm64.js";
import { GEMM_SHAPE, KC_MAX } from "./wasm/gemm.js";
import type { SpawnWorker } from "./wasm/threads.js";

export type KernelPath = "wasm" | "js";

let requested: KernelPath | "auto" = "auto";

/**
 * Choose the kernels: "auto" (the default) uses wasm when available, "js" forces plain
 * JavaScript, "wasm" insists on WebAssembly SIMD and throws where it is missing.
 */
export function setKernelPath(path: KernelPath | "auto"): void {
  if (path === "wasm" && wasmKernels() === null) {
    throw new Error("setKernelPath: WebAssembly SIMD is not available on this platform; use \"js\" or \"auto\"");
  }
  requested = path;
}

/** The kernels in use now. */
export function kernelPath(): KernelPath {
  return requested === "js" || wasmKernels() === null ? "js" : "wasm";
}

/** The multi-threaded gemm kernels, while setGemmThreads has more than one thread, and their spawn. */
let threaded: { kernels: WasmKernels; spawn: SpawnWorker } | null = null;

/**
 * Run each large float32 product of the wasm path on `count` threads: the caller's and count - 1
 * workers started by `spawn` (elbo/node's `setNumThreads` passes Node's worker threads). Results
 * are bit-identical to one thread: each entry of C is still one thread's sum in the same order.
 * 1 (the default, and what browsers keep) stops the workers; the same count again changes nothing.
 * The JS path is always one thread. The caller waits for the workers with Atomics.wait, which a
 * browser page's main thread may not call: in a browser, train in a worker.
 */
export function setGemmThreads(count: number, spawn?: SpawnWorker): void {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`setGemmThreads: count must be a positive integer, got ${count}`);
  if (count > 1 && spawn === undefined) throw new Error("setGemmThreads: more than one thread needs a way to spawn workers (in Node, use setNumThreads from elbo/node)");
  if (count > 1 && wasmKernels() === null) throw new Error("setGemmThreads: WebAssembly SIMD is not available on this platform");
  if (count === gemmThreads() && (threaded === null || threaded.spawn === spawn)) return;
  const started = count > 1 && spawn !== undefined ? { kernels: createWasmKernels(GEMM_SHAPE, KC_MAX, { workers: count - 1, spawn }), spawn } : null;
  threaded?.kernels.close();
  threaded = started;
}

/** Threads a large float32 product runs on (see setGemmThreads). */
export function gemmThreads(): number {
  return threaded?.kernels.threads ?? 1;
}

/** Chunks of products the worker threads of setGemmThreads have computed: 0 with one thread. */
export function gemmWorkerChunks(): number {
  return threaded?.kernels.workerChunks ?? 0;
}

/** The wasm kernels when they are the ones to use, else null. */
export function activeWasmKernels(): WasmKernels | null {
  return requested === "js" ? null : threaded?.kernels ?? wasmKernels();
}

/** The float64 wasm gemm when the wasm kernels are the ones to use, else null (always one thread). */
export function activeWasmGemm64(): WasmGemm64 | null {
  return activeWasmKernels() === null ? null : wasmGemm64();
}

/**
 * A getter of the wasm kernels `create` makes, built on first use: null while the JS path is the
 * one in use, and null for good where building them fails (the JS kernels then serve).
 */
function lazyWasm<T>(create: () => T): () => T | null {
  let made: T | null | undefined;
  return () => {
    if (activeWasmKernels() === null) return null;
    if (made === undefined) {
      try {
        made = create();
      } catch {
        made = null;
      }
    }
    return made;
  };
}

/** The wasm elementwise kernels when the wasm kernels are the ones to use, else null. */
export const activeWasmElementwise: () => WasmElementwise | null = lazyWasm(createWasmElementwise);

/** The wasm column sums when the wasm kernels are the ones to use, else null. */
export const activeWasmReduce: () => WasmReduce | null = lazyWasm(createWasmReduce);

/** The wasm im2col, col2im and batch/channel swap when the wasm kernels are the ones to use, else null. */
export const activeWasmConv: () => WasmConv | null = lazyWasm(createWasmConv);
