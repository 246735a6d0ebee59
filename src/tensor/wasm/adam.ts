/**
 * The float32 WebAssembly SIMD Adam/AdamW update (the formulas of `nn/optim/adam.ts`, in f32x4
 * arithmetic), and the arena that keeps an optimizer's moment buffers resident in wasm memory.
 *
 * Arena layout, in floats, every region a multiple of 4 (16 bytes):
 *
 *   [ θ scratch | g scratch | slot 0 | slot 1 | ... ]      sized once, never grown
 *
 * A slot holds one moment buffer of one parameter (m, v or v̂). Since the memory never grows,
 * `slot(i)` views stay valid for the arena's life, and an optimizer keeps them as its state.
 * A step copies θ and g into the scratch regions, updates in place, and copies θ out, a chunk
 * at a time.
 */
import { add, int, local, ModuleBuilder, ValType } from "./encoder.js";
import { compileModule, instantiateModule } from "./kernels.js";
import { reserve, roundUp, type WasmMemory } from "./memory.js";

const { i32, f32, v128 } = ValType;

/** The per-step scalars of the update, as `nn/optim/adam.ts` computes them. */
export interface AdamScalars {
  /** γ / (1 - β1^t). */
  stepSize: number;
  /** √(1 - β2^t). */
  bc2Sqrt: number;
  eps: number;
  /** 1 - β1, the lerp weight of m toward g. */
  w: number;
  beta2: number;
  /** AdamW: θ ← θ·decay first (1 for none). */
  decay: number;
  /** Adam: g ← g + l2·θ (0 for none). */
  l2: number;
}

/** `scale(ptr, bytes, c)`: x ← c·x (AdamW's decay); `axpy(y, x, bytes, a)`: y ← y + a·x (Adam's L2 term). */
function addDecayFunctions(mod: ModuleBuilder): void {
  mod.func("scale", { ptr: i32, bytes: i32, c: f32 }, [], (fn, p) => {
    const at = fn.local(i32), c = fn.local(v128);
    fn.localGet(p.c).f32x4Splat().localSet(c);
    fn.forRange(at, local(p.ptr), add(local(p.ptr), local(p.bytes)), int(16), () => {
      fn.localGet(at).localGet(at).v128Load().localGet(c).f32x4Mul().v128Store();
    });
  });
  mod.func("axpy", { y: i32, x: i32, bytes: i32, a: f32 }, [], (fn, p) => {
    const off = fn.local(i32), a = fn.local(v128);
    fn.localGet(p.a).f32x4Splat().localSet(a);
    fn.forRange(off, int(0), local(p.bytes), int(16), () => {
      fn.push(add(local(p.y), local(off)));
      fn.push(add(local(p.y), local(off))).v128Load().localGet(a);
      fn.push(add(local(p.x), local(off))).v128Load().f32x4Mul().f32x4Add().v128Store();
    });
  });
}

/**
 * `adam(bytes, theta, grad, m, v, vMax, stepSize, 1 / bc2Sqrt, eps, w, 1 - w, β2, 1 - β2, amsgrad)` over `bytes`
 * (1 - w and 1 - β2 come from float64, not rounded twice; NOTE: √v̂ is multiplied by 1 / √(1 - β2^t)
 * where torch divides by √(1 - β2^t), a division fewer per element, 10% off the update)
 * of each region (a multiple of 16); `scale(ptr, bytes, c)`: x ← c·x; `axpy(y, x, bytes, a)`: y ← y + a·x.
 */
function buildAdamModule(): Uint8Array {
  const mod = new ModuleBuilder().memory(1, "memory");
  addDecayFunctions(mod);
  const params = {
    bytes: i32, theta: i32, grad: i32, m: i32, v: i32, vMax: i32,
    stepSize: f32, bc2SqrtInverse: f32, eps: f32, w: f32, oneMinusW: f32, beta2: f32, oneMinusBeta2: f32, amsgrad: i32,
  };
  mod.func("adam", params, [], (fn, p) => {
    const off = fn.local(i32);
    const [g, mNew, second, wv, omw, b2, omb2, bc2, eps, step] = Array.from({ length: 10 }, () => fn.local(v128)) as [number, number, number, number, number, number, number, number, number, number];
    const splat = (to: number, emit: () => void): void => {
      emit();
      fn.f32x4Splat().localSet(to);
    };
    splat(wv, () => fn.localGet(p.w));
    splat(omw, () => fn.localGet(p.oneMinusW));
    splat(b2, () => fn.localGet(p.beta2));
    splat(omb2, () => fn.localGet(p.oneMinusBeta2));
    splat(bc2, () => fn.localGet(p.bc2SqrtInverse));
    splat(eps, () => fn.localGet(p.eps));
    splat(step, () => fn.localGet(p.stepSize));
    const at = (base: number): void => void fn.push(add(local(base), local(off)));
    /** One loop over the regions; `lerpFromG` picks torch's lerp form, `amsgrad` the running max. */
    const loop = (lerpFromG: boolean, amsgrad: boolean): void => {
      fn.forRange(off, int(0), local(p.bytes), int(16), () => {
        at(p.grad);
        fn.v128Load().localSet(g);
        // m_t = lerp(m, g, w): m + w·(g - m) for w < 0.5, else g - (g - m)·(1 - w)
        at(p.m);
        if (lerpFromG) {
          fn.localGet(g).localGet(g);
          at(p.m);
          fn.v128Load().f32x4Sub().localGet(omw).f32x4Mul().f32x4Sub();
        } else {
          at(p.m);
          fn.v128Load().localGet(g);
          at(p.m);
          fn.v128Load().f32x4Sub().localGet(wv).f32x4Mul().f32x4Add();
        }
        fn.localTee(mNew).v128Store();
        // v_t = β2·v + (1 - β2)·g·g
        at(p.v);
        at(p.v);
        fn.v128Load().localGet(b2).f32x4Mul().localGet(omb2).localGet(g).f32x4Mul().localGet(g).f32x4Mul().f32x4Add();
        fn.localTee(second).v128Store();
        if (amsgrad) {
          // v̂_t = max(v̂_{t-1}, v_t)
          at(p.vMax);
          at(p.vMax);
          fn.v128Load().localGet(second).f32x4Max().localTee(second).v128Store();
        }
        // θ_t = θ - stepSize·m_t / (√v̂_t · (1 / √(1 - β2^t)) + ε)
        at(p.theta);
        at(p.theta);
        fn.v128Load().localGet(step).localGet(mNew).localGet(second).f32x4Sqrt().localGet(bc2).f32x4Mul().localGet(eps).f32x4Add();
        fn.f32x4Div().f32x4Mul().f32x4Sub().v128Store();
      });
    };
    const lerpFromG = (): typeof fn => fn.f32Const(0.5).localGet(p.w).f32Le(); // 0.5 ≤ w
    fn.localGet(p.amsgrad).if(
      () => void lerpFromG().if(() => loop(true, true), () => loop(false, true)),
      () => void lerpFromG().if(() => loop(true, false), () => loop(false, false)),
    );
  });
  return mod.bytes();
}

