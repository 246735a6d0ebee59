/**
 * The WebAssembly SIMD kernels, instantiated synchronously on first use. `wasmKernels()` returns
 * null where WebAssembly or its SIMD extension is missing (or compiling is refused), and callers
 * keep the plain-JavaScript kernels.
 *
 * Memory: one linear memory per instance (shared with the workers when there are threads), reused
 * by every call and grown when a call needs more. A call copies A and B in with `copyFloats` (a
 * memcpy), runs, and copies C out. Layout, in bytes, each start 64-byte aligned:
 *
 *   [ 64 unused | bias | A | B | C | C from Cᵀ | packed op(A) | packed op(B)
 *     | per thread: scratch tile MR×NR, its packed chunk of op(A) or op(B) ]
 *
 * On one thread both operands are packed whole and there is one scratch tile; with threads only
 * the operand the chunks share is packed whole (the other's region is empty).
 *
 * The typed-array view is re-created after `memory.grow`, which detaches the old buffer (or, for
 * a shared memory, leaves it at its old length).
 */
import { buildGemmModule, GEMM_SHAPE, KC_MAX, MAX_PAGES, type GemmExports, type GemmShape } from "./gemm.js";
import { ModuleBuilder, ValType } from "./encoder.js";
import { copyFloats, reserve, roundUp, type WasmMemory } from "./memory.js";
import { GemmWorkers, WorkerTimeoutError, type JobArgs, type SpawnWorker } from "./threads.js";

export type { WasmMemory } from "./memory.js";

/** The WebAssembly JS API we use (typed here: the project's `lib` has no DOM). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory<ArrayBufferLike>;
}

function wasmApi(): WasmApi | null {
  return (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly ?? null;
}

function requireApi(caller: string): WasmApi {
  const api = wasmApi();
  if (api === null) throw new Error(`${caller}: this runtime has no WebAssembly`);
  return api;
}

/** Compiles `bytes` synchronously into a module that can be instantiated many times. */
export function compileModule(bytes: Uint8Array): object {
  return new (requireApi("compileModule").Module)(bytes);
}

/** Instantiates a compiled module and returns its exports. */
export function instantiateModule(module: object, imports: object = {}): Record<string, unknown> {
  return new (requireApi("instantiateModule").Instance)(module, imports).exports;
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
  /** Threads a product runs on: 1, or 1 + the workers. */
  readonly threads: number;
  /** Chunks of products computed by worker threads so far: whether the workers pull their weight. */
  readonly workerChunks: number;
  /** Stops the workers; later products run on the caller's thread alone. */
  close(): void;
}

/** Worker threads for the products, besides the caller's own. */
export interface GemmThreadOptions {
  /** How many workers to start (≥ 1). */
  workers: number;
  /** How the platform starts one (see threads.ts). */
  spawn: SpawnWorker;
  /**
   * Multiply-adds (m·n·k) per chunk of a product: the threads take chunks until none is left, and
   * a product of one chunk runs on the caller alone, in memory of its own. Small values split
   * small products (tests).
   */
  chunkWork?: number;
  /**
   * How long the caller waits for a worker's last chunks, in ms, plus the product's time at
   * 1 GFLOP/s, before it computes the product alone and goes on with one thread (with a warning):
   * a worker that died or starves would otherwise hang the caller. Default 10,000.
   */
  timeoutMs?: number;
  /** Where that warning goes; default `process.emitWarning` where there is one, else `console.warn`. */
  warn?: (message: string) => void;
}

