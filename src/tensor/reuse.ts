/**
 * Typed arrays known to be dead, kept for reuse. A fresh large array costs more than filling one:
 * it is zeroed, its pages fault in on first touch, and its memory is returned after a GC (on the
 * project's VM, relu of [128,784] into fresh arrays measured 85-144 µs a call with 23 page faults,
 * into one reused array 23 µs; 2026-12-04). So the kernels that write every element of their
 * output take it from here (`allocateOverwritten`), and the autograd engine alone gives arrays
 * back (`recycle`): the gradients of intermediate results once backward has used them, which no
 * one else holds (see backward.ts). Bounded: a few arrays of each size, POOL_BYTES in all, and
 * none below MIN_LENGTH elements (small arrays are cheap to make). The pool never shrinks: what it
 * holds (at most POOL_BYTES) stays allocated for the life of the process.
 */
import { allocate, type DType, type TypedArray } from "./dtype.js";

const MIN_LENGTH = 4096;
const PER_LENGTH = 4;
const POOL_BYTES = 64 * 1024 * 1024;

const pools = { float32: new Map<number, Float32Array[]>(), float64: new Map<number, Float64Array[]>() };
let pooledBytes = 0;

/**
 * An array of `size` elements of `dtype` whose contents are unspecified (a dead array's values,
 * or zeros): for a caller that writes every element before anyone reads it.
 */
export function allocateOverwritten(dtype: DType, size: number): TypedArray {
  const reused = pools[dtype].get(size)?.pop();
  if (reused === undefined) return allocate(dtype, size);
  pooledBytes -= reused.byteLength;
  return reused;
}

/**
 * Give back an array that nothing references any more (the caller's promise): kept when it owns
 * its whole buffer (not a view into a larger one, not shared memory) and the pool has room.
 */
export function recycle(array: TypedArray): void {
  if (array.length < MIN_LENGTH || array.byteOffset !== 0 || array.byteLength !== array.buffer.byteLength || !(array.buffer instanceof ArrayBuffer)) return;
  if (pooledBytes + array.byteLength > POOL_BYTES) return;
  const pool = array instanceof Float64Array ? pools.float64 : pools.float32;
  let arrays = pool.get(array.length);
  if (arrays === undefined) pool.set(array.length, (arrays = []));
  if (arrays.length >= PER_LENGTH || (arrays as TypedArray[]).includes(array)) return;
  (arrays as TypedArray[]).push(array);
  pooledBytes += array.byteLength;
}
