/**
 * The WebAssembly SIMD elementwise kernels (add, sub, mul of equal shapes or a repeated row;
 * relu, step, neg) give bit-identical results to the plain-JS kernels, at sizes that leave a
 * partial f32x4 and with NaN, ±0 and ±∞ among the inputs; and `binary`/`unary` pick them only
 * where they apply.
 */
import { describe, expect, it } from "vitest";
import { binary, unary, NDArray, setKernelPath, kernelPath } from "../../src/tensor/index.js";
import { Generator } from "../../src/tensor/random.js";
import { createWasmElementwise } from "../../src/tensor/wasm/elementwise.js";
import { wasmKernels } from "../../src/tensor/wasm/kernels.js";

const gen = new Generator(3);
const SPECIAL = [NaN, 0, -0, Infinity, -Infinity, 1e-40];

function values(n: number): Float32Array {
  const x = new Float32Array(n);
  gen.fillNormal(x);
  for (let i = 0; i < n; i += 7) x[i] = SPECIAL[(i / 7) % SPECIAL.length] as number;
  return x;
}

const bits = (x: Float32Array): number[] => [...new Uint32Array(x.buffer, x.byteOffset, x.length)];

/** The same op on the JS kernels. */
function onJs<T>(f: () => T): T {
  const before = kernelPath();
  setKernelPath("js");
  try {
    return f();
  } finally {
    setKernelPath(before === "wasm" ? "auto" : "js");
  }
}

describe.runIf(wasmKernels() !== null)("wasm elementwise kernels", () => {
  const kernels = createWasmElementwise();

  it.each([1, 3, 4, 5, 257, 1001])("add, sub, mul of %i elements (equal shapes) match JS bit for bit", (n) => {
    const a = values(n);
    const b = values(n).reverse();
    for (const op of ["add", "sub", "mul"] as const) {
      const out = new Float32Array(n);
      kernels.binary(op, a, b, out);
      const js = onJs(() => binary(op, new NDArray(a, [n]), new NDArray(b, [n])));
      expect(bits(out), op).toEqual(bits(js.data as Float32Array));
    }
  });

  it("a repeated row (bias) matches JS broadcasting", () => {
    const a = values(6 * 20);
    const b = values(20);
    for (const op of ["add", "sub", "mul"] as const) {
      const out = new Float32Array(a.length);
      kernels.binary(op, a, b, out);
      const js = onJs(() => binary(op, new NDArray(a, [6, 20]), new NDArray(b, [20])));
      expect(bits(out), op).toEqual(bits(js.data as Float32Array));
    }
    expect(() => kernels.binary("add", a, values(7), new Float32Array(a.length))).toThrow(/neither equal nor a row broadcast/);
  });

  it.each([1, 6, 300])("relu, step, neg of %i elements match JS bit for bit (NaN and -0 give 0 for relu)", (n) => {
    const x = values(n);
    for (const op of ["relu", "step", "neg"] as const) {
      const out = new Float32Array(n);
      kernels.unary(op, x, out);
      const js = onJs(() => unary(op, new NDArray(x, [n])));
      expect(bits(out), op).toEqual(bits(js.data as Float32Array));
    }
  });

  it("grows its memory for large inputs and keeps working after", () => {
    const n = 300_000;
    const a = values(n);
    const out = new Float32Array(n);
    kernels.binary("mul", a, a, out);
    expect(out[1]).toBe(Math.fround((a[1] as number) * (a[1] as number)));
    kernels.unary("neg", a.subarray(0, 8), out.subarray(0, 8));
    expect(out[1]).toBe(-(a[1] as number));
  });

  it("binary and unary route through them on the default path, with JS results", () => {
    const a = new NDArray(values(512), [2, 256]);
    const b = new NDArray(values(256), [1, 256]);
    const c = new NDArray(values(3), [3]); // a row of 3 floats is not whole f32x4s: JS broadcasting
    const ours = [binary("add", a, b), binary("sub", b, a), unary("relu", a)];
    const js = onJs(() => [binary("add", a, b), binary("sub", b, a), unary("relu", a)]);
    ours.forEach((x, i) => expect(bits(x.data as Float32Array)).toEqual(bits((js[i] as NDArray).data as Float32Array)));
    expect(binary("mul", new NDArray(values(300), [100, 3]), c).shape).toEqual([100, 3]);
  });
});
