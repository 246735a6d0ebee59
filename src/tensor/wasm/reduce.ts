/**
 * The column and row sums of a float32 matrix in WebAssembly SIMD, for `sum` over leading axes (a
 * bias gradient: [128, 784] → [784]) and over trailing ones (a log-likelihood per example: [128,
 * 784] → [128]): each column summed row after row, each row left to right, in float64, as the JS
 * loops of `reduce.ts` do, so with their bits (a float32 widened to float64 is exact, and each f64x2
 * lane is one column's or one row's chain of additions in the same order). Sixteen columns, or
 * sixteen rows, per pass keep eight f64x2 chains in flight.
 *
 * Memory: the matrix is copied in at 0, the float64 sums after it (row sums: copied in too, as
 * they are added to), and read out.
 */
import { add, int, local, ModuleBuilder, mul, ValType, type FunctionBody } from "./encoder.js";
import { instantiate } from "./kernels.js";
import { reserve, roundUp, type WasmMemory } from "./memory.js";

const { i32, v128 } = ValType;

/** Bytes 8-15 (f32 lanes 2 and 3) moved to 0-7, so that promote_low widens them. */
const HIGH_HALF = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];

/**
 * `columnSums(src, rows, rowBytes, sums, wideBytes)`: sums[j] (f64) = Σ_r src[r][j] (f32), for
 * rowBytes a multiple of 16; columns up to wideBytes (a multiple of 64) sixteen at a time, the
 * rest four at a time.
 */
export function buildReduceModule(): Uint8Array {
  const mod = new ModuleBuilder().memory(1, "memory");
  mod.func("columnSums", { src: i32, rows: i32, rowBytes: i32, sums: i32, wideBytes: i32 }, [], (fn, p) => {
    const [off, r, at, x] = [fn.local(i32), fn.local(i32), fn.local(i32), fn.local(v128)];
    const accumulators = Array.from({ length: 8 }, () => fn.local(v128));
    /** Columns [off, off + 4·vectors) of every row into accumulators 0 .. 2·vectors, then stored. */
    const columns = (vectors: number): void => {
      const used = accumulators.slice(0, 2 * vectors);
      for (const a of used) fn.v128ConstF32([0, 0, 0, 0]).localSet(a);
      fn.forRange(r, int(0), local(p.rows), int(1), () => {
        fn.set(at, add(local(p.src), mul(local(r), local(p.rowBytes)), local(off)));
        for (let v = 0; v < vectors; v++) {
          const [low, high] = [used[2 * v] as number, used[2 * v + 1] as number];
          fn.localGet(at).v128Load(16 * v).localSet(x);
          fn.localGet(low).localGet(x).f64x2PromoteLowF32x4().f64x2Add().localSet(low);
          fn.localGet(high).localGet(x).localGet(x).i8x16Shuffle(HIGH_HALF).f64x2PromoteLowF32x4().f64x2Add().localSet(high);
        }
      });
      // The sums of columns off/4 .. : 8 bytes each, so at sums + 2·off.
      fn.set(at, add(local(p.sums), mul(local(off), int(2))));
      used.forEach((a, k) => void fn.localGet(at).localGet(a).v128Store(16 * k));
    };
    fn.forRange(off, int(0), local(p.wideBytes), int(64), () => columns(4));
    fn.set(off, local(p.wideBytes));
    fn.block((exit) => fn.loop((top) => {
      fn.localGet(off).localGet(p.rowBytes).i32GeS().brIf(exit);
      columns(1);
      fn.set(off, add(local(off), int(16))).br(top);
    }));
  });
  // rowSums(src, groups, rowBytes, sums): sums[r] (f64) += Σ_j src[r][j] (f32), left to right, for
  // 16·groups rows: each f64x2 lane is one row (pairs of rows interleaved by a shuffle), eight
  // pairs per pass so that their chains of additions overlap.
  mod.func("rowSums", { src: i32, groups: i32, rowBytes: i32, sums: i32 }, [], (fn, p) => {
    const [group, off, base, x, y, pair] = [fn.local(i32), fn.local(i32), fn.local(i32), fn.local(v128), fn.local(v128), fn.local(v128)];
    const accumulators = Array.from({ length: 8 }, () => fn.local(v128));
    const addLow = (a: number): void => void fn.localGet(a).localGet(pair).f64x2PromoteLowF32x4().f64x2Add().localSet(a);
    const addHigh = (a: number): void => void fn.localGet(a).localGet(pair).localGet(pair).i8x16Shuffle(HIGH_HALF).f64x2PromoteLowF32x4().f64x2Add().localSet(a);
    fn.forRange(group, int(0), local(p.groups), int(1), () => {
      // The sums of rows 16·group ..: 128 bytes of f64 per group.
      fn.set(base, add(local(p.sums), mul(local(group), int(128))));
      accumulators.forEach((a, k) => void fn.localGet(base).v128Load(16 * k).localSet(a));
      fn.set(base, add(local(p.src), mul(local(group), mul(local(p.rowBytes), int(16)))));
      fn.forRange(off, int(0), local(p.rowBytes), int(16), () => {
        accumulators.forEach((a, k) => {
          fn.push(add(local(base), mul(local(p.rowBytes), int(2 * k)), local(off))).v128Load().localSet(x);
          fn.push(add(local(base), mul(local(p.rowBytes), int(2 * k + 1)), local(off))).v128Load().localSet(y);
          // (x0, y0, x1, y1), then (x2, y2, x3, y3): columns off.. in order for both rows.
          fn.localGet(x).localGet(y).i8x16Shuffle(INTERLEAVE_LOW).localSet(pair);
          addLow(a);
          addHigh(a);
          fn.localGet(x).localGet(y).i8x16Shuffle(INTERLEAVE_HIGH).localSet(pair);
          addLow(a);
          addHigh(a);
        });
      });
      fn.set(base, add(local(p.sums), mul(local(group), int(128))));
      accumulators.forEach((a, k) => void fn.localGet(base).localGet(a).v128Store(16 * k));
    });
  });
  return mod.bytes();
}

