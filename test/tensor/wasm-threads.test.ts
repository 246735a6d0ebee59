/**
 * The multi-threaded wasm gemm: workers over one shared memory, each computing a block of C.
 * Every entry of C is still one thread's sum in the micro-kernel's order, so the results must be
 * bit-identical to the single-thread kernels, whatever the split. Also: a worker that dies or
 * fails gives an error naming the product instead of a hang, and setNumThreads switches cleanly.
 */
import fc from "fast-check";
import { afterAll, describe, expect, it, vi } from "vitest";
import { Generator } from "../../src/tensor/random.js";
import { GEMM_SHAPE, KC_MAX } from "../../src/tensor/wasm/gemm.js";
import { ModuleBuilder, ValType } from "../../src/tensor/wasm/encoder.js";
import { compileModule, createWasmKernels, instantiateModule, type WasmKernels } from "../../src/tensor/wasm/kernels.js";
import {
  ARGS, CLAIM, CONTROL_INTS, FINISHED, GemmWorkers, JOB, READY, runChunks, STATUS, type GemmWorkerData, type JobArgs, type SpawnWorker,
} from "../../src/tensor/wasm/threads.js";
import { spawnWebWorker } from "../../src/tensor/wasm/web-worker.js";
import { gemm as gemmDispatch } from "../../src/tensor/matmul.js";
import { getNumThreads, getWorkerChunks, setNumThreads, spawnNodeWorker } from "../../src/threads/node.js";
import { kernelPath, setGemmThreads, setKernelPath } from "../../src/tensor/backend.js";
import { Worker } from "node:worker_threads";

interface Product {
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
  offset: number;
  withBias: boolean;
  seed: number;
}

/** C from `kernels`, for operands drawn from N(0, 1) (so that summation order shows in the bits). */
function product(kernels: WasmKernels, p: Product): Float32Array {
  const rng = new Generator(p.seed);
  const fill = (size: number): Float32Array => rng.fillNormal(new Float32Array(size)) as Float32Array;
  const a = fill(p.offset + p.m * p.k), b = fill(p.offset + p.k * p.n), bias = fill(p.offset + p.n);
  const out = new Float32Array(p.offset + p.m * p.n + 3).fill(-7);
  kernels.gemm(p.m, p.n, p.k, a, p.offset, p.transposeA, b, p.offset, p.transposeB, out, p.offset, p.withBias ? bias : undefined, p.offset);
  return out;
}

/** The same bits (NaN aside, none arise here), or the first entry that differs. */
function expectSameBits(got: Float32Array, want: Float32Array, what = ""): void {
  expect(got.length, what).toBe(want.length);
  const differs = got.findIndex((v, i) => !Object.is(v, want[i]));
  expect(differs === -1 ? "all equal" : `entry ${differs}: ${got[differs]} vs ${want[differs]}`, what).toBe("all equal");
}

/** Runs `work` until `chunks()` grows (a worker still booting leaves every chunk to the caller), for at most 10 s. */
function untilWorkersTakeChunks(chunks: () => number, work: () => void): void {
  const [before, start] = [chunks(), performance.now()];
  while (chunks() === before && performance.now() - start < 10_000) work();
}

const single = createWasmKernels();
const threaded: [string, WasmKernels][] = [
  // Chunks of one panel, of a few panels, of ~300 multiply-adds: small products split too.
  ["2 threads", createWasmKernels(GEMM_SHAPE, KC_MAX, { workers: 1, spawn: spawnNodeWorker, chunkWork: 1 })],
  ["4 threads", createWasmKernels(GEMM_SHAPE, KC_MAX, { workers: 3, spawn: spawnNodeWorker, chunkWork: 5000 })],
  ["3 threads, k slices of 8", createWasmKernels(GEMM_SHAPE, 8, { workers: 2, spawn: spawnNodeWorker, chunkWork: 300 })],
  // The default chunks: every product of the property test is one chunk, which runs on the
  // single-thread kernels in memory of their own.
  ["2 threads, chunks of the default size", createWasmKernels(GEMM_SHAPE, KC_MAX, { workers: 1, spawn: spawnNodeWorker })],
];
const singleSliced = createWasmKernels(GEMM_SHAPE, 8);
afterAll(() => threaded.forEach(([, kernels]) => kernels.close()));

