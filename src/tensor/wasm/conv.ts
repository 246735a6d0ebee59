/**
 * WebAssembly counterparts of the convolution's lowering in `conv-lowering.ts`: im2col (the columns
 * C[(c, i, j), (n, oh, ow)] = x[n, c, oh·sH - pH + i, ow·sW - pW + j], zero outside x) and its
 * adjoint col2im (each entry of C added to the pixel it was read from), float32. Both visit the
 * entries in the JS loops' order and col2im adds in float32 (a float64 sum of two float32s,
 * rounded to float32, is the float32 sum), so results are the JS kernels' bits (but for the sign
 * and payload of a NaN that an addition makes).
 *
 * The loops run over a table of the kernel's taps that JS computes (`insideRange`): for each tap
 * row i the output rows [first, end) that read inside x and the byte offset of the first row
 * read, likewise for each tap column j; everything else is zeros (im2col) or skipped (col2im),
 * so no bounds test reaches the inner loops. Columns are written (read) strictly in order.
 *
 * Memory: one growable memory; a call copies in the table, x and (col2im) C, runs, and copies
 * out what it wrote. col2imFresh (x starts as a bias per channel, or zeros) fills x there instead
 * of copying it in.
 *
 * Also the batch and channel swap around the products, [A, B, L] -> [B, A, L] (`swapLeadingJs`):
 * one memory.copy per run of L, where JS pays a subarray and a `set` call per run (runs of 49 to
 * 784 floats in the conv VAE).
 */
import { add, int, local, ModuleBuilder, mul, sub, ValType, type FunctionBody, type I32 } from "./encoder.js";
import { instantiate } from "./kernels.js";
import { reserve, roundUp, type WasmMemory } from "./memory.js";
import { fillPerChannel, insideRange, type ConvGeometry } from "../conv-shape.js";

const { i32, v128 } = ValType;

/** Bytes of one table entry: first, end, byte offset of the first read. */
const ENTRY = 12;

const params = {
  x: i32, cols: i32, table: i32, batch: i32, channels: i32, kH: i32, kW: i32, outH: i32, outW: i32,
  planeBytes: i32, rowStep: i32, colStep: i32,
};
type Locals = Record<"c" | "i" | "j" | "n" | "oh" | "ow" | "at" | "src" | "row" | "firstH" | "endH" | "rowOff" | "firstW" | "endW" | "colOff" | "k", number>;

/** `while (cond) body()`. */
function emitWhile(fn: FunctionBody, cond: I32, body: () => void): void {
  fn.block((exit) => fn.loop((top) => {
    fn.push(cond).i32Eqz().brIf(exit);
    body();
    fn.br(top);
  }));
}

/** The byte lanes of the f32 lanes 0, 2 of a and 0, 2 of b (shuffle(a, b): b's bytes are 16-31). */
const EVENS = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27];
/** shuffle(s, x) = [s0, x1, s1, x3] and [s2, x1, s3, x3]: the sums back into the even lanes of x. */
const INTERLEAVE_LOW = [0, 1, 2, 3, 20, 21, 22, 23, 4, 5, 6, 7, 28, 29, 30, 31];
const INTERLEAVE_HIGH = [8, 9, 10, 11, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31];

/**
 * The run's inside pixels [firstW, endW), four at a time where the stride is 1 or 2 (`colStep` 4
 * or 8 bytes): `quad(stride)` handles four, then `one()` the rest. NOTE: a stride-2 quad reads
 * the 8 pixels from the first, one past the last it needs (col2im stores that one back as read);
 * x lies below the columns in memory, so those accesses stay inside the module's memory.
 */
