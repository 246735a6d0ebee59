/**
 * Emits the WebAssembly SIMD `gemm`: `C[m,n] = op(A)[m,k] · op(B)[k,n]`, all operands in the
 * module's memory (pointers are byte addresses, strides are in elements unless named *Bytes), for
 * float32 in f32x4 lanes or (`GemmElement` "f64", see gemm64.ts) float64 in f64x2 lanes.
 *
 * Blocking scheme (Goto & van de Geijn, "Anatomy of High-Performance Matrix Multiplication"):
 *
 *   pack op(A) into panels of MR rows and op(B) into panels of NR columns, zero-padded
 *   for each slice of at most kc along k             (B panel slices stream from L1/L2, A slices from L2)
 *     for each B panel (NR columns of C)
 *       for each A panel (MR rows of C):   the MR×NR micro-kernel over the slice
 *
 * Packed layout: panel q of op(A) holds rows [q·MR, q·MR+MR) as `[k][MR]` (the MR values of one
 * k side by side); op(B) likewise as `[k][NR]`, the NR values of one row of op(B). A last partial
 * panel is padded with zero rows (columns), and the padded rows and columns of C are dropped,
 * so no edge case reaches the micro-kernel.
 *
 * Micro-kernel: MR×NR/4 f32x4 accumulators in locals. Per k it loads NR/4 vectors of B, and for
 * each of the MR rows broadcasts one A element (`v128.load32_splat`) and does `acc += a * b`
 * (mul then add: no fused multiply-add, so results differ from the JS kernel only by float32
 * rounding and summation order). Tiles that overhang m or n go through an MR×NR scratch tile.
 */
import { add, and, eq, f32Bytes, f64Bytes, int, local, minS, ModuleBuilder, mul, ne, or, select, sub, ValType, type FunctionBody, type I32 } from "./encoder.js";

const { f32, f64, i32, v128 } = ValType;

/** The element type of a gemm module: float32 in f32x4 lanes, or float64 in f64x2 lanes. */
export type GemmElement = "f32" | "f64";

/** What the emitted code needs to know of its element type. */
interface Element {
  /** Bytes of one element, and elements per v128. */
  bytes: number;
  lanes: number;
  /** The byte size of `count` elements. */
  size: (count: I32) => I32;
  /** Loads one element at the address on the stack (+ offset) and broadcasts it to every lane. */
  splat(fn: FunctionBody, offset: number): void;
  /** Lane-wise x * y, x + y. */
  mul(fn: FunctionBody): void;
  add(fn: FunctionBody): void;
  /** Copies one element's bits: stack (to, from). */
  copy(fn: FunctionBody): void;
  /** The scalar type, its load, add and store (transposeOut). */
  scalar: ValType;
  load(fn: FunctionBody): void;
  scalarAdd(fn: FunctionBody): void;
  store(fn: FunctionBody): void;
  /** Rows per in-register transpose when packing a panel of `width` rows (0: none). */
  transposeBlock(width: number): number;
}

const ELEMENTS: Record<GemmElement, Element> = {
  f32: {
    bytes: 4, lanes: 4, size: f32Bytes,
    splat: (fn, offset) => void fn.v128Load32Splat(offset), mul: (fn) => void fn.f32x4Mul(), add: (fn) => void fn.f32x4Add(),
    copy: (fn) => void fn.f32Load().f32Store(),
    scalar: f32, load: (fn) => void fn.f32Load(), scalarAdd: (fn) => void fn.f32Add(), store: (fn) => void fn.f32Store(),
    transposeBlock: (width) => (width % 4 === 0 ? 4 : width === 2 ? 2 : 0),
  },
  f64: {
    bytes: 8, lanes: 2, size: f64Bytes,
    splat: (fn, offset) => void fn.v128Load64Splat(offset), mul: (fn) => void fn.f64x2Mul(), add: (fn) => void fn.f64x2Add(),
    copy: (fn) => void fn.i64Load().i64Store(),
    scalar: f64, load: (fn) => void fn.f64Load(), scalarAdd: (fn) => void fn.f64Add(), store: (fn) => void fn.f64Store(),
    transposeBlock: () => 0,
  },
};

/**
 * Micro-kernel rows and columns, and how many k steps one loop iteration does (each step but the
 * last of an iteration ends with an exit test, so k needs no padding).
 */
