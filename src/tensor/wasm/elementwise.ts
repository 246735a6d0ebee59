/**
 * WebAssembly SIMD counterparts of the hottest elementwise kernels of `elementwise.ts`, float32:
 * add, sub and mul of equal shapes or with b a row repeated over a's rows (a bias), the unary
 * maps with a wasm body in `unary.ts`, and relu's gradient. add, sub, mul and relu's gradient
 * give bit-identical results to the JS loop (a float64 +, -, × of two float32s, rounded to
 * float32, is the float32 operation). The binary cross-entropy from logits and its gradient (one pass
 * each, for the Bernoulli likelihood) round a few float32 operations where the JS loops round once.
 *
 * Memory: one growable memory per module instance. A call runs over its arrays a chunk of
 * MAP_CHUNK floats at a time: each input's chunk is copied in at a 16-byte-aligned offset,
 * zero-padded to whole steps of the loop (one f32x4, or four in the loss module), the map runs,
 * and the output's chunk is copied out. The chunks stay in cache between the copies and the map,
 * where whole arrays of MBs went through memory three times (see MAP_CHUNK). Each element's
 * result depends on that element alone, so the chunking does not change a bit.
 */
import { add, int, local, ModuleBuilder, mul, ValType, type FunctionBody } from "./encoder.js";
import { instantiate } from "./kernels.js";
import { emitExpNegAbs, emitLog1p, emitSigmoid, emitSigmoidOfExp, mathConstants, mathLocals, type MathFunction, type MathLocals } from "./mathf.js";
import { reserve, roundUp, type WasmMemory } from "./memory.js";
import type { BinaryOp } from "../elementwise.js";
import { UNARY_KERNELS, type WasmUnaryOp } from "../unary.js";

const { i32, v128 } = ValType;

/**
 * The binary ops with a wasm kernel, and each one's loop body: the one list of them.
 * `elementwise.ts` asks it (`hasWasmBinary`) before taking the wasm path, so a new entry here is
 * all it takes to put an existing JS op on wasm (unary maps: a `wasm` body in `unary.ts`).
 */
const BINARY_BODIES = {
  add: (fn: FunctionBody) => void fn.f32x4Add(),
  sub: (fn: FunctionBody) => void fn.f32x4Sub(),
  mul: (fn: FunctionBody) => void fn.f32x4Mul(),
} satisfies Partial<Record<BinaryOp, (fn: FunctionBody) => void>>;

export type WasmBinaryOp = keyof typeof BINARY_BODIES;

/** Whether `op` has a wasm kernel: a key of BINARY_BODIES. */
export const hasWasmBinary = (op: BinaryOp): op is WasmBinaryOp => Object.hasOwn(BINARY_BODIES, op);

/**
 * `add|sub|mul(a, b, out, rows, rowBytes, bStep)`: row r of out (rowBytes, a multiple of 16) is
 * a's row r op b's row at r·bStep (bStep = rowBytes: equal shapes; 0: b is one repeated row).
 * `name(x, out, bytes)` for each unary map with a wasm body, `reluGrad(g, y, out, bytes)`.
 */
export function buildElementwiseModule(): Uint8Array {
  const mod = new ModuleBuilder().memory(1, "memory");
  for (const [name, op] of Object.entries(BINARY_BODIES)) {
    mod.func(name, { a: i32, b: i32, out: i32, rows: i32, rowBytes: i32, bStep: i32 }, [], (fn, p) => {
      const r = fn.local(i32), off = fn.local(i32), bRow = fn.local(i32), rowStart = fn.local(i32);
      fn.forRange(r, int(0), local(p.rows), int(1), () => {
        fn.set(rowStart, mul(local(r), local(p.rowBytes)));
        fn.set(bRow, add(local(p.b), mul(local(r), local(p.bStep))));
        fn.forRange(off, int(0), local(p.rowBytes), int(16), () => {
          fn.push(add(local(p.out), local(rowStart), local(off)));
          fn.push(add(local(p.a), local(rowStart), local(off))).v128Load();
          fn.push(add(local(bRow), local(off))).v128Load();
          op(fn);
          fn.v128Store();
        });
      });
    });
  }
  for (const [name, kernel] of Object.entries(UNARY_KERNELS)) {
    if ("wasm" in kernel) mapFunction(mod, name, 1, kernel.wasm[0], kernel.wasm[1]);
  }
  // reluGrad(g, y) = g where y > 0, else 0: g & (y > 0)
  mapFunction(mod, "reluGrad", 2, [], (fn, [g, y]) => void fn.localGet(g).localGet(y).v128ConstF32([0, 0, 0, 0]).f32x4Gt().v128And());
  return mod.bytes();
}