interface AdamExports {
  memory: WasmMemory;
  adam: (...args: number[]) => void;
  scale: (ptr: number, bytes: number, c: number) => void;
  axpy: (y: number, x: number, bytes: number, a: number) => void;
}

/** An optimizer's moment buffers in wasm memory, and the update that runs over them. */
export interface AdamArena {
  /** Slot `index` as a Float32Array of its size; the same view on every call. */
  slot(index: number): Float32Array;
  /** One update of θ (in place) with gradient g and the moment slots m, v, v̂ (null without amsgrad). */
  update(theta: Float32Array, grad: Float32Array, m: number, v: number, vMax: number | null, s: AdamScalars): void;
}

const pad4 = (n: number): number => roundUp(n, 4);
/** Floats of θ and g copied in per call of the update: 64 KiB each, a multiple of 4. */
const CHUNK = 16384;
let compiled: object | undefined;

/** A fresh arena with slots of the given sizes (in floats; 0 for an unused slot). */
export function createAdamArena(slotSizes: readonly number[]): AdamArena {
  compiled ??= compileModule(buildAdamModule());
  const exports = instantiateModule(compiled) as unknown as AdamExports;
  const scratch = pad4(Math.min(CHUNK, Math.max(0, ...slotSizes)));
  const starts: number[] = [];
  let end = 2 * scratch;
  for (const size of slotSizes) {
    starts.push(end);
    end += pad4(size);
  }
  const { memory } = exports;
  const heap = reserve(memory, end * 4);
  const views = slotSizes.map((size, i) => heap.subarray(starts[i] as number, (starts[i] as number) + size));
  const thetaPtr = 0;
  const gradPtr = scratch * 4;
  return {
    slot(index) {
      const view = views[index];
      if (view === undefined) throw new RangeError(`AdamArena: no slot ${index} (has ${views.length})`);
      return view;
    },
    update(theta, grad, m, v, vMax, s) {
      const n = theta.length;
      for (const index of vMax === null ? [m, v] : [m, v, vMax]) {
        if (this.slot(index).length !== n) throw new RangeError(`AdamArena: slot ${index} holds ${this.slot(index).length} floats, θ has ${n}`);
      }
      if (grad.length !== n) throw new RangeError(`AdamArena: θ has ${n} elements, its gradient ${grad.length}`);
      const ptr = (index: number, at: number): number => ((starts[index] as number) + at) * 4;
      // NOTE: a chunk at a time, so that θ and g are still in cache when the update reads them,
      // and θ when it is copied out (a 784×400 matrix with its gradient and moments is 5 MB).
      for (let at = 0; at < n; at += CHUNK) {
        const count = Math.min(CHUNK, n - at);
        const padded = pad4(count);
        // Zero the tail lanes, so padding computes on zeros (and its slot lanes stay 0).
        heap.fill(0, thetaPtr / 4 + count, thetaPtr / 4 + padded);
        heap.fill(0, gradPtr / 4 + count, gradPtr / 4 + padded);
        heap.set(theta.subarray(at, at + count), thetaPtr / 4);
        heap.set(grad.subarray(at, at + count), gradPtr / 4);
        if (s.decay !== 1) exports.scale(thetaPtr, padded * 4, s.decay);
        if (s.l2 !== 0) exports.axpy(gradPtr, thetaPtr, padded * 4, s.l2);
        exports.adam(
          padded * 4, thetaPtr, gradPtr, ptr(m, at), ptr(v, at), vMax === null ? 0 : ptr(vMax, at),
          s.stepSize, 1 / s.bc2Sqrt, s.eps, s.w, 1 - s.w, s.beta2, 1 - s.beta2, vMax === null ? 0 : 1,
        );
        theta.set(heap.subarray(thetaPtr / 4, thetaPtr / 4 + count), at);
      }
    },
  };
}