/** (x0, y0, x1, y1) and (x2, y2, x3, y3) of two f32x4s x and y. */
const INTERLEAVE_LOW = [0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23];
const INTERLEAVE_HIGH = [8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31];

export interface WasmReduce {
  /** `sums[j] = Σ_r src[r·length + j]` in float64, rows after rows; `length` a multiple of 4. */
  columnSums(src: Float32Array, rows: number, length: number, sums: Float64Array): void;
  /**
   * `sums[r] += Σ_j src[start + r·length + j]` in float64, left to right, for r < 16·⌊rows/16⌋
   * (the rest of the rows are left to the caller); `length` a multiple of 4.
   */
  rowSums(src: Float32Array, start: number, rows: number, length: number, sums: Float64Array): number;
}

export function createWasmReduce(): WasmReduce {
  const exports = instantiate(buildReduceModule()) as unknown as { memory: WasmMemory; columnSums: (...args: number[]) => void; rowSums: (...args: number[]) => void };
  let heap = new Float32Array(exports.memory.buffer);
  return {
    columnSums(src, rows, length, sums) {
      if (length % 4 !== 0 || src.length !== rows * length || sums.length !== length) {
        throw new RangeError(`columnSums (wasm): ${src.length} floats are not ${rows} rows of ${length} (a multiple of 4) summed into ${sums.length}`);
      }
      const rowBytes = length * 4;
      const sumsAt = roundUp(src.length * 4, 16);
      heap = reserve(exports.memory, sumsAt + length * 8, heap);
      heap.set(src, 0);
      exports.columnSums(0, rows, rowBytes, sumsAt, rowBytes - (rowBytes % 64));
      sums.set(new Float64Array(heap.buffer, sumsAt, length));
    },
    rowSums(src, start, rows, length, sums) {
      const groups = Math.floor(rows / 16);
      const done = 16 * groups;
      if (!Number.isInteger(start) || start < 0 || length % 4 !== 0 || start + rows * length > src.length || sums.length < rows) {
        throw new RangeError(`rowSums (wasm): ${rows} rows of ${length} (a multiple of 4) from ${start} of ${src.length} floats into ${sums.length} sums`);
      }
      if (done === 0) return 0;
      const sumsAt = roundUp(done * length * 4, 16);
      heap = reserve(exports.memory, sumsAt + done * 8, heap);
      heap.set(src.subarray(start, start + done * length), 0);
      const f64 = new Float64Array(heap.buffer, sumsAt, done);
      f64.set(sums.subarray(0, done));
      exports.rowSums(0, groups, length * 4, sumsAt);
      sums.set(new Float64Array(heap.buffer, sumsAt, done));
      return done;
    },
  };
}
