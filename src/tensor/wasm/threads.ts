/**
 * Worker threads for the wasm gemm: the same compiled module instantiated on each worker, over one
 * shared memory. A worker runs `serveGemm`, started from a module file of its platform's: Node's
 * worker_threads run `threads/gemm-worker.ts` (`threads/` is the Node side of this pool), a
 * browser's Web Worker runs `gemm-worker.ts` beside this file (`spawnWebWorker`; shared memory
 * needs a cross-origin-isolated page, so browsers keep the single-thread default).
 *
 * A product is cut into chunks along the longer side of C: column blocks, each packing its own
 * columns of op(B) against one op(A) packed beforehand, or row blocks the other way round. The
 * caller posts the job, then it and the workers claim chunks one at a time until none is left, so
 * a worker that wakes late simply does fewer chunks (one descheduled while it holds a chunk still
 * delays the caller until it runs again). Every entry of C is one chunk's, computed exactly as on
 * one thread, so the bits are the same on any number of threads.
 *
 * The control block, a SharedArrayBuffer:
 *
 *   int32 [JOB]       the number of the job posted (-1: stop); workers sleep on it (Atomics.wait)
 *   int32 [FINISHED]  chunks of the job finished, on any thread
 *   int32 [STATUS]    0, or 1 once a chunk's gemm threw
 *   int32 [READY]     1 once a worker has started (tests wait on it); int32s 4-5 hold CLAIM, 6-7 unused
 *   int64 [CLAIM]     (job << 32) + the next chunk to take: a thread takes chunk i of job j by
 *                     compareExchange((j, i) → (j, i + 1)); jobs count 1 … 2^31 - 1, then wrap
 *   int32 [ARGS ...]  the job (JobArgs, see `runChunks`)
 *
 * Tagging a claim with its job is what makes a late worker safe: it reads the job's arguments,
 * then claims; the claim succeeds only while that job still has chunks, and the caller writes the
 * next job's arguments only after every chunk has finished and after CLAIM carries the next job's
 * tag, so arguments read before a successful claim are the claimed job's. (Written the other way
 * round, a worker of the last job that read the next one's chunk count could claim a chunk past
 * its own job's end while CLAIM still held the last job's tag: computed from arguments half of the
 * next job, and counted into the next job's FINISHED.)
 */
import type { WasmMemory } from "./memory.js";

export const JOB = 0;
export const FINISHED = 1;
export const STATUS = 2;
export const READY = 3;
/** Index of CLAIM in a BigInt64Array over the control block (bytes 16-23). */
export const CLAIM = 2;
export const ARGS = 8;
/** Int32s of the control block. */
export const CONTROL_INTS = ARGS + 18;
/** The largest job number: JOB is an int32, and -1 means stop. */
const LAST_JOB = 0x7fffffff;

/** What a worker is started with. */
export interface GemmWorkerData {
  /** The compiled gemm module (a WebAssembly.Module, which can be posted to a worker). */
  module: object;
  /** The shared WebAssembly.Memory that every instance imports as `env.memory`. */
  memory: WasmMemory<ArrayBufferLike>;
  /** The control block. */
  control: SharedArrayBuffer;
  /** This worker's index among the threads (the caller is 0): which private buffers it packs into. */
  participant: number;
  /** Atomics.load polls before Atomics.wait. */
  spins: number;
}

/** A started worker, as the platform gives it. */
export interface WorkerHandle {
  terminate(): void;
}

/** Starts a worker that calls `serveGemm(data)` (see the top of this file for the platforms' entries). */
export type SpawnWorker = (data: GemmWorkerData) => WorkerHandle;

type GemmFunction = (...args: number[]) => void;

/** The ARGS of the control block. */
export type JobArgs = [
  m: number, n: number, k: number, kc: number, a: number, transposeA: number, b: number, transposeB: number, c: number, bias: number,
  shared: number, byRows: number, unit: number, extent: number, chunks: number, privateBase: number, privateStride: number, scratchBytes: number,
];

/**
 * The job's ARGS, read with atomic loads as the caller writes them with atomic stores: a worker
 * reads them before it claims, racing with the caller's next job, and only sequentially
 * consistent accesses order those reads after the caller's store of the next job's tag on every
 * CPU (plain ones may be reordered on ARM64; x86 keeps them in order anyway).
 */
function readArgs(control: Int32Array): JobArgs {
  return Array.from({ length: CONTROL_INTS - ARGS }, (_, i) => Atomics.load(control, ARGS + i)) as JobArgs;
}

/**
 * Claims and computes chunks of job `job` until none is left; returns how many it did. Run by the
 * caller and by every worker. A chunk whose gemm throws sets STATUS and counts as finished;
 * `onError` gets the error.
 *
 * ARGS (JobArgs): m, n, k, kc, a, transposeA, b, transposeB, c, bias (the gemm's, of C or of Cᵀ),
 * shared (the operand packed beforehand), byRows (1: chunks are row blocks), unit (rows or
 * columns per chunk), extent (rows or columns of C), chunks, privateBase, privateStride,
 * scratchBytes: participant p's scratch tile is at privateBase + p·privateStride, its packed
 * part of the other operand right after the tile.
 */