/**
 * Measured with bench/vae-step.ts on 2 cores. Chunks of 2^20 multiply-adds (~40 µs) keep the VAE
 * step's 20-wide products (1M) on one thread, where waking a worker costs more than it saves, and
 * cut its 40M ones into 25-40 chunks. Threads spin 20,000 polls (~100-140 µs, measured) before sleeping:
 * 2,000 and 200,000 measured the same within noise. In the step the worker is asleep at 80-93% of the
 * big products (0.7-1 ms between them); it runs ~20 µs after the post, and waking it costs the caller
 * ~12 µs. Spinning through those gaps (300,000 polls) slowed the caller's own work more than it saved
 * (step 1.07-1.19x slower: a spinning thread beside it slows even its memcpy ~12%), and waking the
 * worker at the product's entry only moved the 12 µs onto the copies (same product time, in-process
 * A/B of the 2-thread step, 2026-12-04).
 */
export const CHUNK_WORK = 2 ** 20;
const WORKER_SPINS = 20000;

export const MAX_BYTES = 2 ** 32;
const align64 = (bytes: number): number => roundUp(bytes, 64);

export function checkRange(name: string, array: Float32Array | Float64Array, offset: number, size: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + size > array.length) {
    throw new RangeError(`gemm (wasm): ${name} needs ${size} elements from offset ${offset}, has ${array.length}`);
  }
}

/** Where a product's operands, result and packed panels sit in wasm memory, and how it is cut into chunks. */
export interface GemmLayout {
  kc: number;
  /** Compute Cᵀ = op(B)ᵀ·op(A)ᵀ (then transposed back) rather than C. */
  swap: boolean;
  rows: number;
  cols: number;
  /** Chunks are row blocks (else column blocks) of what is computed. */
  byRows: boolean;
  unit: number;
  chunks: number;
  /** More than one chunk and some worker to share them with. */
  threaded: boolean;
  biasPtr: number; aPtr: number; bPtr: number; cPtr: number; cOut: number;
  packedA: number; packedB: number; privateBase: number; privateStride: number; scratchBytes: number;
  /** Bytes of memory the product needs. */
  end: number;
}

/**
 * The layout of one product of elements of `bytes` bytes. The k slices are equal ones of at most
 * kcMax (2100 → 3 × 700, not 1024 + 1024 + 52), or with `fixedSlices` kcMax, kcMax, ..., the rest
 * (the float64 module's, which sums as the JS kernel does).
 */
export function layoutGemm(
  m: number, n: number, k: number, withBias: boolean, shape: GemmShape, kcMax: number, chunkWork: number, workers: number,
  bytes = 4, fixedSlices = false,
): GemmLayout {
  const { mr, nr } = shape;
  const kc = fixedSlices ? Math.min(kcMax, k) : Math.ceil(k / Math.ceil(k / kcMax));
  // Cᵀ = op(B)ᵀ·op(A)ᵀ when that pads less: n = 20 fills 2 B panels of NR = 16 (32 columns),
  // while as the rows of Cᵀ it is 10 A panels of MR = 2 exactly. Cᵀ [n,m] is transposed
  // back in wasm (`transposeOut`), which adds the bias. A tie keeps C.
  const swap = roundUp(n, mr) * roundUp(m, nr) < roundUp(m, mr) * roundUp(n, nr);
  const rows = swap ? n : m, cols = swap ? m : n;
  // With threads, C is cut into chunks along its longer side (see threads.ts): column chunks
  // share one packed op(A), row chunks one packed op(B).
  const byRows = rows >= cols;
  const unit = roundUp(Math.ceil(chunkWork / ((byRows ? cols : rows) * k)), byRows ? mr : nr);
  const chunks = Math.ceil((byRows ? rows : cols) / unit);
  const threaded = chunks > 1 && workers > 0;
  const participants = threaded ? 1 + workers : 1;
  // The bias row is padded to whole NR panels; the padding's columns of C are dropped.
  const biasPtr = 64; // not 0, which the module reads as "no bias"
  const aPtr = biasPtr + (withBias ? align64(roundUp(n, nr) * bytes) : 0);
  const bPtr = aPtr + align64(m * k * bytes);
  const cPtr = bPtr + align64(k * n * bytes);
  const cOut = cPtr + align64(m * n * bytes); // C from Cᵀ
  // Then the packed operands: on one thread, both; with chunks, the shared one, then per
  // participant an MR×NR scratch tile (for overhanging tiles) and its chunk of the other.
  const packedA = cOut + (swap ? align64(m * n * bytes) : 0);
  const packedB = packedA + (threaded && byRows ? 0 : align64(roundUp(rows, mr) * k * bytes));
  const scratchBytes = align64(mr * nr * bytes);
  const privateBase = packedB + (threaded && !byRows ? 0 : align64(roundUp(cols, nr) * k * bytes));
  const privateStride = scratchBytes + (threaded ? align64(unit * k * bytes) : 0);
  const end = privateBase + participants * privateStride;
  return { kc, swap, rows, cols, byRows, unit, chunks, threaded, biasPtr, aPtr, bPtr, cPtr, cOut, packedA, packedB, privateBase, privateStride, scratchBytes, end };
}