export interface GemmShape {
  mr: number;
  nr: number;
  unroll: number;
}

/**
 * 2×16: 8 accumulators + 4 B vectors + 1 broadcast + 1 product = 14 of the 15 xmm registers V8
 * allocates on x64. Measured on this project's bench machine (AMD EPYC, Zen 4, Node 20), the
 * kernel alone on packed operands of [128,784]·[784,400], unroll 8, best of 60: 2×16 45.9 GFLOP/s,
 * 4×8 45.2, 2×12 41.1, 1×24 35.3; shapes needing more than 15 registers spill (3×12 21.3, 5×8
 * 23.9, 1×32 19.2). The register peak of the same mul+add (bench/register-peak.ts) is ~58.
 * Unrolled k steps without a branch between them made TurboFan hoist the next step's loads above
 * this step's arithmetic and spill; the exit test after each step keeps every step in a basic
 * block of its own (no spill), and 8 steps per iteration leave the loop's bookkeeping (pointer
 * increments, the stack guard, the counter) once per 8 steps: unroll 1 → 4 → 8 measured 41 → 45
 * → 46 GFLOP/s on the VAE's three big products (the kernel alone, best of 100).
 */
export const GEMM_SHAPE: GemmShape = { mr: 2, nr: 16, unroll: 8 };

/**
 * The longest k slice. NOTE: a B panel slice of kc·NR·4 bytes overflows the 32 KiB L1 past
 * kc = 512, yet one slice of 784 beats 4 × 196 on the VAE's products (no C round trips; the B
 * panel streams from L2 with prefetch): measured 1,378 vs 1,484 µs for [128,400]·[400,784]ᵀ,
 * 1,432 vs 1,469 for [128,784]·[400,784]ᵀ; kc 800 and 1024 tie.
 */
export const KC_MAX = 1024;

/** The most pages a shared memory may grow to: all of wasm32's 4 GiB. */
export const MAX_PAGES = 65536;

/** Exported names and parameter order of the module's functions. */
export interface GemmExports {
  /**
   * gemm(m, n, k, kc, a, transposeA, b, transposeB, c, packedA, packedB, scratch, bias,
   *      rowBegin, rowEnd, colBegin, colEnd, pack): the block of C rows [rowBegin, rowEnd),
   * columns [colBegin, colEnd); the begins are multiples of MR and NR. All of C is (0, m, 0, n, 3).
   * `pack`: 1 packs the block's rows of op(A) into packedA first, 2 its columns of op(B) into
   * packedB, 3 both; an operand not packed must be there already, packed from row (column) 0 of
   * the block. So threads share one packed operand and pack their own part of the other.
   */
  gemm: (...args: number[]) => void;
  /** transposeOut(src, rows, cols, dst, bias) */
  transposeOut: (...args: number[]) => void;
}

const one = int(1);
const zero = int(0);

/**
 * `micro(a, b, c, cStride, count, accumulate, src, srcStride)`: C tile (MR rows of NR floats,
 * `cStride` bytes apart) = (accumulate ? S : 0) + Σ over `count` k steps of A panel ⊗ B panel,
 * where S is the MR×NR tile at `src` with rows `srcStride` bytes apart: the C tile itself (a later
 * k slice) or, with stride 0, one bias row repeated. `count` is positive.
 */
