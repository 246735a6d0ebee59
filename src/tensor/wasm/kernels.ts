/**
 * The WebAssembly SIMD kernels, instantiated synchronously on first use. `wasmKernels()` returns
 * null where WebAssembly or its SIMD extension is missing (or compiling is refused), and callers
 * keep the plain-JavaScript kernels.
 *
 * Memory: one linear memory per instance, reused by every call and grown when a call needs more.
 * A call copies A and B in with `set` (a memcpy), runs, and copies C out. Layout, in bytes:
 *
 *   [ scratch tile MR×NR | bias | A | B | C | packed op(A) | packed op(B) | C from Cᵀ ]   each start 64-byte aligned
 *
 * The typed-array view is re-created after `memory.grow`, which detaches the old buffer.
 */
import { buildGemmModule, GEMM_SHAPE, KC_MAX, type GemmExports, type GemmShape } from "./gemm.js";
import { ModuleBuilder, ValType } from "./encoder.js";
import { reserve, roundUp, type WasmMemory } from "./memory.js";

export type { WasmMemory } from "./memory.js";

/** The WebAssembly JS API we use (typed here: the project's `lib` has no DOM). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}

function wasmApi(): WasmApi | null {
  return (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly ?? null;
}

/** Compiles `bytes` synchronously into a module that can be instantiated many times. */
export function compileModule(bytes: Uint8Array): object {
  const api = wasmApi();
  if (api === null) throw new Error("compileModule: this runtime has no WebAssembly");
  return new api.Module(bytes);
}

/** Instantiates a compiled module (no imports) and returns its exports. */
export function instantiateModule(module: object): Record<string, unknown> {
  const api = wasmApi();
  if (api === null) throw new Error("instantiateModule: this runtime has no WebAssembly");
  return new api.Instance(module, {}).exports;
}

/** Compiles and instantiates `bytes` synchronously (no imports) and returns its exports. */
export function instantiate(bytes: Uint8Array): Record<string, unknown> {
  return instantiateModule(compileModule(bytes));
}

/** A module using SIMD: `(func (param f32) (result f32) local.get 0 f32x4.splat f32x4.extract_lane 3)`. */
export function simdProbe(): Uint8Array {
  const mod = new ModuleBuilder();
  mod.func("probe", { x: ValType.f32 }, [ValType.f32], (fn, p) => {
    fn.localGet(p.x).f32x4Splat().f32x4ExtractLane(3);
  });
  return mod.bytes();
}

/** The WebAssembly counterparts of the flat kernels in `tensor/`; float32 only. */
export interface WasmKernels {
  /** `gemm` of `matmul.ts`, same arguments, on Float32Array; with `bias`, n floats added to every row. */
  gemm(
    m: number, n: number, k: number,
    a: Float32Array, aOffset: number, transposeA: boolean,
    b: Float32Array, bOffset: number, transposeB: boolean,
    out: Float32Array, outOffset: number,
    bias?: Float32Array, biasOffset?: number,
  ): void;
}

const MAX_BYTES = 2 ** 32;
const align64 = (bytes: number): number => roundUp(bytes, 64);

function checkRange(name: string, array: Float32Array, offset: number, size: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + size > array.length) {
    throw new RangeError(`gemm (wasm): ${name} needs ${size} elements from offset ${offset}, has ${array.length}`);
  }
}

/**
 * A fresh instance with its own memory. `wasmKernels()` is the one to use; this one is for tests
 * and tuning, which also try other micro-kernel shapes and k-slice lengths.
 */