/** The gemm module instantiated: over its own memory, or (threads) a shared one with workers started on it. */
function instantiateGemm(shape: GemmShape, threads: GemmThreadOptions | undefined): {
  memory: WasmMemory<ArrayBufferLike>; run: GemmExports["gemm"]; transposeOut: GemmExports["transposeOut"]; workers: GemmWorkers | null;
} {
  const api = requireApi("createWasmKernels");
  let memory: WasmMemory<ArrayBufferLike>;
  let exports: Record<string, unknown>;
  let workers: GemmWorkers | null = null;
  if (threads === undefined) {
    exports = instantiate(buildGemmModule(shape));
    memory = exports.memory as WasmMemory;
  } else {
    if (!Number.isInteger(threads.workers) || threads.workers < 1) throw new RangeError(`createWasmKernels: workers must be a positive integer, got ${threads.workers}`);
    const module = compileModule(buildGemmModule(shape, "shared"));
    memory = new api.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    exports = instantiateModule(module, { env: { memory } });
    workers = new GemmWorkers(threads.workers, module, memory, threads.spawn, WORKER_SPINS);
  }
  const { gemm: run, transposeOut } = exports as Partial<GemmExports>;
  if (memory === undefined || typeof run !== "function" || typeof transposeOut !== "function") throw new Error("gemm module: missing exports");
  return { memory, run, transposeOut, workers };
}

/** A warning the way the platform shows one: Node's process.emitWarning, else the console. */
function platformWarning(message: string): void {
  const node = (globalThis as { process?: { emitWarning?: (message: string, type: string) => void } }).process;
  if (typeof node?.emitWarning === "function") node.emitWarning(message, "ElboWarning");
  else console.warn(message);
}

/**
 * A fresh instance with its own memory; with `threads`, a shared memory and that many workers
 * computing blocks of each large product beside the caller. `wasmKernels()` is the single-thread
 * one to use; this one is for threads, tests and tuning (other micro-kernel shapes, k slices).
 */