function emitRun(fn: FunctionBody, p: Record<keyof typeof params, number>, l: Locals, quad: (stride: 1 | 2) => void, one: () => void): void {
  fn.set(l.ow, local(l.firstW));
  const four = (stride: 1 | 2) => () => emitWhile(fn, (f) => void f.push(add(local(l.ow), int(4))).localGet(l.endW).i32LeS(), () => {
    quad(stride);
    fn.set(l.at, add(local(l.at), int(16)));
    fn.set(l.src, add(local(l.src), int(16 * stride)));
    fn.set(l.ow, add(local(l.ow), int(4)));
  });
  fn.localGet(p.colStep).i32Const(4).i32Eq().if(four(1), () => void fn.localGet(p.colStep).i32Const(8).i32Eq().if(four(2)));
  emitWhile(fn, (f) => void f.localGet(l.ow).localGet(l.endW).i32LtS(), () => {
    one();
    fn.set(l.at, add(local(l.at), int(4)));
    fn.set(l.src, add(local(l.src), local(p.colStep)));
    fn.set(l.ow, add(local(l.ow), int(1)));
  });
}

/**
 * The loops both kernels share: over c, i, j (loading the taps' ranges), n, then the inside rows
 * oh of [firstH, endH), where `src` is the first pixel read; `at` walks the columns and is moved
 * past the rows and pixels outside x by `outside(count)`, and `inside()` handles one row's run.
 */
function emitLowering(mod: ModuleBuilder, name: string, body: (fn: FunctionBody, p: Record<keyof typeof params, number>, l: Locals) => {
  outside: (count: I32) => void; inside: () => void;
}): void {
  mod.func(name, params, [], (fn, p) => {
    const l = Object.fromEntries(["c", "i", "j", "n", "oh", "ow", "at", "src", "row", "firstH", "endH", "rowOff", "firstW", "endW", "colOff", "k"].map((key) => [key, fn.local(i32)])) as Locals;
    const { outside, inside } = body(fn, p, l);
    const entry = (index: I32, field: number, into: number): void => void fn.push(add(local(p.table), mul(index, int(ENTRY)))).i32Load(field).localSet(into);
    fn.set(l.at, local(p.cols));
    fn.forRange(l.c, int(0), local(p.channels), int(1), () => {
      fn.forRange(l.i, int(0), local(p.kH), int(1), () => {
        entry(local(l.i), 0, l.firstH);
        entry(local(l.i), 4, l.endH);
        entry(local(l.i), 8, l.rowOff);
        fn.forRange(l.j, int(0), local(p.kW), int(1), () => {
          entry(add(local(p.kH), local(l.j)), 0, l.firstW);
          entry(add(local(p.kH), local(l.j)), 4, l.endW);
          entry(add(local(p.kH), local(l.j)), 8, l.colOff);
          fn.forRange(l.n, int(0), local(p.batch), int(1), () => {
            // x[n, c] starts at x + (n·C + c)·planeBytes.
            fn.set(l.row, add(local(p.x), mul(add(mul(local(l.n), local(p.channels)), local(l.c)), local(p.planeBytes)), local(l.rowOff), local(l.colOff)));
            outside(mul(local(l.firstH), local(p.outW)));
            fn.forRange(l.oh, local(l.firstH), local(l.endH), int(1), () => {
              outside(local(l.firstW));
              fn.set(l.src, local(l.row));
              inside();
              outside(sub(local(p.outW), local(l.endW)));
              fn.set(l.row, add(local(l.row), local(p.rowStep)));
            });
            outside(mul(sub(local(p.outH), local(l.endH)), local(p.outW)));
          });
        });
      });
    });
  });
}

/**
 * `im2col(x, cols, table, ...)` and `col2im(x, cols, table, ...)`: the same parameters, in the same
 * order; `swapLeading(src, dest, a, b, runBytes)`.
 */