function emitMicroKernel(mod: ModuleBuilder, { mr, nr, unroll }: GemmShape, e: Element): number {
  const vectors = nr / e.lanes;
  const params = { a: i32, b: i32, c: i32, cStride: i32, count: i32, accumulate: i32, src: i32, srcStride: i32 };
  return mod.func(null, params, [], (fn, p) => {
    const acc = Array.from({ length: mr }, () => Array.from({ length: vectors }, () => fn.local(v128)));
    const bv = Array.from({ length: vectors }, () => fn.local(v128));
    const av = fn.local(v128);
    const row = fn.local(i32);
    for (const c of acc.flat()) fn.v128ConstF32([0, 0, 0, 0]).localSet(c);
    // `unroll` k steps per iteration; after each but the last, leave when count runs out.
    fn.block((exit) => fn.loop((top) => {
      for (let u = 0; u < unroll; u++) {
        if (u > 0) fn.push(sub(local(p.count), one)).localTee(p.count).i32Eqz().brIf(exit);
        bv.forEach((b, q) => fn.localGet(p.b).v128Load((u * nr + e.lanes * q) * e.bytes).localSet(b));
        for (let r = 0; r < mr; r++) {
          fn.localGet(p.a);
          e.splat(fn, (u * mr + r) * e.bytes);
          fn.localSet(av);
          bv.forEach((b, q) => {
            const c = acc[r]?.[q] as number;
            fn.localGet(c).localGet(av).localGet(b);
            e.mul(fn);
            e.add(fn);
            fn.localSet(c);
          });
        }
      }
      fn.set(p.a, add(local(p.a), int(unroll * mr * e.bytes)));
      fn.set(p.b, add(local(p.b), int(unroll * nr * e.bytes)));
      fn.push(sub(local(p.count), one)).localTee(p.count).brIf(top);
    }));

    // Epilogue: add the S tile's rows when accumulating, then walk the rows of the C tile to store.
    const rowWalk = (start: number, stride: number, f: (r: number) => void): void => {
      fn.set(row, local(start));
      for (let r = 0; r < mr; r++) {
        f(r);
        if (r < mr - 1) fn.set(row, add(local(row), local(stride)));
      }
    };
    fn.localGet(p.accumulate).if(() =>
      rowWalk(p.src, p.srcStride, (r) =>
        acc[r]?.forEach((c, q) => {
          fn.localGet(c).localGet(row).v128Load(16 * q);
          e.add(fn);
          fn.localSet(c);
        }),
      ),
    );
    rowWalk(p.c, p.cStride, (r) => acc[r]?.forEach((c, q) => fn.localGet(row).localGet(c).v128Store(16 * q)));
  });
}

/** f32 lane indices → the byte lanes of `i8x16.shuffle` (0-3 the first vector, 4-7 the second). */
const f32Lanes = (lanes: number[]): number[] => lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);

/**
 * `pack(src, rows, depth, rowStride, depthStride, dst)`: element (r, p) of a strided
 * `rows × depth` matrix goes to `dst[(r/W·depth + p)·W + r%W]`, zero-padded to whole panels.
 * A full panel is copied by the fastest path its layout allows, then a scalar
 * loop copies whatever depth that path left:
 * - rowStride 1 (the W values of one p are contiguous): per p, one block copy of W floats;
 * - depthStride 1 (each row contiguous along p): 4 depths at a time, blocks of 4 rows (W = 2:
 *   2 rows) transposed in registers with `i8x16.shuffle`.
 */
function emitPack(mod: ModuleBuilder, width: number, e: Element): number {
  const params = { src: i32, rows: i32, depth: i32, rowStride: i32, depthStride: i32, dst: i32 };
  const block = e.transposeBlock(width); // rows per in-register transpose
  const bytes = e.size;
  return mod.func(null, params, [], (fn, p) => {
    const r0 = fn.local(i32), height = fn.local(i32), panel = fn.local(i32), done = fn.local(i32);
    const r = fn.local(i32), k = fn.local(i32), s = fn.local(i32), d = fn.local(i32);
    const v = Array.from({ length: 8 }, () => fn.local(v128));
    const vec = (i: number): number => v[i] as number;
    const step = (ptr: number, elements: I32): void => void fn.set(ptr, add(local(ptr), bytes(elements)));
    const full = eq(local(height), int(width));
    fn.forRange(r0, zero, local(p.rows), int(width), () => {
      fn.set(height, minS(int(width), sub(local(p.rows), local(r0))));
      fn.set(panel, add(local(p.dst), bytes(mul(local(r0), local(p.depth)))));
      // Zero what no copy below writes: the padding rows of a partial panel (all of it, first).
      fn.push(full).i32Eqz().if(() => void fn.push(local(panel)).push(zero).push(bytes(mul(local(p.depth), int(width)))).memoryFill());
      fn.set(done, zero);
      fn.push(and(full, eq(local(p.rowStride), one))).if(() => {
        fn.set(s, add(local(p.src), bytes(local(r0))));
        fn.set(d, local(panel));
        fn.forRange(k, zero, local(p.depth), one, () => {
          // Copy W elements' bytes: v128s, then 8 bytes as one i64 (bits, not arithmetic), then 4.
          let q = 0;
          const total = width * e.bytes;
          for (; q + 16 <= total; q += 16) fn.localGet(d).localGet(s).v128Load(q).v128Store(q);
          for (; q + 8 <= total; q += 8) fn.localGet(d).localGet(s).i64Load(q).i64Store(q);
          for (; q < total; q += 4) fn.localGet(d).localGet(s).f32Load(q).f32Store(q);
          step(s, local(p.depthStride));
          step(d, int(width));
        });
        fn.set(done, local(p.depth));
      });
      if (block > 0) {
        const blockIndex = width > block ? fn.local(i32) : -1; // the loop over blocks, if more than one
        fn.push(and(full, eq(local(p.depthStride), one))).if(() => {
          fn.set(done, and(local(p.depth), int(-4)));
          fn.forRange(k, zero, local(done), int(4), () => {
            // s walks down the rows at depth k; d is the panel at depth k.
            fn.set(s, add(local(p.src), bytes(add(mul(local(r0), local(p.rowStride)), local(k)))));
            fn.set(d, add(local(panel), bytes(mul(local(k), int(width)))));
            emitRegisterTranspose(fn, vec, s, d, blockIndex, p.rowStride, width, block);
          });
        });
      }
      // Scalar: rows one at a time, depths [done, depth), reading along p, writing every W-th float.
      fn.forRange(r, zero, local(height), one, () => {
        fn.set(s, add(local(p.src), bytes(add(mul(add(local(r0), local(r)), local(p.rowStride)), mul(local(done), local(p.depthStride))))));
        fn.set(d, add(local(panel), bytes(add(mul(local(done), int(width)), local(r)))));
        fn.forRange(k, local(done), local(p.depth), one, () => {
          fn.localGet(d).localGet(s);
          e.copy(fn);
          step(s, local(p.depthStride));
          step(d, int(width));
        });
      });
    });
  });
}