export function createWasmKernels(shape: GemmShape = GEMM_SHAPE, kcMax = KC_MAX, threads?: GemmThreadOptions): WasmKernels {
  const instance = instantiateGemm(shape, threads);
  const { memory, run, transposeOut } = instance;
  let workers = instance.workers;
  const chunkWork = threads?.chunkWork ?? CHUNK_WORK;
  const timeoutMs = threads?.timeoutMs ?? 10_000;
  const warn = threads?.warn ?? platformWarning;
  let heap = new Float32Array(memory.buffer);
  let workerChunks = 0;
  /**
   * With threads, the single-thread kernels in memory of their own: products of one chunk run
   * there (copies between JS arrays and a non-shared memory measured 1.6-2.5x faster than `set`
   * with a shared one, Node 20; `copyFloats` closes that gap in Node only), and every product once
   * a worker timed out.
   */
  let own: WasmKernels | null = null;
  const single = (): WasmKernels => (own ??= createWasmKernels(shape, kcMax));
  /** After a worker timed out, every product runs on `own` (the late worker may still write into the shared memory). */
  let workerTimedOut = false;

  return {
    get threads() {
      return workerTimedOut ? 1 : 1 + (workers?.count ?? 0);
    },
    get workerChunks() {
      return workerChunks;
    },
    close() {
      workers?.stop();
      workers = null;
    },
    gemm(m, n, k, a, aOffset, transposeA, b, bOffset, transposeB, out, outOffset, bias, biasOffset = 0) {
      if (workerTimedOut) return single().gemm(m, n, k, a, aOffset, transposeA, b, bOffset, transposeB, out, outOffset, bias, biasOffset);
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
      const layout = layoutGemm(m, n, k, bias !== undefined && bias !== null, shape, kcMax, chunkWork, workers?.count ?? 0);
      const { kc, swap, rows, cols, byRows, unit, chunks, biasPtr, aPtr, bPtr, cPtr, cOut, packedA, packedB, privateBase, privateStride, scratchBytes, end } = layout;
      const pool = layout.threaded ? workers : null; // a product of one chunk stays on the caller
      if (pool === null && threads !== undefined) {
        return single().gemm(m, n, k, a, aOffset, transposeA, b, bOffset, transposeB, out, outOffset, bias, biasOffset);
      }
      if (end > MAX_BYTES) throw new RangeError(`gemm (wasm): [${m},${k}]·[${k},${n}] needs ${end} bytes, over the 4 GiB of wasm32`);
      const view = (heap = reserve(memory, end, heap));
      copyFloats(view, aPtr / 4, a, aOffset, m * k);
      copyFloats(view, bPtr / 4, b, bOffset, k * n);
      if (bias) copyFloats(view, biasPtr / 4, bias, biasOffset, n);
      // op(B)ᵀ is B read with the other transpose flag; likewise op(A)ᵀ. The bias of a Cᵀ is added
      // by transposeOut.
      const operands = swap
        ? ([n, m, k, kc, bPtr, transposeB ? 0 : 1, aPtr, transposeA ? 0 : 1, cPtr] as const)
        : ([m, n, k, kc, aPtr, transposeA ? 1 : 0, bPtr, transposeB ? 1 : 0, cPtr] as const);
      const biasArg = bias && !swap ? biasPtr : 0;
      if (pool === null) {
        run(...operands, packedA, packedB, privateBase, biasArg, 0, rows, 0, cols, 3);
      } else {
        // Pack the shared operand (a gemm over an empty block of the other side), then share out the chunks.
        const shared = byRows ? packedB : packedA;
        run(...operands, packedA, packedB, privateBase, biasArg, 0, byRows ? 0 : rows, 0, byRows ? cols : 0, byRows ? 2 : 1);
        const extent = byRows ? rows : cols;
        const args: JobArgs = [...operands, biasArg, shared, byRows ? 1 : 0, unit, extent, chunks, privateBase, privateStride, scratchBytes];
        try {
          workerChunks += pool.run(run, args, Math.ceil(timeoutMs + (2 * m * n * k) / 1e6), `[${m},${k}]·[${k},${n}]`);
        } catch (error) {
          // A worker may still hold a chunk of this job: never post another; one thread from now on.
          pool.stop();
          workers = null;
          if (!(error instanceof WorkerTimeoutError)) throw error;
          // A slow worker never ends the run: the caller computes the product alone, with the same bits.
          warn(`${error.message}; computing it on this thread, and every product from now on (one thread)`);
          workerTimedOut = true;
          return single().gemm(m, n, k, a, aOffset, transposeA, b, bOffset, transposeB, out, outOffset, bias, biasOffset);
        }
      }
      if (swap) transposeOut(cPtr, n, m, cOut, bias ? biasPtr : 0);
      copyFloats(out, outOffset, view, (swap ? cOut : cPtr) / 4, m * n);
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