export function buildConvModule(): Uint8Array {
  const mod = new ModuleBuilder().memory(1, "memory");
  // dest[k, i] = src[i, k] for i < a, k < b, each a run of runBytes: source runs in order.
  mod.func("swapLeading", { src: i32, dest: i32, a: i32, b: i32, runBytes: i32 }, [], (fn, p) => {
    const [i, k, from] = [fn.local(i32), fn.local(i32), fn.local(i32)];
    fn.set(from, local(p.src));
    fn.forRange(i, int(0), local(p.a), int(1), () => {
      fn.forRange(k, int(0), local(p.b), int(1), () => {
        fn.push(add(local(p.dest), mul(add(mul(local(k), local(p.a)), local(i)), local(p.runBytes)))).localGet(from).localGet(p.runBytes).memoryCopy();
        fn.set(from, add(local(from), local(p.runBytes)));
      });
    });
  });
  emitLowering(mod, "im2col", (fn, p, l) => ({
    // Zeros for the pixels outside x.
    outside: (count) => {
      fn.set(l.k, add(local(l.at), mul(count, int(4))));
      fn.block((exit) => fn.loop((top) => {
        fn.localGet(l.at).localGet(l.k).i32GeS().brIf(exit);
        fn.localGet(l.at).i32Const(0).i32Store();
        fn.set(l.at, add(local(l.at), int(4))).br(top);
      }));
    },
    inside: () => emitRun(fn, p, l, (stride) => {
      fn.localGet(l.at).localGet(l.src).v128Load();
      if (stride === 2) fn.localGet(l.src).v128Load(16).i8x16Shuffle(EVENS);
      fn.v128Store();
    }, () => void fn.localGet(l.at).localGet(l.src).f32Load().f32Store()),
  }));
  emitLowering(mod, "col2im", (fn, p, l) => ({
    outside: (count) => void fn.set(l.at, add(local(l.at), mul(count, int(4)))),
    inside: () => {
      const [low, high, sums] = [fn.local(v128), fn.local(v128), fn.local(v128)];
      emitRun(fn, p, l, (stride) => {
        if (stride === 1) {
          fn.localGet(l.src).localGet(l.src).v128Load().localGet(l.at).v128Load().f32x4Add().v128Store();
          return;
        }
        // The 4 pixels are the even lanes of two vectors of x: add into those, keep the odd ones.
        fn.localGet(l.src).v128Load().localSet(low).localGet(l.src).v128Load(16).localSet(high);
        fn.localGet(low).localGet(high).i8x16Shuffle(EVENS).localGet(l.at).v128Load().f32x4Add().localSet(sums);
        fn.localGet(l.src).localGet(sums).localGet(low).i8x16Shuffle(INTERLEAVE_LOW).v128Store();
        fn.localGet(l.src).localGet(sums).localGet(high).i8x16Shuffle(INTERLEAVE_HIGH).v128Store(16);
      }, () => void fn.localGet(l.src).localGet(l.src).f32Load().localGet(l.at).f32Load().f32Add().f32Store());
    },
  }));
  return mod.bytes();
}

export interface WasmConv {
  /** im2colJs of `conv-lowering.ts` (same arguments): x [N, C, H, W] of the geometry, columns at least [C·kH·kW, N·outH·outW]. */
  im2col(x: Float32Array, columns: Float32Array, g: ConvGeometry): void;
  /** col2imJs of `conv-lowering.ts`: adds the columns into x. */
  col2im(columns: Float32Array, x: Float32Array, g: ConvGeometry): void;
  /** col2imFreshJs of `conv-lowering.ts`: x = bias[c] on channel c (zeros without), then the columns added; x is only written. */
  col2imFresh(columns: Float32Array, x: Float32Array, g: ConvGeometry, bias: Float32Array | undefined): void;
  /** swapLeadingJs of `conv-lowering.ts`: the first a·b·run entries of src, [a, b, run], into dest as [b, a, run]. */
  swapLeading(src: Float32Array, a: number, b: number, run: number, dest: Float32Array): Float32Array;
}

const align64 = (bytes: number): number => roundUp(bytes, 64);