/** f32x4s per iteration of the loss module's loops. */
const LOSS_UNROLL = 4;

/**
 * The binary cross-entropy from logits and its gradient, `bce(l, t, out, bytes)` and
 * `bceGrad(g, l, t, out, bytes)`: a module of their own, so that each stays under 4 KiB.
 */
export function buildLossModule(): Uint8Array {
  const mod = new ModuleBuilder().memory(1, "memory");
  mapFunction(mod, "bce", 2, ["exp", "log1p"], bceBody, LOSS_UNROLL);
  // bceGrad(g, l, t) = g·(σ(l) - t)
  mapFunction(mod, "bceGrad", 3, ["exp"], (fn, [g, l, t], w, m) => {
    emitSigmoid(fn, l, w, m);
    fn.localGet(t).f32x4Sub().localGet(g).f32x4Mul();
  }, LOSS_UNROLL);
  return mod.bytes();
}

/** bce(l, t) = (max(l, 0) - t·l) + log1p(exp(-|l|)), as the JS kernel; leaves exp(-|l|) in w. */
const bceBody: MapBody = (fn, [l, t], w, m) => {
  emitExpNegAbs(fn, l, w, m);
  emitLog1p(fn, w, m);
  fn.localGet(l).v128ConstF32([0, 0, 0, 0]).f32x4Max().localGet(t).localGet(l).f32x4Mul().f32x4Sub().f32x4Add();
};

/**
 * `bceResidual(l, t, out, residual, bytes)`: bce as in the loss module, and σ(l) - t from the
 * same exp(-|l|), the factor of the gradient g·(σ(l) - t) that is left to multiply by g; the
 * f32 operations of bceGrad, so g·residual (one f32 multiply) gives bceGrad's bits. A module of
 * its own, under 4 KiB.
 */
export function buildLossResidualModule(): Uint8Array {
  const mod = new ModuleBuilder().memory(1, "memory");
  mapFunction(mod, "bceResidual", 2, ["exp", "log1p"], bceBody, LOSS_UNROLL, (fn, [l, t], w, m) => {
    emitSigmoidOfExp(fn, l, w, m);
    fn.localGet(t).f32x4Sub();
  });
  return mod.bytes();
}

/**
 * An op's f32x4 body: it reads its inputs from the locals `xs` (the first `arity` of them), may
 * use the scratch local w and the math locals, and leaves the output's f32x4 on the stack.
 */
export type MapBody = (fn: FunctionBody, xs: readonly [number, number, number], w: number, t: MathLocals) => void;

/**
 * `name(in0, .., out, bytes)`: out = body(inputs), `unroll` f32x4s at a time over `bytes` of
 * each region (a multiple of 16·unroll); `uses` names the math functions the body calls, whose
 * constants are set up first. With a `second` body, `name(in0, .., out, out1, bytes)` also
 * stores second(inputs) to out1, run after `body` with its locals as body left them.
 * NOTE: unrolled copies are independent, so the CPU overlaps their long chains of dependent
 * operations (exp then log1p): BCE from logits runs 1.6x faster at 4 (2 and 8: slower).
 */
