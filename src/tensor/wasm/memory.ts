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

/** Node's Buffer, as `copyFloats` uses it. */
interface NodeBuffer {
  from(buffer: ArrayBufferLike, byteOffset: number, length: number): { fill(value: Uint8Array): unknown };
}

/** Node's Buffer in Node, else undefined (a bundler's Buffer polyfill fills byte by byte). */
const nodeBuffer = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === undefined
  ? undefined
  : (globalThis as { Buffer?: NodeBuffer }).Buffer;

const isShared = (buffer: ArrayBufferLike): boolean => typeof SharedArrayBuffer !== "undefined" && buffer instanceof SharedArrayBuffer;

/**
 * Copies `length` floats from `source` at `sourceOffset` to `target` at `targetOffset`, as
 * `target.set(source.subarray(...), targetOffset)` does, bit for bit. Into or out of a
 * SharedArrayBuffer, `set` copies word by word (V8's relaxed atomic memcpy, for threads that race),
 * where Node's `Buffer.fill` with a buffer value is one memcpy: 1.25 MB in 23 µs against 40-42 µs,
 * either way (Node 20, measured). So only for memory no other thread uses meanwhile: the threads'
 * products copy A and B in before posting the job and C out after its last chunk.
 */
export function copyFloats(target: Float32Array, targetOffset: number, source: Float32Array, sourceOffset: number, length: number): void {
  for (const [name, array, offset] of [["target", target, targetOffset], ["source", source, sourceOffset]] as const) {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > array.length) {
      throw new RangeError(`copyFloats: ${name} needs ${length} floats from offset ${offset}, has ${array.length}`);
    }
  }
  if (length === 0) return;
  if (nodeBuffer !== undefined && target.buffer !== source.buffer && (isShared(target.buffer) || isShared(source.buffer))) {
    const into = nodeBuffer.from(target.buffer, target.byteOffset + 4 * targetOffset, 4 * length);
    into.fill(new Uint8Array(source.buffer, source.byteOffset + 4 * sourceOffset, 4 * length));
  } else {
    target.set(source.subarray(sourceOffset, sourceOffset + length), targetOffset);
  }
}