const dim = fc.oneof(fc.integer({ min: 1, max: 90 }), fc.constantFrom(1, 2, 3, 15, 16, 17, 31, 32, 33, 63, 64, 65));
const productArb: fc.Arbitrary<Product> = fc.record({
  m: dim, n: dim, k: dim, transposeA: fc.boolean(), transposeB: fc.boolean(),
  offset: fc.nat(5), withBias: fc.boolean(), seed: fc.nat(),
});

describe.each(threaded)("wasm gemm on %s", (name, kernels) => {
  const reference = name.includes("slices of 8") ? singleSliced : single;

  it("reports its threads, and its workers take chunks", () => {
    expect(kernels.threads).toBe(Number(name[0]));
    const p = { m: 128, n: 2048, k: 512, transposeA: false, transposeB: false, offset: 0, withBias: false, seed: 5 };
    untilWorkersTakeChunks(() => kernels.workerChunks, () => product(kernels, p));
    expect(kernels.workerChunks).toBeGreaterThan(0);
  });

  it("gives the bits of one thread on any shape, layout, offset and bias", () => {
    fc.assert(fc.property(productArb, (p) => {
      expectSameBits(product(kernels, p), product(reference, p));
    }), { numRuns: 150 });
  });

  it("gives the bits of one thread on the VAE's products", () => {
    const shapes: [number, number, number, boolean, boolean][] = [
      [2, 3, 4, false, false], // smaller than one panel per thread: runs on fewer threads
      [128, 400, 784, false, true], [128, 784, 400, false, true], // x·Wᵀ, split by columns
      [784, 400, 128, true, false], [400, 784, 128, true, false], // Aᵀ·B, split by rows
      [128, 20, 400, false, true], [128, 400, 20, false, false], // n = 20: computed as Cᵀ
      [3, 5, 7, true, true],
    ];
    for (const [m, n, k, transposeA, transposeB] of shapes) {
      for (const withBias of [false, true]) {
        const p = { m, n, k, transposeA, transposeB, offset: 1, withBias, seed: m + n + k };
        expectSameBits(product(kernels, p), product(reference, p), `[${m},${k}]·[${k},${n}]`);
      }
    }
  });
});