function mapFunction(mod: ModuleBuilder, name: string, arity: 1 | 2 | 3, uses: readonly MathFunction[], body: MapBody, unroll = 1, second?: MapBody): void {
  const params: Record<string, ValType> = {};
  for (let k = 0; k < arity; k++) params[`in${k}`] = i32;
  params.out = i32;
  if (second !== undefined) params.out1 = i32;
  params.bytes = i32;
  // Parameters are locals 0, 1, ... in order: the inputs, the outputs, the byte count.
  const [out, out1, bytes] = [arity, arity + 1, Object.keys(params).length - 1];
  mod.func(name, params, [], (fn) => {
    const off = fn.local(i32);
    const constants = mathConstants(fn, uses);
    const copies = Array.from({ length: unroll }, () => ({
      w: fn.local(v128),
      t: mathLocals(fn, constants),
      xs: [fn.local(v128), fn.local(v128), fn.local(v128)] as const,
    }));
    const pointers = Array.from({ length: arity }, (_, k) => k);
    fn.forRange(off, int(0), local(bytes), int(16 * unroll), () => {
      copies.forEach(({ xs }, u) => pointers.forEach((ptr, k) => void fn.push(add(local(ptr), local(off))).v128Load(16 * u).localSet(xs[k] as number)));
      copies.forEach(({ xs, w, t }, u) => {
        fn.push(add(local(out), local(off)));
        body(fn, xs, w, t);
        fn.v128Store(16 * u);
        if (second === undefined) return;
        fn.push(add(local(out1), local(off)));
        second(fn, xs, w, t);
        fn.v128Store(16 * u);
      });
    });
  });
}

export interface WasmElementwise {
  /**
   * `out = a op b` where b has a's size (equal shapes) or is one row of length `row` repeated
   * (row divides a's size and is a multiple of 4).
   */
  binary(op: WasmBinaryOp, a: Float32Array, b: Float32Array, out: Float32Array): void;
  unary(op: WasmUnaryOp, x: Float32Array, out: Float32Array): void;
  /** `out = g where y > 0, else 0` (relu's gradient from its output y), all of one size. */
  reluGrad(g: Float32Array, y: Float32Array, out: Float32Array): void;
  /** `out = bce(logits, targets)`, all of one size. */
  bce(logits: Float32Array, targets: Float32Array, out: Float32Array): void;
  /** `out = g·(σ(logits) - targets)`, all of one size. */
  bceGrad(g: Float32Array, logits: Float32Array, targets: Float32Array, out: Float32Array): void;
  /** `out = bce(logits, targets)` and `residual = σ(logits) - targets`, all of one size. */
  bceResidual(logits: Float32Array, targets: Float32Array, out: Float32Array, residual: Float32Array): void;
}

const align16 = (bytes: number): number => roundUp(bytes, 16);

/**
 * Floats of each array per chunk of a call (a multiple of 16, the loss module's step): 32 KB, so
 * a map's chunks (two to four arrays) stay in the 2 MB L2 between the copy in, the map and the copy
 * out. Against whole arrays copied in, mapped and copied out, in one process alternating
 * (2026-12-04, medians of 15): reluGrad [128,32,28,28] 2.99 → 1.74 ms, [128,64,14,14] 1.17 → 0.74,
 * [128,64,7,7] 147 → 110 µs; relu [128,32,28,28] 1.81 → 1.46 ms; add in place 3.42 → 1.54 ms; below
 * ~50k floats within ±10%. In the conv VAE step these maps took 13.2 → 10.4 ms a step. Chunks of
 * 2048 floats gained less, of 32768 about as much.
 */
export const MAP_CHUNK = 8192;

/** An instantiated module, its memory, a view of it (renewed when the memory grows), and the bytes its maps step by. */
interface Instance<Name extends string> {
  exports: Record<Name, (...args: number[]) => void>;
  memory: WasmMemory;
  heap: Float32Array<ArrayBuffer>;
  step: number;
}

function instance<Name extends string>(bytes: Uint8Array, step: number): Instance<Name> {
  const exports = instantiate(bytes) as unknown as Record<Name, (...args: number[]) => void> & { memory: WasmMemory };
  return { exports, memory: exports.memory, heap: new Float32Array(exports.memory.buffer), step };
}

/** Copy x[from .. from+length) to byte `at`, zero-padding it to `bytes`. */
function put(view: Float32Array, x: Float32Array, from: number, length: number, at: number, bytes: number): void {
  view.set(length === x.length ? x : x.subarray(from, from + length), at / 4);
  if (4 * length < bytes) view.fill(0, at / 4 + length, (at + bytes) / 4);
}

/** Copy `length` floats at byte `at` to out[to ..]. */
function take(view: Float32Array, at: number, out: Float32Array, to: number, length: number): void {
  out.set(view.subarray(at / 4, at / 4 + length), to);
}

