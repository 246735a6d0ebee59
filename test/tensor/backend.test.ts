import { afterEach, describe, expect, it } from "vitest";
import { gemm, kernelPath, setKernelPath } from "../../src/tensor/index.js";

describe("kernel paths", () => {
  const initial = kernelPath();
  afterEach(() => setKernelPath(initial));

  it("switches between WebAssembly SIMD and plain JS, and both give the same product", () => {
    const m = 37, n = 29, k = 300;
    const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i));
    const b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i));
    const results: Float32Array[] = [];
    for (const path of ["wasm", "js"] as const) {
      setKernelPath(path);
      expect(kernelPath()).toBe(path);
      const out = new Float32Array(m * n);
      gemm(m, n, k, a, 0, false, b, 0, false, out, 0);
      results.push(out);
    }
    const [wasm, js] = results as [Float32Array, Float32Array];
    for (let i = 0; i < wasm.length; i++) expect(Math.abs((wasm[i] as number) - (js[i] as number))).toBeLessThan(1e-5 * k);
  });
});