describe("threads and the rest of the engine", () => {
  it("setNumThreads switches the products to threads and back, with the same bits", () => {
    const m = 128, n = 400, k = 784; // 40 chunks of the default size
    const rng = new Generator(3);
    const a = rng.fillNormal(new Float32Array(m * k)) as Float32Array, b = rng.fillNormal(new Float32Array(k * n)) as Float32Array;
    const run = (): Float32Array => {
      const out = new Float32Array(m * n);
      gemmDispatch(m, n, k, a, 0, false, b, 0, false, out, 0);
      return out;
    };
    expect(getNumThreads()).toBe(1);
    const path = kernelPath(); // the js-kernels project runs this file on the JS path, which has one thread
    setKernelPath("wasm");
    const one = run();
    try {
      setNumThreads(2);
      expect(getNumThreads()).toBe(2);
      untilWorkersTakeChunks(getWorkerChunks, () => expectSameBits(run(), one));
      expect(getWorkerChunks()).toBeGreaterThan(0);
      setNumThreads(3); // replaces the 2-thread workers
      expect(getNumThreads()).toBe(3);
      untilWorkersTakeChunks(getWorkerChunks, () => expectSameBits(run(), one));
      expect(getWorkerChunks()).toBeGreaterThan(0);
      expectSameBits(run(), one);
    } finally {
      setNumThreads(1);
      setKernelPath(path);
    }
    expect(getNumThreads()).toBe(1);
  });

  it("rejects a bad thread count, and threads with no way to start a worker", () => {
    expect(() => setNumThreads(0)).toThrow(/count must be a positive integer, got 0/);
    expect(() => setNumThreads(1.5)).toThrow(/got 1.5/);
    expect(() => setGemmThreads(2)).toThrow(/needs a way to spawn workers/);
    expect(() => createWasmKernels(GEMM_SHAPE, KC_MAX, { workers: 0, spawn: spawnNodeWorker })).toThrow(/workers must be a positive integer/);
    expect(getNumThreads()).toBe(1);
  });

  it("grows its shared memory while the workers run: a product ten times larger, the same bits", () => {
    const kernels = createWasmKernels(GEMM_SHAPE, KC_MAX, { workers: 1, spawn: spawnNodeWorker, chunkWork: 4096 });
    const small = { m: 64, n: 64, k: 64, transposeA: false, transposeB: false, offset: 0, withBias: true, seed: 4 };
    untilWorkersTakeChunks(() => kernels.workerChunks, () => product(kernels, small));
    const before = kernels.workerChunks;
    const large = { m: 256, n: 640, k: 300, transposeA: true, transposeB: false, offset: 2, withBias: true, seed: 6 };
    untilWorkersTakeChunks(() => kernels.workerChunks, () => expectSameBits(product(kernels, large), product(single, large)));
    expect(kernels.workerChunks).toBeGreaterThan(before);
    kernels.close();
  });

  it("a Web Worker starts from the module file gemm-worker.js beside web-worker.js, which serves its first message", async () => {
    expect(() => spawnWebWorker({} as GemmWorkerData)).toThrow(/spawnWebWorker: this runtime has no Web Workers/);
    const started: { url: string; type: string; posted: unknown[] }[] = [];
    class StandInWorker {
      readonly posted: unknown[] = [];
      constructor(url: URL, options: { type: string }) {
        started.push({ url: url.href, type: options.type, posted: this.posted });
      }
      postMessage(data: unknown): void {
        this.posted.push(data);
      }
      terminate(): void {}
    }
    const data = { module: {}, memory: { buffer: new ArrayBuffer(0), grow: () => 0 }, control: new SharedArrayBuffer(CONTROL_INTS * 4), participant: 1, spins: 0 };
    const scope = globalThis as unknown as { Worker?: unknown; addEventListener?: unknown };
    scope.Worker = StandInWorker;
    try {
      spawnWebWorker(data);
    } finally {
      delete scope.Worker;
    }
    expect(started).toEqual([{ url: new URL("../../src/tensor/wasm/gemm-worker.js", import.meta.url).href, type: "module", posted: [data] }]);
    // The module itself: on its first message it serves the pool (here one already told to stop).
    const control = new Int32Array(data.control);
    control[JOB] = -1;
    const listeners: ((event: { data: unknown }) => void)[] = [];
    scope.addEventListener = (_type: string, listener: (event: { data: unknown }) => void) => void listeners.push(listener);
    const stub = new ModuleBuilder();
    stub.func("gemm", {}, [], () => undefined);
    const gemmModule = compileModule(stub.bytes());
    try {
      await import("../../src/tensor/wasm/gemm-worker.js");
    } finally {
      delete scope.addEventListener;
    }
    expect(listeners).toHaveLength(1);
    listeners[0]?.({ data: { ...data, module: gemmModule } });
    expect(control[READY]).toBe(1);
  });

  it("runChunks: a chunk whose gemm throws sets STATUS and still counts; another job's claim gets nothing", () => {
    const buffer = new SharedArrayBuffer(CONTROL_INTS * 4);
    const control = new Int32Array(buffer), claims = new BigInt64Array(buffer);
    const args: JobArgs = [4, 64, 8, 8, 0, 0, 0, 0, 0, 0, 0, 0, 16, 64, 4, 0, 0, 0];
    control.set(args, ARGS);
    claims[CLAIM] = 7n << 32n; // job 7, chunk 0 next
    const calls: number[] = [];
    const errors: unknown[] = [];
    const throwing = (...gemmArgs: number[]): void => {
      calls.push(gemmArgs[15] as number); // colBegin
      if (calls.length === 2) throw new Error("trap");
    };
    expect(runChunks(throwing, control, claims, 0, 6)).toBe(0); // job 6 is over: nothing to claim
    expect(runChunks(throwing, control, claims, 0, 7, (error) => errors.push(error))).toBe(4);
    expect(calls).toEqual([0, 16, 32, 48]);
    expect([control[STATUS], control[FINISHED]]).toEqual([1, 4]);
    expect(errors).toHaveLength(1);
    expect(runChunks(throwing, control, claims, 0, 7)).toBe(0); // all taken
  });

  it("numbers jobs up to 2^31 - 1, then wraps to 1 and goes on", () => {
    // No worker ever starts, so the caller takes every chunk; the counter is private: set it as
    // if 2^31 - 3 jobs had run.
    const never: SpawnWorker = () => ({ terminate: () => undefined });
    const workers = new GemmWorkers(1, {}, { buffer: new ArrayBuffer(0), grow: () => 0 }, never, 10);
    (workers as unknown as { job: number }).job = 0x7fffffff - 3;
    const args: JobArgs = [2, 48, 4, 4, 0, 0, 0, 0, 0, 0, 0, 0, 16, 48, 3, 0, 0, 0];
    let chunks = 0;
    for (let i = 0; i < 5; i++) expect(workers.run(() => void chunks++, args, 1000, "a test job")).toBe(0);
    expect(chunks).toBe(15);
    expect((workers as unknown as { job: number }).job).toBe(2);
    workers.stop();
  });

  it("a late worker of the last job claims nothing while the next job's arguments are written", () => {
    // The stand-in for a worker that wakes late for job 1: it runs runChunks for job 1 at the
    // moment the caller has written job 2's chunk count (a spy on Atomics.store), and must claim
    // nothing: job 1 is over, and job 2's chunks are job 2's.
    const never: SpawnWorker = () => ({ terminate: () => undefined });
    const workers = new GemmWorkers(1, {}, { buffer: new ArrayBuffer(0), grow: () => 0 }, never, 10);
    const { control, claims } = workers as unknown as { control: Int32Array; claims: BigInt64Array };
    const calls: string[] = [];
    const lateClaims: number[] = [];
    const store = Atomics.store;
    const chunksSlot = ARGS + 14; // JobArgs' chunks
    const spy = vi.spyOn(Atomics, "store").mockImplementation(((array: Int32Array, index: number, value: number) => {
      const stored = store(array, index, value);
      if (array === control && index === chunksSlot && calls.length > 0) lateClaims.push(runChunks(() => void calls.push("late"), control, claims, 1, 1));
      return stored;
    }) as typeof Atomics.store);
    try {
      const job = (chunks: number): JobArgs => [2, 16 * chunks, 4, 4, 0, 0, 0, 0, 0, 0, 0, 0, 16, 16 * chunks, chunks, 0, 0, 0];
      expect(workers.run(() => void calls.push("job 1"), job(2), 1000, "job 1")).toBe(0);
      expect(workers.run(() => void calls.push("job 2"), job(5), 1000, "job 2")).toBe(0);
    } finally {
      spy.mockRestore();
      workers.stop();
    }
    expect(lateClaims).toEqual([0]);
    expect(calls).toEqual(["job 1", "job 1", "job 2", "job 2", "job 2", "job 2", "job 2"]);
  });

  it("after close, runs on the caller alone with the same bits", () => {
    const kernels = createWasmKernels(GEMM_SHAPE, KC_MAX, { workers: 1, spawn: spawnNodeWorker, chunkWork: 1 });
    const p = { m: 40, n: 50, k: 60, transposeA: false, transposeB: false, offset: 0, withBias: true, seed: 9 };
    const before = product(kernels, p);
    kernels.close();
    expect(kernels.threads).toBe(1);
    expectSameBits(product(kernels, p), before);
  });
});

