/**
 * The unary elementwise maps, one record each: the JS loop (any dtype, the readable oracle) and,
 * where the map has one, its f32x4 body for the wasm module (`wasm/elementwise.ts` builds one
 * exported function per body; `unary()` in `elementwise.ts` is the one place that picks a path).
 * Side by side, a reader checks the SIMD code against the loop on one screen.
 *
 * The wasm bodies of relu, step and neg give the loop's bits; exp, sigmoid, softplus and silu
 * are within 2 float32 ulps of it (exp and log1p of `wasm/mathf.ts`; silu adds one rounding).
 */
import type { TypedArray } from "./dtype.js";
import type { MapBody } from "./wasm/elementwise.js";
import { emitExp, emitExpNegAbs, emitLog1p, emitSigmoid, type MathFunction } from "./wasm/mathf.js";

/** out[i] = f(x[i]) for every i (out has x's length). */
type Loop = (x: TypedArray, out: TypedArray) => void;

interface UnaryKernel {
  js: Loop;
  /** The f32x4 body, and the math functions it calls (whose constants are set up first). */
  wasm?: readonly [uses: readonly MathFunction[], body: MapBody];
}

const ZERO = [0, 0, 0, 0] as const;

/** `step` is relu's derivative: 1 where x > 0, else 0. */
export const UNARY_KERNELS = {
  neg: {
    js: (x, out) => { for (let i = 0; i < x.length; i++) out[i] = -(x[i] as number); },
    wasm: [[], (fn, [x]) => void fn.localGet(x).f32x4Neg()],
  },
  exp: {
    js: (x, out) => { for (let i = 0; i < x.length; i++) out[i] = Math.exp(x[i] as number); },
    wasm: [["exp"], (fn, [x], _, t) => emitExp(fn, x, t)],
  },
  log: { js: (x, out) => { for (let i = 0; i < x.length; i++) out[i] = Math.log(x[i] as number); } },
  sqrt: { js: (x, out) => { for (let i = 0; i < x.length; i++) out[i] = Math.sqrt(x[i] as number); } },
  abs: { js: (x, out) => { for (let i = 0; i < x.length; i++) out[i] = Math.abs(x[i] as number); } },
  sign: { js: (x, out) => { for (let i = 0; i < x.length; i++) out[i] = Math.sign(x[i] as number); } },
  // relu(x) = x where x > 0, else 0 (NaN and -0 give 0); in SIMD x & (x > 0)
  relu: {
    js: (x, out) => {
      for (let i = 0; i < x.length; i++) {
        const v = x[i] as number;
        out[i] = v > 0 ? v : 0;
      }
    },
    wasm: [[], (fn, [x]) => void fn.localGet(x).localGet(x).v128ConstF32(ZERO).f32x4Gt().v128And()],
  },
  // step(x) = 1 where x > 0, else 0; in SIMD 1.0 & (x > 0)
  step: {
    js: (x, out) => { for (let i = 0; i < x.length; i++) out[i] = (x[i] as number) > 0 ? 1 : 0; },
    wasm: [[], (fn, [x]) => void fn.v128ConstF32([1, 1, 1, 1]).localGet(x).v128ConstF32(ZERO).f32x4Gt().v128And()],
  },
  // σ(x), stable on both tails: exp is only ever taken of a non-positive number
  sigmoid: {
    js: (x, out) => {
      for (let i = 0; i < x.length; i++) {
        const v = x[i] as number;
        if (v >= 0) out[i] = 1 / (1 + Math.exp(-v));
        else {
          const e = Math.exp(v);
          out[i] = e / (1 + e);
        }
      }
    },
    wasm: [["exp"], (fn, [x], w, t) => emitSigmoid(fn, x, w, t)],
  },
  // softplus(x) = log(1 + eˣ) = max(x, 0) + log1p(e^-|x|): exp never overflows, tiny values keep their digits
  softplus: {
    js: (x, out) => {
      for (let i = 0; i < x.length; i++) {
        const v = x[i] as number;
        out[i] = (v > 0 ? v : 0) + Math.log1p(Math.exp(-Math.abs(v)));
      }
    },
    wasm: [["exp", "log1p"], (fn, [x], w, t) => {
      emitExpNegAbs(fn, x, w, t);
      emitLog1p(fn, w, t);
      fn.localGet(x).v128ConstF32(ZERO).f32x4Max().f32x4Add();
    }],
  },
  // silu(x) = x·σ(x) (SiLU, or swish), with σ as above
  silu: {
    js: (x, out) => {
      for (let i = 0; i < x.length; i++) {
        const v = x[i] as number;
        out[i] = v >= 0 ? v / (1 + Math.exp(-v)) : (v * Math.exp(v)) / (1 + Math.exp(v));
      }
    },
    wasm: [["exp"], (fn, [x], w, t) => {
      emitSigmoid(fn, x, w, t);
      fn.localGet(x).f32x4Mul();
    }],
  },
  tanh: { js: (x, out) => { for (let i = 0; i < x.length; i++) out[i] = Math.tanh(x[i] as number); } },
  reciprocal: { js: (x, out) => { for (let i = 0; i < x.length; i++) out[i] = 1 / (x[i] as number); } },
  square: {
    js: (x, out) => {
      for (let i = 0; i < x.length; i++) {
        const v = x[i] as number;
        out[i] = v * v;
      }
    },
  },
} satisfies Record<string, UnaryKernel>;

export type UnaryOp = keyof typeof UNARY_KERNELS;

/** The maps with a wasm body. */
export type WasmUnaryOp = { [Op in UnaryOp]: (typeof UNARY_KERNELS)[Op] extends { wasm: unknown } ? Op : never }[UnaryOp];

/** Whether `op` has a wasm body. */
export const hasWasmUnary = (op: UnaryOp): op is WasmUnaryOp => "wasm" in UNARY_KERNELS[op];
