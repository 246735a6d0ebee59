/**
 * Which kernels run: WebAssembly SIMD where the platform has it ("wasm"), else plain
 * JavaScript ("js"). The JS kernels are the readable oracle; the wasm ones are the fast path
 * for float32 and give the same results up to float32 rounding. Float64 always runs in JS.
 */
import { createWasmElementwise, type WasmElementwise } from "./wasm/elementwise.js";
import { wasmKernels, type WasmKernels } from "./wasm/kernels.js";

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

/** The wasm kernels when they are the ones to use, else null. */
export function activeWasmKernels(): WasmKernels | null {
  return requested === "js" ? null : wasmKernels();
}

let elementwise: WasmElementwise | null | undefined;

/** The wasm elementwise kernels when the wasm kernels are the ones to use, else null. */
export function activeWasmElementwise(): WasmElementwise | null {
  if (activeWasmKernels() === null) return null;
  if (elementwise === undefined) {
    try {
      elementwise = createWasmElementwise();
    } catch {
      elementwise = null;
    }
  }
  return elementwise;
}