describe("a worker that cannot answer", () => {
  const small = { m: 8, n: 64, k: 8, transposeA: false, transposeB: false, offset: 0, withBias: false, seed: 1 };
  // 512 chunks of 16 columns, each ~1M multiply-adds: the caller alone takes tens of milliseconds,
  // so a stand-in worker spinning on JOB claims some of them first.
  const large = { m: 128, n: 8192, k: 512, transposeA: false, transposeB: false, offset: 0, withBias: false, seed: 2 };

  /**
   * A stand-in worker: says READY, spins until a job is posted, claims every chunk left, then
   * runs `then`. `started` waits (up to 10 s) until it has said READY.
   */
  const standIn = (then: string): { spawn: SpawnWorker; started: () => void } => {
    let control: Int32Array | null = null;
    const spawn: SpawnWorker = (data) => {
      control = new Int32Array(data.control);
      const source = `
        const { control: buffer } = require("node:worker_threads").workerData;
        const control = new Int32Array(buffer), claims = new BigInt64Array(buffer);
        Atomics.store(control, ${READY}, 1);
        while (Atomics.load(control, ${JOB}) === 0);
        const job = BigInt(Atomics.load(control, ${JOB})) << 32n;
        const chunks = BigInt(control[${ARGS + 14}]); // JobArgs' chunks
        const claimed = Number(job + chunks - Atomics.exchange(claims, ${CLAIM}, job + chunks));
        ${then}`;
      const worker = new Worker(source, { eval: true, workerData: data });
      worker.unref();
      return worker;
    };
    const started = (): void => {
      const start = performance.now();
      while (control !== null && Atomics.load(control, READY) !== 1 && performance.now() - start < 10_000) Atomics.wait(control, READY, 0, 1);
    };
    return { spawn, started };
  };

  it("that never started: the caller does every chunk, with the same bits", () => {
    const never: SpawnWorker = () => ({ terminate: () => undefined });
    const kernels = createWasmKernels(GEMM_SHAPE, KC_MAX, { workers: 1, spawn: never, chunkWork: 1 });
    expectSameBits(product(kernels, small), product(single, small));
    expect(kernels.workerChunks).toBe(0);
    kernels.close();
  });

  it("that claimed chunks and died or starves: the caller computes the product alone, warns, and goes on with one thread", () => {
    const dies = standIn("");
    const warnings: string[] = [];
    const kernels = createWasmKernels(GEMM_SHAPE, KC_MAX, { workers: 1, spawn: dies.spawn, timeoutMs: 200, warn: (message) => void warnings.push(message) });
    dies.started();
    const start = performance.now();
    expectSameBits(product(kernels, large), product(single, large));
    expect(performance.now() - start).toBeLessThan(10_000);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/a worker did not finish its part of \[128,512\]·\[512,8192\] within \d+ ms; computing it on this thread, and every product from now on \(one thread\)/);
    // The worker may still hold chunks of that job: no job is posted again.
    expect(kernels.threads).toBe(1);
    expectSameBits(product(kernels, small), product(single, small));
    expectSameBits(product(kernels, large), product(single, large));
    expect(warnings).toHaveLength(1);
    kernels.close();
  });

  it("whose gemm threw: the caller throws, naming the product", () => {
    // As runChunks does when a chunk's gemm throws: STATUS 1, and the chunks counted as finished.
    const failing = standIn(`control[${STATUS}] = 1; Atomics.add(control, ${FINISHED}, claimed); Atomics.notify(control, ${FINISHED});`);
    const kernels = createWasmKernels(GEMM_SHAPE, KC_MAX, { workers: 1, spawn: failing.spawn });
    failing.started();
    expect(() => product(kernels, large)).toThrow(/a chunk of \[128,512\]·\[512,8192\] failed on a worker/);
    expect(kernels.threads).toBe(1);
    kernels.close();
  });
});