/** A fresh instance of the module, with its own memory. */
export function createWasmConv(): WasmConv {
  const exports = instantiate(buildConvModule()) as unknown as Record<"im2col" | "col2im" | "swapLeading", (...args: number[]) => void> & { memory: WasmMemory };
  const memory = exports.memory;
  let heap = new Float32Array(memory.buffer);

  /**
   * Lays out table, x and columns, writes the table and x (x's values, or with `fresh` bias[c] on
   * channel c, zeros without, as col2imFresh starts from), and returns the byte addresses and the
   * module's arguments.
   */
  function prepare(op: string, x: Float32Array, columns: Float32Array, g: ConvGeometry, fresh?: { bias: Float32Array | undefined }): { xAt: number; colsAt: number; xSize: number; colsSize: number; args: number[] } {
    const { batch, inChannels, inHeight, inWidth, outHeight, outWidth, kernelHeight, kernelWidth, strideH, strideW, padH, padW } = g;
    const xSize = batch * inChannels * inHeight * inWidth;
    const colsSize = inChannels * kernelHeight * kernelWidth * batch * outHeight * outWidth;
    if (x.length !== xSize || columns.length < colsSize) {
      throw new RangeError(`${op} (wasm): the geometry needs an image of ${xSize} and ${colsSize} columns, got ${x.length} and ${columns.length}`);
    }
    const tableBytes = (kernelHeight + kernelWidth) * ENTRY;
    const xAt = align64(tableBytes);
    const colsAt = xAt + align64(xSize * 4);
    heap = reserve(memory, colsAt + colsSize * 4, heap);
    const table = new Int32Array(heap.buffer, 0, tableBytes / 4);
    for (let i = 0; i < kernelHeight; i++) {
      const [first, end] = insideRange(i, strideH, padH, inHeight, outHeight);
      table.set([first, end, (first * strideH - padH + i) * inWidth * 4], 3 * i);
    }
    for (let j = 0; j < kernelWidth; j++) {
      const [first, end] = insideRange(j, strideW, padW, inWidth, outWidth);
      table.set([first, end, (first * strideW - padW + j) * 4], 3 * (kernelHeight + j));
    }
    if (fresh) fillPerChannel(heap, fresh.bias, batch, inChannels, inHeight * inWidth, xAt / 4);
    else heap.set(x, xAt / 4);
    const args = [0, batch, inChannels, kernelHeight, kernelWidth, outHeight, outWidth, inHeight * inWidth * 4, strideH * inWidth * 4, strideW * 4];
    return { xAt, colsAt, xSize, colsSize, args };
  }

  /** The columns added into x: x's values, or with `fresh` x filled in the module (see prepare). */
  function col2im(columns: Float32Array, x: Float32Array, g: ConvGeometry, fresh?: { bias: Float32Array | undefined }): void {
    const { xAt, colsAt, xSize, colsSize, args } = prepare("col2im", x, columns, g, fresh);
    heap.set(columns.subarray(0, colsSize), colsAt / 4);
    exports.col2im(xAt, colsAt, ...args);
    x.set(heap.subarray(xAt / 4, xAt / 4 + xSize));
  }

  return {
    im2col(x, columns, g) {
      const { xAt, colsAt, colsSize, args } = prepare("im2col", x, columns, g);
      exports.im2col(xAt, colsAt, ...args);
      columns.set(heap.subarray(colsAt / 4, colsAt / 4 + colsSize));
    },
    col2im: (columns, x, g) => col2im(columns, x, g),
    col2imFresh: (columns, x, g, bias) => col2im(columns, x, g, { bias }),
    swapLeading(src, a, b, run, dest) {
      const size = a * b * run;
      if (!(Number.isInteger(size) && size >= 0) || src.length < size || dest.length < size) {
        throw new RangeError(`swapLeading (wasm): [${a}, ${b}, ${run}] needs ${size} entries of source and destination, got ${src.length} and ${dest.length}`);
      }
      const destAt = align64(size * 4);
      heap = reserve(memory, 2 * destAt, heap);
      heap.set(src.subarray(0, size), 0);
      exports.swapLeading(0, destAt, a, b, run * 4);
      dest.set(heap.subarray(destAt / 4, destAt / 4 + size));
      return dest;
    },
  };
}
