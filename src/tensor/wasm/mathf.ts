/**
 * float32 exp and log1p as f32x4 code, and the sigmoid and exp(-|x|) built on exp, for the
 * elementwise kernels' exp, sigmoid, softplus and binary cross-entropy.
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
/** eʳ ≈ 1 + r + r²·P(r) on |r| ≤ ln2/2 (Cephes expf). */
const EXP_P = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];
/** log(1 + f) ≈ f - f²/2 + f³·P(f) on [√½ - 1, √2 - 1] (Cephes logf). */
const LOG1P_P = [
  7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
  -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
];
/** The f32 constants each function uses, splatted to every lane. */
const CONSTANTS = {
  exp: [100, -110, Math.LOG2E, LN2_HI, LN2_LO, 1, ...EXP_P],
  log1p: [1, 0.5, Math.SQRT2, LN2_HI, LN2_LO, ...LOG1P_P],
} as const;

export type MathFunction = keyof typeof CONSTANTS;

/** The locals holding the constants of `emitExp` and `emitLog1p`, set once per function call. */
export interface MathConstants {
  /** f32 value → the v128 local holding it in every lane. */
  splats: ReadonlyMap<number, number>;
  /** The i32 lanes 127 (a float's exponent bias), when exp is used. */
  bias: number;
}

/** Scratch locals for `emitExp` and `emitLog1p`, and the constants they read. */
export interface MathLocals extends MathConstants {
  a: number;
  b: number;
  c: number;
  d: number;
}

/**
 * The constants of the functions in `uses`, each set into a v128 local by code emitted here:
 * call this before the loop. NOTE: a constant in a local also takes 2 bytes per use where a
 * v128.const takes 18, which lets an unrolled loop fit in a small module.
 */
export function mathConstants(fn: FunctionBody, uses: readonly MathFunction[]): MathConstants {
  const splats = new Map<number, number>();
  for (const v of new Set(uses.flatMap((use) => CONSTANTS[use]))) {
    const local = fn.local(v128);
    fn.v128ConstF32(splat(v)).localSet(local);
    splats.set(v, local);
  }
  const bias = fn.local(v128);
  if (uses.includes("exp")) fn.i32Const(127).i32x4Splat().localSet(bias);
  return { splats, bias };
}

/** Fresh scratch locals beside `constants` (one set per unrolled copy of a loop body). */
export function mathLocals(fn: FunctionBody, constants: MathConstants): MathLocals {
  return { ...constants, a: fn.local(v128), b: fn.local(v128), c: fn.local(v128), d: fn.local(v128) };
}

/** Push the f32x4 of `v` in every lane, from the local `mathConstants` set it into. */
export function constant(fn: FunctionBody, t: MathLocals, v: number): void {
  const local = t.splats.get(v);
  if (local === undefined) throw new Error(`mathf: the constant ${v} was not set up (pass its function to mathConstants)`);
  fn.localGet(local);
}

/** Horner: c[0]·x^k + ... + c[k], leaving the value on the stack. */
function horner(fn: FunctionBody, x: number, coefficients: readonly number[], t: MathLocals): void {
  coefficients.forEach((c, i) => {
    if (i > 0) fn.localGet(x).f32x4Mul();
    constant(fn, t, c);
    if (i > 0) fn.f32x4Add();
  });
}

/**
 * exp(x) of the f32x4 in local `x`, left on the stack:
 *   n = round(x·log2 e), r = x - n·ln 2 (Cody–Waite, two parts), |r| ≤ ln2/2,
 *   eʳ ≈ 1 + r + r²·P(r) (Cephes expf, degree 5), exp(x) = eʳ · 2^⌊n/2⌋ · 2^(n-⌊n/2⌋).
 * Two scalings keep each factor a normal float, so a subnormal result is rounded once. x is
 * first clamped to [-110, 100], where exp is 0 and ∞ in float32; NaN passes the clamp
 * (pmin/pmax keep their first operand unless the second is strictly beyond it).
 */