/**
 * A map over inputs of one size, chunk by chunk: each input's chunk copied in, back to back, the
 * map run, and its output's chunk (or outputs', after the inputs in order) copied out.
 */
function runMap<Name extends string>(m: Instance<Name>, name: Name, inputs: readonly Float32Array[], ...outs: Float32Array[]): void {
  const n = (outs[0] as Float32Array).length;
  const arrays = [...inputs, ...outs];
  if (arrays.some((x) => x.length !== n)) throw new RangeError(`${name} (wasm): sizes ${arrays.map((x) => x.length).join(", ")} differ`);
  const slot = roundUp(Math.min(n, MAP_CHUNK) * 4, m.step);
  const view = (m.heap = reserve(m.memory, arrays.length * slot, m.heap));
  const args = arrays.map((_, k) => k * slot);
  const map = m.exports[name];
  for (let from = 0; from < n; from += MAP_CHUNK) {
    const length = Math.min(MAP_CHUNK, n - from);
    const bytes = roundUp(length * 4, m.step);
    for (let k = 0; k < inputs.length; k++) put(view, inputs[k] as Float32Array, from, length, k * slot, bytes);
    args[arrays.length] = bytes;
    map(...args);
    for (let j = 0; j < outs.length; j++) take(view, (inputs.length + j) * slot, outs[j] as Float32Array, from, length);
  }
}

/**
 * `out = a op b` on the binary kernels, chunk by chunk: a's chunks (whole rows of b when b is one
 * row: b is copied in once), b's chunks when it has a's size, out's chunks copied out. `out` may
 * be `a` (a chunk is read before it is written).
 */
function runBinary(m: Instance<WasmBinaryOp>, op: WasmBinaryOp, a: Float32Array, b: Float32Array, out: Float32Array): void {
  const n = a.length;
  const equal = b.length === n;
  if (out.length !== n || (!equal && (b.length % 4 !== 0 || b.length === 0 || n % b.length !== 0))) {
    throw new RangeError(`${op} (wasm): sizes ${n} and ${b.length} are neither equal nor a row broadcast`);
  }
  const span = equal ? Math.min(n, MAP_CHUNK) : b.length * Math.max(1, Math.floor(MAP_CHUNK / b.length));
  const slot = align16(span * 4);
  const bSlot = equal ? slot : b.length * 4;
  const [bPtr, aPtr, outPtr] = [0, bSlot, bSlot + slot];
  const view = (m.heap = reserve(m.memory, outPtr + slot, m.heap));
  if (!equal) put(view, b, 0, b.length, bPtr, bSlot);
  for (let from = 0; from < n; from += span) {
    const length = Math.min(span, n - from);
    const bytes = align16(length * 4);
    put(view, a, from, length, aPtr, bytes);
    if (equal) put(view, b, from, length, bPtr, bytes);
    const rowBytes = equal ? bytes : b.length * 4;
    m.exports[op](aPtr, bPtr, outPtr, equal ? 1 : length / b.length, rowBytes, equal ? rowBytes : 0);
    take(view, outPtr, out, from, length);
  }
}

/** A fresh instance of each module, each with its own memory. */
export function createWasmElementwise(): WasmElementwise {
  const maps = instance<WasmBinaryOp | WasmUnaryOp | "reluGrad">(buildElementwiseModule(), 16);
  const losses = instance<"bce" | "bceGrad">(buildLossModule(), 16 * LOSS_UNROLL);
  const residuals = instance<"bceResidual">(buildLossResidualModule(), 16 * LOSS_UNROLL);
  return {
    binary: (op, a, b, out) => runBinary(maps, op, a, b, out),
    unary: (op, x, out) => runMap(maps, op, [x], out),
    reluGrad: (g, y, out) => runMap(maps, "reluGrad", [g, y], out),
    bce: (logits, targets, out) => runMap(losses, "bce", [logits, targets], out),
    bceGrad: (g, logits, targets, out) => runMap(losses, "bceGrad", [g, logits, targets], out),
    bceResidual: (logits, targets, out, residual) => runMap(residuals, "bceResidual", [logits, targets], out, residual),
  };
}