export function createWasmKernels(shape: GemmShape = GEMM_SHAPE, kcMax = KC_MAX): WasmKernels {
  const exports = instantiate(buildGemmModule(shape));
  const { memory, gemm: run, transposeOut } = exports as Partial<GemmExports> & { memory?: WasmMemory };
  if (memory === undefined || typeof run !== "function" || typeof transposeOut !== "function") throw new Error("gemm module: missing exports");
  let heap = new Float32Array(memory.buffer);
  const { mr, nr, unroll } = shape;

  return {
    gemm(m, n, k, a, aOffset, transposeA, b, bOffset, transposeB, out, outOffset, bias, biasOffset = 0) {
      checkRange("A", a, aOffset, m * k);
      checkRange("B", b, bOffset, k * n);
      checkRange("out", out, outOffset, m * n);
      if (bias) checkRange("bias", bias, biasOffset, n);
      if (m === 0 || n === 0) return;
      if (k === 0) {
        out.fill(0, outOffset, outOffset + m * n);
        if (bias) for (let i = 0; i < m; i++) out.set(bias.subarray(biasOffset, biasOffset + n), outOffset + i * n);
        return;
      }
      const kPad = roundUp(k, unroll);
      // Equal k slices of at most kcMax (2100 → 3 × 700, not 1024 + 1024 + 52).
      const kc = roundUp(Math.ceil(kPad / Math.ceil(kPad / kcMax)), unroll);
      // Cᵀ = op(B)ᵀ·op(A)ᵀ when that pads less: n = 20 fills 2 B panels of NR = 16 (32 columns),
      // while as the rows of Cᵀ it is 10 A panels of MR = 2 exactly. Cᵀ [n,m] is transposed
      // back in wasm (`transposeOut`), which adds the bias. A tie keeps C.
      const swap = roundUp(n, mr) * roundUp(m, nr) < roundUp(m, mr) * roundUp(n, nr);
      const rows = swap ? n : m, cols = swap ? m : n;
      // The bias row is padded to whole NR panels; the padding's columns of C are dropped.
      const biasPtr = align64(mr * nr * 4);
      const aPtr = biasPtr + (bias ? align64(roundUp(n, nr) * 4) : 0);
      const bPtr = aPtr + align64(m * k * 4);
      const cPtr = bPtr + align64(k * n * 4);
      const packedA = cPtr + align64(m * n * 4);
      const packedB = packedA + align64(roundUp(rows, mr) * kPad * 4);
      const cOut = packedB + align64(roundUp(cols, nr) * kPad * 4); // C from Cᵀ
      const end = cOut + (swap ? m * n * 4 : 0);
      if (end > MAX_BYTES) throw new RangeError(`gemm (wasm): [${m},${k}]·[${k},${n}] needs ${end} bytes, over the 4 GiB of wasm32`);
      const view = (heap = reserve(memory, end, heap));
      view.set(a.subarray(aOffset, aOffset + m * k), aPtr / 4);
      view.set(b.subarray(bOffset, bOffset + k * n), bPtr / 4);
      if (bias) view.set(bias.subarray(biasOffset, biasOffset + n), biasPtr / 4);
      if (!swap) {
        run(m, n, k, kc, aPtr, transposeA ? 1 : 0, bPtr, transposeB ? 1 : 0, cPtr, packedA, packedB, 0, bias ? biasPtr : 0);
        out.set(view.subarray(cPtr / 4, cPtr / 4 + m * n), outOffset);
        return;
      }
      // op(B)ᵀ is B read with the other transpose flag; likewise op(A)ᵀ.
      run(n, m, k, kc, bPtr, transposeB ? 0 : 1, aPtr, transposeA ? 0 : 1, cPtr, packedA, packedB, 0, 0);
      transposeOut(cPtr, n, m, cOut, bias ? biasPtr : 0);
      out.set(view.subarray(cOut / 4, cOut / 4 + m * n), outOffset);
    },
  };
}

let cached: WasmKernels | null | undefined;

/** The WebAssembly SIMD kernels, or null where they cannot run. Built once, on first call. */
export function wasmKernels(): WasmKernels | null {
  if (cached !== undefined) return cached;
  const api = wasmApi();
  try {
    cached = api !== null && api.validate(simdProbe()) ? createWasmKernels() : null;
  } catch {
    // e.g. a browser main thread that refuses synchronous compilation: keep the JS kernels.
    cached = null;
  }
  return cached;
}