/**
 * Copy the rows of one full panel at depths k..k+3 (s at row r0, depth k; d the panel at depth k):
 * blocks of `block` rows are loaded as f32x4s and transposed in registers with `i8x16.shuffle`.
 * More than one block (W = 16: 4 blocks of 4 rows) runs as a wasm loop over `blockIndex`, d moving
 * on by a block each time. NOTE: one copy of the code per block packed no faster (dX's B, 1.25 MB:
 * 65 µs unrolled, 61 looped, warm) and made the module too big for 4 KiB once the micro-kernel
 * was unrolled 8 times.
 */
function emitRegisterTranspose(fn: FunctionBody, vec: (i: number) => number, s: number, d: number, blockIndex: number, rowStride: number, width: number, block: number): void {
  const step = (ptr: number, elements: I32): void => void fn.set(ptr, add(local(ptr), f32Bytes(elements)));
  const shuffle = (out: number, x: number, y: number, lanes: number[]): void =>
    void fn.localGet(vec(x)).localGet(vec(y)).i8x16Shuffle(f32Lanes(lanes)).localSet(vec(out));
  const eachBlock = (body: () => void): void => void (width > block ? fn.forRange(blockIndex, zero, int(width), int(block), body) : body());
  eachBlock(() => {
    for (let i = 0; i < block; i++) {
      fn.localGet(s).v128Load().localSet(vec(i));
      step(s, local(rowStride));
    }
    // Interleave row pairs: v4 = (x0p0 x1p0 x0p1 x1p1), v5 = (x0p2 x1p2 x0p3 x1p3), v6/v7 for rows 2-3.
    shuffle(4, 0, 1, [0, 4, 1, 5]);
    shuffle(5, 0, 1, [2, 6, 3, 7]);
    if (block === 2) {
      // W = 2: v4 is exactly depths k, k+1 of the panel, v5 depths k+2, k+3.
      fn.localGet(d).localGet(vec(4)).v128Store(0);
      fn.localGet(d).localGet(vec(5)).v128Store(16);
      return;
    }
    shuffle(6, 2, 3, [0, 4, 1, 5]);
    shuffle(7, 2, 3, [2, 6, 3, 7]);
    // Then pair the halves: v_j = depth k + j of the block's 4 rows.
    shuffle(0, 4, 6, [0, 1, 4, 5]);
    shuffle(1, 4, 6, [2, 3, 6, 7]);
    shuffle(2, 5, 7, [0, 1, 4, 5]);
    shuffle(3, 5, 7, [2, 3, 6, 7]);
    for (let j = 0; j < 4; j++) fn.localGet(d).localGet(vec(j)).v128Store(j * width * 4);
    step(d, int(block));
  });
}