export function runChunks(
  gemm: GemmFunction, control: Int32Array, claims: BigInt64Array, participant: number, job: number,
  onError?: (error: unknown) => void,
): number {
  const [m, n, k, kc, a, transposeA, b, transposeB, c, bias, shared, byRows, unit, extent, chunks, privateBase, privateStride, scratchBytes] =
    readArgs(control);
  const scratch = privateBase + participant * privateStride;
  const own = scratch + scratchBytes;
  const tag = BigInt(job) << 32n;
  let done = 0;
  for (;;) {
    const claim = Atomics.load(claims, CLAIM);
    const chunk = Number(claim - tag);
    if (chunk < 0 || chunk >= chunks) return done; // another job's claim, or none left
    if (Atomics.compareExchange(claims, CLAIM, claim, claim + 1n) !== claim) continue;
    const begin = chunk * unit;
    const end = Math.min(extent, begin + unit);
    try {
      if (byRows) gemm(m, n, k, kc, a, transposeA, b, transposeB, c, own, shared, scratch, bias, begin, end, 0, n, 1);
      else gemm(m, n, k, kc, a, transposeA, b, transposeB, c, shared, own, scratch, bias, 0, m, begin, end, 2);
    } catch (error) {
      Atomics.store(control, STATUS, 1);
      onError?.(error);
    }
    done++;
    Atomics.add(control, FINISHED, 1);
    Atomics.notify(control, FINISHED);
  }
}

/**
 * The worker's whole program: it sleeps until a job is posted, takes its share of the chunks, and
 * returns only when told to stop.
 */
export function serveGemm({ module, memory, control: buffer, participant, spins }: GemmWorkerData): void {
  const { Instance } = (globalThis as unknown as { WebAssembly: { Instance: new (module: object, imports: object) => { exports: { gemm: GemmFunction } } } }).WebAssembly;
  const gemm = new Instance(module, { env: { memory } }).exports.gemm;
  const control = new Int32Array(buffer);
  const claims = new BigInt64Array(buffer);
  Atomics.store(control, READY, 1);
  let seen = 0;
  for (;;) {
    for (let i = 0; i < spins && Atomics.load(control, JOB) === seen; i++);
    Atomics.wait(control, JOB, seen);
    seen = Atomics.load(control, JOB);
    if (seen < 0) return;
    runChunks(gemm, control, claims, participant, seen);
  }
}

/**
 * What `GemmWorkers.run` throws when a claimed chunk is not finished in time: a worker that died
 * or is descheduled while it holds one. The worker may still write that chunk into the shared
 * memory later, so the caller must not use that memory again (kernels.ts: one thread from then on,
 * in memory of its own).
 */
export class WorkerTimeoutError extends Error {
  override readonly name = "WorkerTimeoutError";
}

/** The caller's side: posts jobs, takes chunks itself, waits for the workers' last chunks. */
export class GemmWorkers {
  private readonly control: Int32Array<SharedArrayBuffer>;
  private readonly claims: BigInt64Array<SharedArrayBuffer>;
  private readonly handles: WorkerHandle[];
  private job = 0;

  constructor(count: number, module: object, memory: WasmMemory<ArrayBufferLike>, spawn: SpawnWorker, private readonly spins: number) {
    const buffer = new SharedArrayBuffer(CONTROL_INTS * 4);
    this.control = new Int32Array(buffer);
    this.claims = new BigInt64Array(buffer, 0, CONTROL_INTS / 2);
    this.handles = Array.from({ length: count }, (_, i) =>
      spawn({ module, memory, control: buffer, participant: i + 1, spins }),
    );
  }

  get count(): number {
    return this.handles.length;
  }

  /**
   * Runs the job `args` on the caller and the workers: returns, once every chunk is finished, how many the
   * workers did; or throws when a chunk's gemm threw, or a WorkerTimeoutError when a claimed chunk is
   * not finished within `timeoutMs` (a worker that died holding one would otherwise hang the caller). After a throw
   * a worker may still hold a chunk of this job: stop these workers, do not post another job.
   */
  run(gemm: GemmFunction, args: JobArgs, timeoutMs: number, what: string): number {
    const number = (this.job = this.job === LAST_JOB ? 1 : this.job + 1);
    const chunks = args[14]; // JobArgs' chunks
    const { control } = this;
    // The new tag first: from here a late worker of the last job claims nothing (see the top of this file).
    Atomics.store(this.claims, CLAIM, BigInt(number) << 32n);
    args.forEach((value, i) => Atomics.store(control, ARGS + i, value));
    control[FINISHED] = 0;
    control[STATUS] = 0;
    Atomics.store(control, JOB, number);
    Atomics.notify(control, JOB);
    let failure: unknown;
    const mine = runChunks(gemm, control, this.claims, 0, number, (error) => (failure ??= error));
    const deadline = performance.now() + timeoutMs;
    for (let i = 0; i < this.spins && Atomics.load(control, FINISHED) !== chunks; i++);
    for (let finished = Atomics.load(control, FINISHED); finished !== chunks; finished = Atomics.load(control, FINISHED)) {
      const left = deadline - performance.now();
      if (left <= 0) throw new WorkerTimeoutError(`gemm (wasm): a worker did not finish its part of ${what} within ${timeoutMs} ms`);
      Atomics.wait(control, FINISHED, finished, left);
    }
    if (control[STATUS] !== 0) throw new Error(`gemm (wasm): a chunk of ${what} failed${failure === undefined ? " on a worker" : ""}`, { cause: failure });
    return chunks - mine;
  }

  /** Tells every worker to return, then terminates it. */
  stop(): void {
    Atomics.store(this.control, JOB, -1);
    Atomics.notify(this.control, JOB);
    for (const handle of this.handles) handle.terminate();
  }
}
