/**
 * WebAssembly SIMD counterparts of the hottest elementwise kernels of `elementwise.ts`, float32:
 * add, sub and mul of equal shapes or with b a row repeated over a's rows (a bias), and the
 * unary relu, step (relu's derivative) and neg. Each gives bit-identical results to the JS loop
 * (a float64 +, -, × of two float32s, rounded to float32, is the float32 operation). exp, sigmoid
 * and softplus (`mathf.ts`) are within 2 float32 ulps of the JS loops, which round float64 Math.
 *
 * Memory: one growable memory per instance; a call copies its inputs in at 16-byte-aligned
 * offsets, zero-padded to whole f32x4s, runs, and copies the output out.
 */
import { add, int, local, ModuleBuilder, mul, ValType, type FunctionBody } from "./encoder.js";
import { instantiate } from "./kernels.js";
import { emitExp, emitLog1p, mathLocals, type MathLocals } from "./mathf.js";
import { reserve, roundUp, type WasmMemory } from "./memory.js";

const { i32, v128 } = ValType;

export type WasmBinaryOp = "add" | "sub" | "mul";
export type WasmUnaryOp = "relu" | "step" | "neg" | "exp" | "sigmoid" | "softplus";

/**
 * `add|sub|mul(a, b, out, rows, rowBytes, bStep)`: row r of out (rowBytes, a multiple of 16) is
 * a's row r op b's row at r·bStep (bStep = rowBytes: equal shapes; 0: b is one repeated row).
 * `relu|step|neg|exp|sigmoid|softplus(x, out, bytes)`.
 */
export function buildElementwiseModule(): Uint8Array {
  const mod = new ModuleBuilder().memory(1, "memory");
  const binaryOps: [WasmBinaryOp, (fn: FunctionBody) => void][] = [
    ["add", (fn) => void fn.f32x4Add()],
    ["sub", (fn) => void fn.f32x4Sub()],
    ["mul", (fn) => void fn.f32x4Mul()],
  ];
  for (const [name, op] of binaryOps) {
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
  /** Each op reads local x and may use the scratch local w and the math locals. */
  type Unary = (fn: FunctionBody, x: number, w: number, t: MathLocals) => void;
  const unaryOps: [WasmUnaryOp, Unary][] = [
    // relu(x) = x where x > 0, else 0 (NaN and -0 give 0, as the JS loop): x & (x > 0)
    ["relu", (fn, x) => void fn.localGet(x).localGet(x).v128ConstF32([0, 0, 0, 0]).f32x4Gt().v128And()],
    // step(x) = 1 where x > 0, else 0: 1.0 & (x > 0)
    ["step", (fn, x) => void fn.v128ConstF32([1, 1, 1, 1]).localGet(x).v128ConstF32([0, 0, 0, 0]).f32x4Gt().v128And()],
    ["neg", (fn, x) => void fn.localGet(x).f32x4Neg()],
    ["exp", (fn, x, _, t) => emitExp(fn, x, t)],
    // σ(x) = 1/(1 + e) for x ≥ 0, e/(1 + e) for x < 0, with e = exp(-|x|) ≤ 1
    ["sigmoid", (fn, x, w, t) => {
      fn.localGet(x).f32x4Abs().f32x4Neg().localSet(w);
      emitExp(fn, w, t);
      fn.localSet(w);
      fn.v128ConstF32([1, 1, 1, 1]).localGet(w).localGet(x).v128ConstF32([0, 0, 0, 0]).f32x4Ge().v128Bitselect();
      fn.localGet(w).v128ConstF32([1, 1, 1, 1]).f32x4Add().f32x4Div();
    }],
    // softplus(x) = log(1 + eˣ) = max(x, 0) + log1p(exp(-|x|)), as the JS kernel
    ["softplus", (fn, x, w, t) => {
      fn.localGet(x).f32x4Abs().f32x4Neg().localSet(w);
      emitExp(fn, w, t);
      fn.localSet(w);
      emitLog1p(fn, w, t);
      fn.localGet(x).v128ConstF32([0, 0, 0, 0]).f32x4Max().f32x4Add();
    }],
  ];
  for (const [name, op] of unaryOps) {
    mod.func(name, { x: i32, out: i32, bytes: i32 }, [], (fn, p) => {
      const off = fn.local(i32), x = fn.local(v128), w = fn.local(v128), t = mathLocals(fn);
      fn.forRange(off, int(0), local(p.bytes), int(16), () => {
        fn.push(add(local(p.x), local(off))).v128Load().localSet(x);
        fn.push(add(local(p.out), local(off)));
        op(fn, x, w, t);
        fn.v128Store();
      });
    });
  }
  return mod.bytes();
}

export interface WasmElementwise {
  /**
   * `out = a op b` where b has a's size (equal shapes) or is one row of length `row` repeated
   * (row divides a's size and is a multiple of 4).
   */
  binary(op: WasmBinaryOp, a: Float32Array, b: Float32Array, out: Float32Array): void;
  unary(op: WasmUnaryOp, x: Float32Array, out: Float32Array): void;
}

const align16 = (bytes: number): number => roundUp(bytes, 16);

/** A fresh instance with its own memory. */
export function createWasmElementwise(): WasmElementwise {
  const exports = instantiate(buildElementwiseModule()) as unknown as Record<WasmBinaryOp | WasmUnaryOp, (...args: number[]) => void> & { memory: WasmMemory };
  const { memory } = exports;
  let heap = new Float32Array(memory.buffer);
  /** Copy `x` to byte `at`, zero-padding to a whole f32x4. */
  const put = (view: Float32Array, x: Float32Array, at: number): void => {
    view.set(x, at / 4);
    view.fill(0, at / 4 + x.length, (at + align16(x.length * 4)) / 4);
  };
  return {
    binary(op, a, b, out) {
      const n = a.length;
      const equal = b.length === n;
      if (out.length !== n || (!equal && (b.length % 4 !== 0 || b.length === 0 || n % b.length !== 0))) {
        throw new RangeError(`${op} (wasm): sizes ${n} and ${b.length} are neither equal nor a row broadcast`);
      }
      const aBytes = align16(n * 4);
      const bPtr = aBytes;
      const outPtr = bPtr + align16(b.length * 4);
      const view = (heap = reserve(memory, outPtr + aBytes, heap));
      put(view, a, 0);
      put(view, b, bPtr);
      const rowBytes = equal ? aBytes : b.length * 4;
      exports[op](0, bPtr, outPtr, equal ? 1 : n / b.length, rowBytes, equal ? rowBytes : 0);
      out.set(view.subarray(outPtr / 4, outPtr / 4 + n));
    },
    unary(op, x, out) {
      const bytes = align16(x.length * 4);
      const view = (heap = reserve(memory, 2 * bytes, heap));
      put(view, x, 0);
      exports[op](0, bytes, bytes);
      out.set(view.subarray(bytes / 4, bytes / 4 + x.length));
    },
  };
}