/** `copyTile(src, srcStrideBytes, dst, dstStrideBytes, rows, cols)`: a scalar copy of a sub-tile. */
function emitCopyTile(mod: ModuleBuilder, e: Element): number {
  const params = { src: i32, srcStrideBytes: i32, dst: i32, dstStrideBytes: i32, rows: i32, cols: i32 };
  return mod.func(null, params, [], (fn, p) => {
    const r = fn.local(i32);
    const j = fn.local(i32);
    fn.forRange(r, zero, local(p.rows), one, () => {
      fn.forRange(j, zero, local(p.cols), one, () => {
        fn.push(add(local(p.dst), e.size(local(j)))).push(add(local(p.src), e.size(local(j))));
        e.copy(fn);
      });
      fn.set(p.src, add(local(p.src), local(p.srcStrideBytes)));
      fn.set(p.dst, add(local(p.dst), local(p.dstStrideBytes)));
    });
  });
}

/**
 * `transposeOut(src, rows, cols, dst, bias)`: dst[c·rows + r] = src[r·cols + c], plus the float
 * at `bias + 4r` when bias ≠ 0: a product computed as Cᵀ [n,m] back to C [m,n], with C's bias.
 */
function emitTransposeOut(mod: ModuleBuilder, e: Element): void {
  const params = { src: i32, rows: i32, cols: i32, dst: i32, bias: i32 };
  mod.func("transposeOut", params, [], (fn, p) => {
    const r = fn.local(i32), c = fn.local(i32), d = fn.local(i32), b = fn.local(e.scalar);
    // Row r of src goes down column r of dst (d steps by a row of dst, rows floats).
    const copyRow = (withBias: boolean): void => void fn.forRange(c, zero, local(p.cols), one, () => {
      fn.localGet(d).localGet(p.src);
      e.load(fn);
      if (withBias) {
        fn.localGet(b);
        e.scalarAdd(fn);
      }
      e.store(fn);
      fn.set(p.src, add(local(p.src), int(e.bytes)));
      fn.set(d, add(local(d), e.size(local(p.rows))));
    });
    fn.forRange(r, zero, local(p.rows), one, () => {
      fn.set(d, add(local(p.dst), e.size(local(r))));
      fn.localGet(p.bias).if(() => {
        fn.push(add(local(p.bias), e.size(local(r))));
        e.load(fn);
        fn.localSet(b);
        copyRow(true);
      }, () => copyRow(false));
    });
  });
}

/**
 * The module bytes: the exported `gemm` driver and `transposeOut`, working in a growable memory of
 * the module's own, exported as `memory`, or ("shared") in a shared memory imported as
 * `env.memory`, of at most MAX_PAGES, that instances on other threads import too.
 * `bias` is the address of a row of roundUp(n, NR) floats added to every row of C (after the first
 * k slice, in the micro-kernel's epilogue), or 0 for none.
 */
