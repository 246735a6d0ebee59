/**
 * Worker threads for the wasm gemm: the same compiled module instantiated on each worker, over one
 * shared memory, each computing a block of C. Only the synchronisation lives here; how C is split
 * is the caller's (kernels.ts), and how a worker is started is the platform's (Node's
 * worker_threads in `threads/`; a browser needs cross-origin isolation for shared memory and
 * keeps the single-thread default).
 *
 * Protocol, per worker, over an Int32Array slot of a SharedArrayBuffer:
 *
 *   [JOB]    the number of the job posted, written by the caller (-1: stop)
 *   [DONE]   the number of the last job finished, written by the worker
 *   [STATUS] 0 when that job ran, 1 when it threw
 *   [ARGS..] the job's gemm arguments
 *
 * The caller writes the arguments, then stores JOB and wakes the worker (Atomics.notify); the
 * worker runs `gemm`, stores DONE and wakes the caller. Atomics.store/load order the plain wasm
 * reads and writes around them, so the caller sees C once it sees DONE. Each side spins a little
 * before sleeping (Atomics.wait): a step's products come a few hundred microseconds apart, and a
 * sleeping thread takes tens of microseconds to wake.
 */
import type { WasmMemory } from "./memory.js";

export const JOB = 0;
export const DONE = 1;
export const STATUS = 2;
export const ARGS = 3;
/** Int32s per worker slot: 128 bytes, two cache lines, so workers never share a line. */
export const SLOT = 32;

/** What a worker is started with. */
export interface GemmWorkerData {
  /** The compiled gemm module (a WebAssembly.Module, which can be posted to a worker). */
  module: object;
  /** The shared WebAssembly.Memory that every instance imports as `env.memory`. */
  memory: WasmMemory<ArrayBufferLike>;
  /** The control slots, SLOT int32s per worker. */
  control: SharedArrayBuffer;
  /** This worker's slot. */
  slot: number;
  /** Atomics.load polls before Atomics.wait. */
  spins: number;
}

/** A started worker, as the platform gives it. */
export interface WorkerHandle {
  terminate(): void;
}

/**
 * Starts a worker that runs `source` (a script defining `serveGemm`) and calls
 * `serveGemm(data)` with the data it was started with.
 */
export type SpawnWorker = (source: string, data: GemmWorkerData) => WorkerHandle;

/**
 * The worker's whole program, as source text, so that a platform can start it without a file
 * (Node: `new Worker(source, { eval: true })`). It never returns until told to stop.
 */
export const GEMM_WORKER_SOURCE = `
function serveGemm({ module, memory, control, slot, spins }) {
  const gemm = new WebAssembly.Instance(module, { env: { memory } }).exports.gemm;
  const c = new Int32Array(control, slot * ${SLOT * 4}, ${SLOT});
  let seen = 0;
  for (;;) {
    for (let i = 0; i < spins && Atomics.load(c, ${JOB}) === seen; i++);
    Atomics.wait(c, ${JOB}, seen);
    seen = Atomics.load(c, ${JOB});
    if (seen < 0) return;
    let status = 0;
    try {
      gemm(c[${ARGS}], c[${ARGS + 1}], c[${ARGS + 2}], c[${ARGS + 3}], c[${ARGS + 4}], c[${ARGS + 5}], c[${ARGS + 6}], c[${ARGS + 7}],
        c[${ARGS + 8}], c[${ARGS + 9}], c[${ARGS + 10}], c[${ARGS + 11}], c[${ARGS + 12}], c[${ARGS + 13}], c[${ARGS + 14}], c[${ARGS + 15}], c[${ARGS + 16}]);
    } catch {
      status = 1;
    }
    c[${STATUS}] = status;
    Atomics.store(c, ${DONE}, seen);
    Atomics.notify(c, ${DONE});
  }
}
`;

/** The caller's side: posts jobs to the workers and waits for them. */
export class GemmWorkers {
  private readonly control: Int32Array<SharedArrayBuffer>;
  private readonly handles: WorkerHandle[];
  private job = 0;

  constructor(count: number, module: object, memory: WasmMemory<ArrayBufferLike>, spawn: SpawnWorker, private readonly spins: number) {
    const buffer = new SharedArrayBuffer(count * SLOT * 4);
    this.control = new Int32Array(buffer);
    this.handles = Array.from({ length: count }, (_, slot) =>
      spawn(GEMM_WORKER_SOURCE, { module, memory, control: buffer, slot, spins }),
    );
  }

  get count(): number {
    return this.handles.length;
  }

  /** Posts a gemm call (its 17 arguments) to worker `slot`; returns at once. */
  post(slot: number, args: readonly number[]): void {
    const base = slot * SLOT;
    this.control.set(args, base + ARGS);
    Atomics.store(this.control, base + JOB, this.job + 1);
    Atomics.notify(this.control, base + JOB);
  }

  /**
   * Waits until the workers `0..posted-1` have finished the job just posted, giving up after
   * `timeoutMs` (a worker that died would otherwise hang the caller), then starts the next job.
   */
  finish(posted: number, timeoutMs: number, what: string): void {
    const job = ++this.job; // also after a throw: a late answer to this job is never taken for the next
    const deadline = Date.now() + timeoutMs;
    for (let slot = 0; slot < posted; slot++) {
      const done = slot * SLOT + DONE;
      for (let i = 0; i < this.spins && Atomics.load(this.control, done) !== job; i++);
      for (let seen = Atomics.load(this.control, done); seen !== job; seen = Atomics.load(this.control, done)) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`gemm (wasm): worker ${slot} did not finish ${what} within ${timeoutMs} ms`);
        Atomics.wait(this.control, done, seen, left);
      }
      if (this.control[slot * SLOT + STATUS] !== 0) throw new Error(`gemm (wasm): worker ${slot} failed on ${what}`);
    }
  }

  /** Tells every worker to return, then terminates it. */
  stop(): void {
    for (let slot = 0; slot < this.handles.length; slot++) {
      Atomics.store(this.control, slot * SLOT + JOB, -1);
      Atomics.notify(this.control, slot * SLOT + JOB);
    }
    for (const handle of this.handles) handle.terminate();
  }
}