/** WebAssembly.Memory (typed here: the project's `lib` has no DOM). */
const WasmMemory = (globalThis as unknown as {
  WebAssembly: { Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => { buffer: ArrayBufferLike } };
}).WebAssembly.Memory;

describe("the encoder's imported memory", () => {
  /** A module whose `store(address, value)` writes an i32 into the imported memory. */
  const storer = (limits: Parameters<ModuleBuilder["importMemory"]>[2]): Uint8Array => {
    const mod = new ModuleBuilder().importMemory("env", "memory", limits);
    mod.func("store", { address: ValType.i32, value: ValType.i32 }, [], (fn, p) => void fn.localGet(p.address).localGet(p.value).i32Store());
    return mod.bytes();
  };

  it("lets two instances write into one shared memory", () => {
    const memory = new WasmMemory({ initial: 1, maximum: 4, shared: true });
    const module = compileModule(storer({ minPages: 1, maxPages: 4, shared: true }));
    const first = instantiateModule(module, { env: { memory } }).store as (address: number, value: number) => void;
    const second = instantiateModule(module, { env: { memory } }).store as (address: number, value: number) => void;
    first(0, 11);
    second(4, 22);
    expect(Array.from(new Int32Array(memory.buffer, 0, 2))).toEqual([11, 22]);
    // A module declaring a shared memory refuses an unshared one.
    expect(() => instantiateModule(module, { env: { memory: new WasmMemory({ initial: 1, maximum: 4 }) } })).toThrow();
  });

  it("refuses a shared memory with no maximum, and a second memory", () => {
    expect(() => storer({ minPages: 1, shared: true })).toThrow(/shared memory needs maxPages/);
    expect(() => new ModuleBuilder().memory(1).importMemory("env", "memory", { minPages: 1 })).toThrow(/already has its own memory/);
    expect(() => new ModuleBuilder().importMemory("env", "memory", { minPages: 1 }).memory(1)).toThrow(/already imported/);
  });
});