export function buildGemmModule(shape: GemmShape = GEMM_SHAPE, memory: "own" | "shared" = "own", element: GemmElement = "f32"): Uint8Array {
  const { mr, nr, unroll } = shape;
  const e = ELEMENTS[element];
  if (nr % e.lanes !== 0 || !Number.isInteger(unroll) || unroll < 1) throw new RangeError(`buildGemmModule: nr must be a multiple of ${e.lanes}, unroll a positive integer (got nr ${nr}, unroll ${unroll})`);
  const mod = new ModuleBuilder();
  if (memory === "shared") mod.importMemory("env", "memory", { minPages: 1, maxPages: MAX_PAGES, shared: true });
  else mod.memory(1, "memory");
  const micro = emitMicroKernel(mod, shape, e);
  const packA = emitPack(mod, mr, e);
  const packB = emitPack(mod, nr, e);
  const copyTile = emitCopyTile(mod, e);
  emitTransposeOut(mod, e);
  const params = {
    m: i32, n: i32, k: i32, kc: i32, a: i32, transposeA: i32, b: i32, transposeB: i32,
    c: i32, packedA: i32, packedB: i32, scratch: i32, bias: i32,
    rowBegin: i32, rowEnd: i32, colBegin: i32, colEnd: i32, pack: i32,
  };
  mod.func("gemm", params, [], (fn, p) => {
    const k0 = fn.local(i32), kb = fn.local(i32), accumulate = fn.local(i32);
    const i0 = fn.local(i32), j0 = fn.local(i32), rows = fn.local(i32), cols = fn.local(i32);
    const aPanel = fn.local(i32), bPanel = fn.local(i32), cTile = fn.local(i32), cStride = fn.local(i32);
    const later = fn.local(i32), biasCols = fn.local(i32);
    fn.set(cStride, e.size(local(p.n)));
    // op(A): rows m, depth k, stored [m,k] (strides k, 1) or [k,m] (strides 1, m); packed from
    // row rowBegin on. Likewise op(B)ᵀ: rows n, stored [k,n] (strides 1, n) or [n,k] (strides k, 1).
    // Bit 1 of `pack` packs op(A), bit 2 op(B); a clear bit means that operand is packed already.
    const transA = local(p.transposeA);
    const aRowStride = select(one, local(p.k), transA);
    fn.push(and(local(p.pack), one)).if(() => {
      fn.push(add(local(p.a), e.size(mul(local(p.rowBegin), aRowStride)))).push(sub(local(p.rowEnd), local(p.rowBegin))).push(local(p.k));
      fn.push(aRowStride).push(select(local(p.m), one, transA)).push(local(p.packedA)).call(packA);
    });
    const transB = local(p.transposeB);
    const bRowStride = select(local(p.k), one, transB);
    fn.push(and(local(p.pack), int(2))).if(() => {
      fn.push(add(local(p.b), e.size(mul(local(p.colBegin), bRowStride)))).push(sub(local(p.colEnd), local(p.colBegin))).push(local(p.k));
      fn.push(bRowStride).push(select(one, local(p.n), transB)).push(local(p.packedB)).call(packB);
    });

    // The first k slice adds the bias columns j0.. (stride 0: the same row for every row of C),
    // later slices what C holds.
    const callMicro = (c: I32, stride: I32): void =>
      void fn.push(local(aPanel)).push(local(bPanel)).push(c).push(stride).push(local(kb)).push(local(accumulate))
        .push(select(c, local(biasCols), local(later))).push(select(stride, zero, local(later))).call(micro);
    const callCopy = (src: I32, srcStride: I32, dst: I32, dstStride: I32): void =>
      void fn.push(src).push(srcStride).push(dst).push(dstStride).push(local(rows)).push(local(cols)).call(copyTile);
    const scratch = local(p.scratch);
    const scratchStride = int(nr * e.bytes);
    fn.forRange(k0, zero, local(p.k), local(p.kc), () => {
      fn.set(kb, minS(local(p.kc), sub(local(p.k), local(k0))));
      fn.set(later, ne(local(k0), zero));
      fn.set(accumulate, or(local(later), ne(local(p.bias), zero)));
      fn.forRange(j0, local(p.colBegin), local(p.colEnd), int(nr), () => {
        fn.set(cols, minS(int(nr), sub(local(p.colEnd), local(j0))));
        fn.set(biasCols, add(local(p.bias), e.size(local(j0))));
        // The block's B panel (j0 - colBegin)/NR starts at (j0 - colBegin)·k floats; this slice
        // k0·NR floats into it. Likewise A.
        fn.set(bPanel, add(local(p.packedB), e.size(add(mul(sub(local(j0), local(p.colBegin)), local(p.k)), mul(local(k0), int(nr))))));
        fn.forRange(i0, local(p.rowBegin), local(p.rowEnd), int(mr), () => {
          fn.set(rows, minS(int(mr), sub(local(p.rowEnd), local(i0))));
          fn.set(aPanel, add(local(p.packedA), e.size(add(mul(sub(local(i0), local(p.rowBegin)), local(p.k)), mul(local(k0), int(mr))))));
          fn.set(cTile, add(local(p.c), e.size(add(mul(local(i0), local(p.n)), local(j0)))));
          fn.push(and(eq(local(rows), int(mr)), eq(local(cols), int(nr)))).if(
            () => callMicro(local(cTile), local(cStride)),
            () => {
              // An overhanging tile: through the scratch tile, copying only the real entries.
              fn.localGet(later).if(() => callCopy(local(cTile), local(cStride), scratch, scratchStride));
              callMicro(scratch, scratchStride);
              callCopy(scratch, scratchStride, local(cTile), local(cStride));
            },
          );
        });
      });
    });
  });
  return mod.bytes();
}