export function emitExp(fn: FunctionBody, x: number, t: MathLocals): void {
  const { a: xc, b: n, c: r, d: z } = t;
  const k = (v: number): void => constant(fn, t, v);
  fn.localGet(x);
  k(100);
  fn.f32x4Pmin();
  k(-110);
  fn.f32x4Pmax().localTee(xc);
  k(Math.LOG2E);
  fn.f32x4Mul().f32x4Nearest().localSet(n);
  // r = (x - n·C1) - n·C2
  fn.localGet(xc).localGet(n);
  k(LN2_HI);
  fn.f32x4Mul().f32x4Sub().localGet(n);
  k(LN2_LO);
  fn.f32x4Mul().f32x4Sub().localTee(r);
  fn.localGet(r).f32x4Mul().localSet(z);
  // eʳ ≈ P(r)·r² + r + 1
  horner(fn, r, EXP_P, t);
  fn.localGet(z).f32x4Mul().localGet(r).f32x4Add();
  k(1);
  fn.f32x4Add().localSet(r);
  // n as i32 lanes; 2^k is the float with biased exponent k + 127: (k + 127) << 23
  fn.localGet(n).i32x4TruncSatF32x4S().localTee(n).i32Const(1).i32x4ShrS().localSet(z);
  fn.localGet(r);
  fn.localGet(z).localGet(t.bias).i32x4Add().i32Const(23).i32x4Shl().f32x4Mul();
  fn.localGet(n).localGet(z).i32x4Sub().localGet(t.bias).i32x4Add().i32Const(23).i32x4Shl().f32x4Mul();
}

/**
 * log1p(t) of the f32x4 in local `t`, for t in [0, 1], left on the stack (`t` is kept):
 *   m = 1 + t rounded, c = t - (m - 1) its rounding error, log1p(t) = log(m) + c/m to first order;
 *   m = 2^k·(1 + f) with k ∈ {0, 1}, f ∈ [√½ - 1, √2 - 1] exact (Sterbenz);
 *   log(1 + f) ≈ f - f²/2 + f³·P(f) (Cephes logf, degree 8), plus k·ln 2 in two parts.
 */
export function emitLog1p(fn: FunctionBody, t: number, s: MathLocals): void {
  const { a: m, b: k, c: f, d: z } = s;
  const c = (v: number): void => constant(fn, s, v);
  fn.localGet(t);
  c(1);
  fn.f32x4Add().localSet(m);
  // k = 1 where m > √2 (as a 0/1 float), f = m·2^-k - 1
  fn.localGet(m);
  c(Math.SQRT2);
  fn.f32x4Gt().localSet(k);
  fn.localGet(m);
  c(0.5);
  fn.f32x4Mul().localGet(m).localGet(k).v128Bitselect();
  c(1);
  fn.f32x4Sub().localSet(f);
  c(1);
  fn.localGet(k).v128And().localSet(k);
  // z holds c/m for now: c = t - (m - 1), both subtractions exact
  fn.localGet(t).localGet(m);
  c(1);
  fn.f32x4Sub().f32x4Sub().localGet(m).f32x4Div().localSet(z);
  // y = f³·P(f) + k·C2 + c/m - f²/2, then log1p = (f + y) + k·C1
  horner(fn, f, LOG1P_P, s);
  fn.localGet(f).f32x4Mul().localGet(f).f32x4Mul().localGet(f).f32x4Mul();
  fn.localGet(k);
  c(LN2_LO);
  fn.f32x4Mul().f32x4Add();
  fn.localGet(z).f32x4Add();
  fn.localGet(f).localGet(f).f32x4Mul();
  c(0.5);
  fn.f32x4Mul().f32x4Sub();
  fn.localGet(f).f32x4Add();
  fn.localGet(k);
  c(LN2_HI);
  fn.f32x4Mul().f32x4Add();
}

/** w = exp(-|x|) ≤ 1, the one exponential of sigmoid, softplus and BCE (never overflows). */
export function emitExpNegAbs(fn: FunctionBody, x: number, w: number, t: MathLocals): void {
  fn.localGet(x).f32x4Abs().f32x4Neg().localSet(w);
  emitExp(fn, w, t);
  fn.localSet(w);
}

/** σ(x) = 1/(1 + e) for x ≥ 0, e/(1 + e) for x < 0, with e = exp(-|x|), left on the stack. */
export function emitSigmoid(fn: FunctionBody, x: number, w: number, t: MathLocals): void {
  emitExpNegAbs(fn, x, w, t);
  emitSigmoidOfExp(fn, x, w, t);
}

/** σ(x) as in `emitSigmoid`, from e = exp(-|x|) already in local `w` (the BCE computed it), left on the stack. */
export function emitSigmoidOfExp(fn: FunctionBody, x: number, w: number, t: MathLocals): void {
  constant(fn, t, 1);
  fn.localGet(w).localGet(x).v128ConstF32([0, 0, 0, 0]).f32x4Ge().v128Bitselect();
  fn.localGet(w);
  constant(fn, t, 1);
  fn.f32x4Add().f32x4Div();
}
