/**
 * The linear-memory helpers every wasm kernel shares: page size, rounding to alignment, and
 * growing a memory while keeping a Float32Array view of it current (`memory.grow` detaches the
 * old buffer, or for a shared memory leaves it at its old length, so a view made before growth
 * does not reach the new pages).
 */

/**
 * The WebAssembly JS API's memory, as we use it (typed here: the project's `lib` has no DOM). A
 * shared memory's buffer is a SharedArrayBuffer.
 */
export interface WasmMemory<Buffer extends ArrayBufferLike = ArrayBuffer> {
  readonly buffer: Buffer;
  grow(deltaPages: number): number;
}

/** A WebAssembly page, in bytes. */
const PAGE = 65536;

/** The smallest multiple of `multiple` that is ≥ x. */
export const roundUp = (x: number, multiple: number): number => Math.ceil(x / multiple) * multiple;

/**
 * Makes `memory` at least `bytes` long and returns a Float32Array over all of it: `view` itself
 * while its buffer is still the memory's, else a new view.
 */
export function reserve<Buffer extends ArrayBufferLike>(memory: WasmMemory<Buffer>, bytes: number, view?: Float32Array<Buffer>): Float32Array<Buffer> {
  const have = memory.buffer.byteLength;
  if (bytes > have) memory.grow(Math.ceil((bytes - have) / PAGE));
  return view !== undefined && view.buffer === memory.buffer ? view : new Float32Array(memory.buffer);
}
