/**
 * float32 exp and log1p as f32x4 code, for the elementwise module's exp, sigmoid and softplus.
 * Both are the Cephes single-precision algorithms (S. L. Moshier, Cephes Math Library, `expf.c`
 * and `logf.c`): Cody–Waite range reduction, then a minimax polynomial. Within 2 ulps of the
 * correctly rounded result over the whole float32 range, subnormal results included (the tests
 * measure this against float64 Math).
 */
import { ValType, type FunctionBody } from "./encoder.js";

const { v128 } = ValType;

const splat = (v: number): [number, number, number, number] => [v, v, v, v];

/** ln 2 = C1 + C2, C1 with 9 significant bits, so n·C1 is exact for |n| < 2^15. */
const LN2_HI = 0.693359375;
const LN2_LO = -2.12194440e-4;

/** Horner: c[0]·x^k + ... + c[k], leaving the value on the stack. */
function horner(fn: FunctionBody, x: number, coefficients: readonly number[]): void {
  coefficients.forEach((c, i) => {
    if (i > 0) fn.localGet(x).f32x4Mul().v128ConstF32(splat(c)).f32x4Add();
    else fn.v128ConstF32(splat(c));
  });
}

/** Scratch locals for `emitExp` and `emitLog1p`, allocated once per function. */
export interface MathLocals {
  a: number;
  b: number;
  c: number;
  d: number;
}

export function mathLocals(fn: FunctionBody): MathLocals {
  return { a: fn.local(v128), b: fn.local(v128), c: fn.local(v128), d: fn.local(v128) };
}

/**
 * exp(x) of the f32x4 in local `x`, left on the stack:
 *   n = round(x·log2 e), r = x - n·ln 2 (Cody–Waite, two parts), |r| ≤ ln2/2,
 *   eʳ ≈ 1 + r + r²·P(r) (Cephes expf, degree 5), exp(x) = eʳ · 2^⌊n/2⌋ · 2^(n-⌊n/2⌋).
 * Two scalings keep each factor a normal float, so a subnormal result is rounded once. x is
 * first clamped to [-110, 100], where exp is 0 and ∞ in float32; NaN passes the clamp.
 */
export function emitExp(fn: FunctionBody, x: number, t: MathLocals): void {
  const { a: xc, b: n, c: r, d: z } = t;
  fn.localGet(x).v128ConstF32(splat(100)).f32x4Min().v128ConstF32(splat(-110)).f32x4Max().localTee(xc);
  fn.v128ConstF32(splat(Math.LOG2E)).f32x4Mul().f32x4Nearest().localSet(n);
  // r = (x - n·C1) - n·C2
  fn.localGet(xc).localGet(n).v128ConstF32(splat(LN2_HI)).f32x4Mul().f32x4Sub();
  fn.localGet(n).v128ConstF32(splat(LN2_LO)).f32x4Mul().f32x4Sub().localTee(r);
  fn.localGet(r).f32x4Mul().localSet(z);
  // eʳ ≈ P(r)·r² + r + 1
  horner(fn, r, [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1]);
  fn.localGet(z).f32x4Mul().localGet(r).f32x4Add().v128ConstF32(splat(1)).f32x4Add().localSet(r);
  // n as i32 lanes; 2^k is the float with biased exponent k + 127: (k + 127) << 23
  fn.localGet(n).i32x4TruncSatF32x4S().localTee(n).i32Const(1).i32x4ShrS().localSet(z);
  fn.localGet(r);
  fn.localGet(z).i32Const(127).i32x4Splat().i32x4Add().i32Const(23).i32x4Shl().f32x4Mul();
  fn.localGet(n).localGet(z).i32x4Sub().i32Const(127).i32x4Splat().i32x4Add().i32Const(23).i32x4Shl().f32x4Mul();
}

/**
 * log1p(t) of the f32x4 in local `t`, for t in [0, 1], left on the stack (`t` is kept):
 *   m = 1 + t rounded, c = t - (m - 1) its rounding error, log1p(t) = log(m) + c/m to first order;
 *   m = 2^k·(1 + f) with k ∈ {0, 1}, f ∈ [√½ - 1, √2 - 1] exact (Sterbenz);
 *   log(1 + f) ≈ f - f²/2 + f³·P(f) (Cephes logf, degree 8), plus k·ln 2 in two parts.
 */
export function emitLog1p(fn: FunctionBody, t: number, s: MathLocals): void {
  const { a: m, b: k, c: f, d: z } = s;
  fn.localGet(t).v128ConstF32(splat(1)).f32x4Add().localSet(m);
  // k = 1 where m > √2 (as a 0/1 float), f = m·2^-k - 1
  fn.localGet(m).v128ConstF32(splat(Math.SQRT2)).f32x4Gt().localSet(k);
  fn.localGet(m).v128ConstF32(splat(0.5)).f32x4Mul().localGet(m).localGet(k).v128Bitselect();
  fn.v128ConstF32(splat(1)).f32x4Sub().localSet(f);
  fn.v128ConstF32(splat(1)).localGet(k).v128And().localSet(k);
  // z holds c/m for now: c = t - (m - 1), both subtractions exact
  fn.localGet(t).localGet(m).v128ConstF32(splat(1)).f32x4Sub().f32x4Sub().localGet(m).f32x4Div().localSet(z);
  // y = f³·P(f) + k·C2 + c/m - f²/2, then log1p = (f + y) + k·C1
  horner(fn, f, [
    7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
    -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
  ]);
  fn.localGet(f).f32x4Mul().localGet(f).f32x4Mul().localGet(f).f32x4Mul();
  fn.localGet(k).v128ConstF32(splat(LN2_LO)).f32x4Mul().f32x4Add();
  fn.localGet(z).f32x4Add();
  fn.localGet(f).localGet(f).f32x4Mul().v128ConstF32(splat(0.5)).f32x4Mul().f32x4Sub();
  fn.localGet(f).f32x4Add();
  fn.localGet(k).v128ConstF32(splat(LN2_HI)).f32x4Mul().f32x4Add();
}
