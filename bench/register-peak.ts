/**
 * The register peak of 128-bit WebAssembly SIMD on this machine: what a gemm micro-kernel could
 * reach if it never waited for memory. A loop keeps the micro-kernel's accumulators in registers
 * (8 of them, each `acc += a_r · b_q` with a separate mul and add, as our kernels do) and loads
 * nothing; its GFLOP/s (2 flops per lane per mul+add) is the ceiling that `bench/matmul.ts` prints
 * beside our gemm, for f32x4 and f64x2. One thread.
 */
import { int, local, ModuleBuilder, sub, ValType } from "../src/tensor/wasm/encoder.js";
import { instantiate } from "../src/tensor/wasm/kernels.js";

const { i32, v128 } = ValType;
const ROWS = 2;
const VECTORS = 4;

/** Four f32 lanes holding the bits of `value` in every lane of `element` (v128ConstF32 takes f32 lanes). */
function splatLanes(element: "f32" | "f64", value: number): [number, number, number, number] {
  const view = new DataView(new ArrayBuffer(16));
  if (element === "f32") for (let i = 0; i < 4; i++) view.setFloat32(4 * i, value, true);
  else for (let i = 0; i < 2; i++) view.setFloat64(8 * i, value, true);
  return [0, 1, 2, 3].map((i) => view.getFloat32(4 * i, true)) as [number, number, number, number];
}

/** `spin(count)`: count iterations of ROWS × VECTORS independent vector mul+adds on registers. */
function buildPeakModule(element: "f32" | "f64"): Uint8Array {
  const mod = new ModuleBuilder();
  mod.func("spin", { count: i32 }, [], (fn, p) => {
    const acc = Array.from({ length: ROWS * VECTORS }, () => fn.local(v128));
    const a = Array.from({ length: ROWS }, () => fn.local(v128));
    const b = Array.from({ length: VECTORS }, () => fn.local(v128));
    // Values that stay finite however long the loop runs: acc grows by 1e-9 per step.
    for (const x of a) fn.v128ConstF32(splatLanes(element, 1e-5)).localSet(x);
    for (const x of b) fn.v128ConstF32(splatLanes(element, 1e-4)).localSet(x);
    for (const x of acc) fn.v128ConstF32([0, 0, 0, 0]).localSet(x);
    fn.loop((top) => {
      for (let r = 0; r < ROWS; r++) {
        for (let q = 0; q < VECTORS; q++) {
          const c = acc[r * VECTORS + q] as number;
          fn.localGet(c).localGet(a[r] as number).localGet(b[q] as number);
          if (element === "f32") fn.f32x4Mul().f32x4Add();
          else fn.f64x2Mul().f64x2Add();
          fn.localSet(c);
        }
      }
      fn.push(sub(local(p.count), int(1))).localTee(p.count).brIf(top);
    });
    // Keep the sums alive: store them where the optimizer cannot prove them unused.
    acc.forEach((c, i) => fn.i32Const(16 * i).localGet(c).v128Store());
  });
  mod.memory(1, "memory");
  return mod.bytes();
}

/**
 * `trials` timings of the loop, in GFLOP/s: their best (the ceiling, reached in a run that no
 * other process interrupted) and their median (comparable with a median of the gemm's runs).
 */
export function registerPeak(element: "f32" | "f64", trials = 15): { best: number; median: number } {
  const spin = instantiate(buildPeakModule(element)).spin as (count: number) => void;
  const lanes = element === "f32" ? 4 : 2;
  const flopsPerStep = ROWS * VECTORS * lanes * 2;
  const count = 500_000;
  spin(count);
  const rates: number[] = [];
  for (let t = 0; t < trials; t++) {
    const start = performance.now();
    spin(count);
    rates.push((count * flopsPerStep) / ((performance.now() - start) / 1000) / 1e9);
  }
  rates.sort((x, y) => x - y);
  return { best: rates[rates.length - 1] as number, median: rates[rates.length >> 1] as number };
}
