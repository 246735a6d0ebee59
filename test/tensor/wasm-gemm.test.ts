/**
 * The WebAssembly SIMD gemm and the binary encoder that emits it.
 *
 * The encoder: LEB128 edge values against the spec's examples, and a hand-built module whose
 * every instruction kind is run and compared with JavaScript. The kernel: random shapes biased to
 * the micro-kernel's block boundaries, both transpose flags and non-zero offsets, against a
 * float64 loop (exactly, on small-integer inputs where float32 sums are exact in any order) and
 * against the JS gemm; plus k slicing, memory growth, NaN containment and argument checks.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gemm as gemmJs } from "../../src/tensor/matmul.js";
import { Generator } from "../../src/tensor/random.js";
import { ModuleBuilder, signedLeb, unsignedLeb, ValType, type Label } from "../../src/tensor/wasm/encoder.js";
import { buildGemmModule, GEMM_SHAPE, KC_MAX } from "../../src/tensor/wasm/gemm.js";
import { createWasmKernels, instantiate, simdProbe, wasmKernels, type WasmKernels } from "../../src/tensor/wasm/kernels.js";

const { i32, i64, f32 } = ValType;

describe("LEB128", () => {
  it("encodes unsigned edge values", () => {
    const cases: [number, number[]][] = [
      [0, [0x00]], [1, [0x01]], [127, [0x7f]], [128, [0x80, 0x01]], [255, [0xff, 0x01]],
      [16383, [0xff, 0x7f]], [16384, [0x80, 0x80, 0x01]], [624485, [0xe5, 0x8e, 0x26]],
      [2 ** 32 - 1, [0xff, 0xff, 0xff, 0xff, 0x0f]],
    ];
    for (const [value, bytes] of cases) expect(unsignedLeb(value), String(value)).toEqual(bytes);
  });

  it("encodes signed edge values", () => {
    const cases: [number, number[]][] = [
      [0, [0x00]], [1, [0x01]], [-1, [0x7f]], [63, [0x3f]], [64, [0xc0, 0x00]], [-64, [0x40]],
      [-65, [0xbf, 0x7f]], [127, [0xff, 0x00]], [-128, [0x80, 0x7f]], [-123456, [0xc0, 0xbb, 0x78]],
      [2 ** 31 - 1, [0xff, 0xff, 0xff, 0xff, 0x07]], [-(2 ** 31), [0x80, 0x80, 0x80, 0x80, 0x78]],
    ];
    for (const [value, bytes] of cases) expect(signedLeb(value), String(value)).toEqual(bytes);
  });

  it("rejects values outside u32 / i32 and non-integers", () => {
    for (const bad of [-1, 2 ** 32, 0.5, NaN]) expect(() => unsignedLeb(bad)).toThrow(RangeError);
    for (const bad of [2 ** 31, -(2 ** 31) - 1, 1.5]) expect(() => signedLeb(bad)).toThrow(RangeError);
  });
});

/** A module exercising every kind of instruction the kernels use, run from JavaScript. */
function handBuiltModule(): Uint8Array {
  const mod = new ModuleBuilder().memory(1, "memory");
  // sum(n) = 0 + 1 + ... + (n - 1): block, loop, br_if, br, local.tee, i32 arithmetic.
  mod.func("sum", { n: i32 }, [i32], (fn, p) => {
    const i = fn.local(i32);
    const total = fn.local(i32);
    fn.block((exit) => fn.loop((top) => {
      fn.localGet(i).localGet(p.n).i32GeS().brIf(exit);
      fn.localGet(total).localGet(i).i32Add().localSet(total);
      fn.localGet(i).i32Const(1).i32Add().localTee(i).drop().br(top);
    }));
    fn.localGet(total);
  });
  // simd(ptr): out[ptr+32..] = max(x·y + splat(c) - x, x) / y, and lane 2 replaced by sqrt lane 1.
  const simd = mod.func(null, { ptr: i32, c: f32 }, [], (fn, p) => {
    const x = fn.local(ValType.v128);
    fn.localGet(p.ptr).v128Load().localSet(x);
    fn.localGet(p.ptr);
    fn.localGet(x).localGet(p.ptr).v128Load(16).f32x4Mul().localGet(p.c).f32x4Splat().f32x4Add().localGet(x).f32x4Sub();
    fn.localGet(x).f32x4Max().localGet(p.ptr).v128Load(16).f32x4Div();
    fn.localGet(x).f32x4Sqrt().f32x4ExtractLane(1).f32x4ReplaceLane(2).v128Store(32);
  });
  // Calls `simd`, then: shuffle (reverse x), v128.const, load32_splat, f32 ops, memory.fill, i64 copy, select, if/else.
  mod.func("run", { ptr: i32, flag: i32 }, [f32], (fn, p) => {
    fn.localGet(p.ptr).f32Const(0.5).call(simd);
    fn.localGet(p.ptr).localGet(p.ptr).v128Load().localGet(p.ptr).v128Load()
      .i8x16Shuffle([12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3]).v128Store(48);
    fn.localGet(p.ptr).v128ConstF32([1, -2, 3.5, -0]).localGet(p.ptr).v128Load32Splat(4).f32x4Mul().v128Store(64);
    fn.localGet(p.ptr).i32Const(80).i32Add().i32Const(0).i32Const(16).memoryFill();
    fn.localGet(p.ptr).localGet(p.ptr).i64Load(0).i64Store(80);
    fn.localGet(p.ptr).localGet(p.ptr).i32Load(0).localGet(p.ptr).i32Load(4).localGet(p.flag).select().i32Store(96);
    const result = fn.local(f32);
    fn.localGet(p.flag).if(
      () => void fn.f32Const(1.25).localGet(p.ptr).f32Load(4).f32Mul().localSet(result),
      () => void fn.f32Const(1.25).localGet(p.ptr).f32Load(4).f32Sub().localSet(result),
    );
    fn.localGet(result).f32Const(0).f32Add().memorySize().i32Const(1).i32Eq().drop();
  });
  return mod.bytes();
}

describe("ModuleBuilder", () => {
  it("builds a module that validates and runs: control flow, i32, f32, SIMD, memory", () => {
    const bytes = handBuiltModule();
    const exports = instantiate(bytes);
    const sum = exports.sum as (n: number) => number;
    const run = exports.run as (ptr: number, flag: number) => number;
    const memory = exports.memory as { buffer: ArrayBuffer };
    expect([sum(0), sum(1), sum(10), sum(1000)]).toEqual([0, 0, 45, 499500]);

    const heap = new Float32Array(memory.buffer);
    const x = [1, 4, -9, 2.5];
    const y = [2, -1, 3, 0.5];
    const reset = (): void => {
      heap.fill(7, 0, 32);
      heap.set(x, 4);
      heap.set(y, 8);
    };
    reset();
    const f = Math.fround;
    const expected = x.map((xi, i) => f(Math.max(f(f(f(xi * (y[i] as number)) + 0.5) - xi), xi) / (y[i] as number)));
    expected[2] = f(Math.sqrt(4));
    expect(run(16, 1)).toBe(f(1.25 * 4));
    expect(Array.from(heap.subarray(12, 16))).toEqual(expected);
    expect(Array.from(heap.subarray(16, 20))).toEqual([...x].reverse());
    expect(Array.from(heap.subarray(20, 24))).toEqual([4, -8, 14, -0]);
    expect(Array.from(heap.subarray(24, 28))).toEqual([1, 4, 0, 0]); // i64 copy over the zero fill
    expect(new Int32Array(memory.buffer, 16 + 96, 1)[0]).toBe(new Int32Array(memory.buffer, 16, 1)[0]);
    reset();
    expect(run(16, 0)).toBe(f(1.25 - 4));
    expect(new Int32Array(memory.buffer, 16 + 96, 1)[0]).toBe(new Int32Array(memory.buffer, 20, 1)[0]);
  });

  it("shares one type between functions of the same signature", () => {
    const one = new ModuleBuilder();
    one.func("a", { x: i32 }, [i32], (fn, p) => void fn.localGet(p.x));
    const two = new ModuleBuilder();
    two.func("a", { x: i32 }, [i32], (fn, p) => void fn.localGet(p.x));
    two.func("b", { y: i32 }, [i32], (fn, p) => void fn.localGet(p.y));
    // The second function adds a type index, an export "b" (4 bytes) and a body (5), no second type.
    const added = two.bytes().length - one.bytes().length;
    expect(added).toBe(1 + (1 + 1 + 1 + 1) + (1 + 1 + 2 + 1));
    expect((instantiate(two.bytes()).b as (y: number) => number)(42)).toBe(42);
  });

  it("refuses branches to closed blocks and malformed immediates", () => {
    const mod = new ModuleBuilder();
    expect(() => mod.func("f", {}, [], (fn) => {
      const labels: Label[] = [];
      fn.block((exit) => void labels.push(exit));
      fn.block(() => fn.br(labels[0] as Label)); // closed, though a block at the same depth is open
    })).toThrow(/not open/);
    expect(() => mod.func("g", { x: i64 }, [], (fn) => void fn.i8x16Shuffle([0, 1, 2]))).toThrow(RangeError);
  });
});

describe("the gemm module", () => {
  it("is deterministic: the same bytes on every build", () => {
    const first = buildGemmModule();
    expect(Array.from(buildGemmModule())).toEqual(Array.from(first));
    expect(Array.from(buildGemmModule({ ...GEMM_SHAPE }))).toEqual(Array.from(first));
  });

  it("validates, and stays under 4 KiB (browsers refuse larger synchronous compiles on the main thread)", () => {
    const bytes = buildGemmModule();
    expect(bytes.length).toBeLessThan(4096);
    expect(() => instantiate(bytes)).not.toThrow();
    expect(() => instantiate(simdProbe())).not.toThrow();
  });

  it("wasmKernels() is available here, and built once", () => {
    const kernels = wasmKernels();
    expect(kernels).not.toBeNull();
    expect(wasmKernels()).toBe(kernels);
  });
});

interface Case {
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
  aOffset: number;
  bOffset: number;
  outOffset: number;
  seed: number;
}

/** Sizes 0..70, half of them on or next to a multiple of MR, NR or 4 (the edges of every path). */
const boundaries = [...new Set([GEMM_SHAPE.mr, GEMM_SHAPE.nr, 4].flatMap((b) =>
  Array.from({ length: Math.floor(70 / b) }, (_, j) => [b * (j + 1) - 1, b * (j + 1), b * (j + 1) + 1]).flat(),
))].filter((d) => d <= 70).concat([0, 1, 2]);
const dim = fc.oneof(fc.integer({ min: 0, max: 70 }), fc.constantFrom(...boundaries));
const caseArb: fc.Arbitrary<Case> = fc.record({
  m: dim, n: dim, k: dim, transposeA: fc.boolean(), transposeB: fc.boolean(),
  aOffset: fc.nat(9), bOffset: fc.nat(9), outOffset: fc.nat(9), seed: fc.nat(),
});

interface Operands {
  a: Float32Array;
  b: Float32Array;
  out: Float32Array;
}

/** A and B with `offset` leading and 5 trailing extra entries; `integers` draws from -8..8. */
function operands(c: Case, integers: boolean): Operands {
  const rng = new Generator(c.seed);
  const fill = (size: number): Float32Array => {
    const data = new Float32Array(size);
    if (!integers) return rng.fillNormal(data) as Float32Array;
    for (let i = 0; i < size; i++) data[i] = rng.integer(17) - 8;
    return data;
  };
  return { a: fill(c.aOffset + c.m * c.k + 5), b: fill(c.bOffset + c.k * c.n + 5), out: new Float32Array(c.outOffset + c.m * c.n + 5).fill(-3) };
}

/** op(A)·op(B) in float64 from the stored layouts. */
function reference(c: Case, { a, b }: Operands): Float64Array {
  const out = new Float64Array(c.m * c.n);
  for (let i = 0; i < c.m; i++) {
    for (let j = 0; j < c.n; j++) {
      let sum = 0;
      for (let p = 0; p < c.k; p++) {
        const aip = a[c.aOffset + (c.transposeA ? p * c.m + i : i * c.k + p)] as number;
        const bpj = b[c.bOffset + (c.transposeB ? j * c.k + p : p * c.n + j)] as number;
        sum += aip * bpj;
      }
      out[i * c.n + j] = sum;
    }
  }
  return out;
}

function run(kernels: WasmKernels, c: Case, { a, b, out }: Operands): Float32Array {
  kernels.gemm(c.m, c.n, c.k, a, c.aOffset, c.transposeA, b, c.bOffset, c.transposeB, out, c.outOffset);
  return out;
}

const maxAbs = (data: Float32Array): number => data.reduce((acc, v) => Math.max(acc, Math.abs(v)), 0);

/** The result region equals `want` within `tolerance`; the entries around it are untouched. */
function expectResult(c: Case, out: Float32Array, want: ArrayLike<number>, tolerance: number): void {
  for (let i = 0; i < c.m * c.n; i++) {
    const got = out[c.outOffset + i] as number;
    if (!(Math.abs(got - (want[i] as number)) <= tolerance)) {
      throw new Error(`entry ${i} of ${JSON.stringify(c)}: ${got} vs ${want[i]} (tolerance ${tolerance})`);
    }
  }
  const outside = [...out.subarray(0, c.outOffset), ...out.subarray(c.outOffset + c.m * c.n)];
  expect(outside.every((v) => v === -3)).toBe(true);
}

function requireKernels(): WasmKernels {
  const kernels = wasmKernels();
  if (kernels === null) throw new Error("wasmKernels() is null: this Node has WebAssembly SIMD, so this is a bug");
  return kernels;
}

/** The default instance, and others that exercise unrolling, padding, odd widths and short k slices. */
const instances: [string, () => WasmKernels][] = [
  ["default", requireKernels],
  [`default shape, k slices of 8`, () => createWasmKernels(GEMM_SHAPE, 8)],
  ["3x8, unroll 4, k slices of 12", () => createWasmKernels({ mr: 3, nr: 8, unroll: 4 }, 12)],
  ["4x12, unroll 2", () => createWasmKernels({ mr: 4, nr: 12, unroll: 2 })],
  ["2x4, unroll 3, k slices of 5", () => createWasmKernels({ mr: 2, nr: 4, unroll: 3 }, 5)],
];

describe.each(instances)("wasm gemm (%s)", (_, make) => {
  const kernels = make();

  it("is exact on small-integer inputs (float32 sums of them are exact in any order)", () => {
    fc.assert(fc.property(caseArb, (c) => {
      const ops = operands(c, true);
      expectResult(c, run(kernels, c, ops), reference(c, ops), 0);
    }));
  });

  it("matches a float64 loop and the JS gemm within float32 rounding", () => {
    fc.assert(fc.property(caseArb, (c) => {
      const ops = operands(c, false);
      const tolerance = 1e-5 * Math.max(c.k, 1) * maxAbs(ops.a) * maxAbs(ops.b);
      expectResult(c, run(kernels, c, ops), reference(c, ops), tolerance);
      const js = new Float32Array(c.m * c.n);
      gemmJs(c.m, c.n, c.k, ops.a, c.aOffset, c.transposeA, ops.b, c.bOffset, c.transposeB, js, 0);
      expectResult(c, ops.out, js, tolerance);
    }));
  });

  it("adds a bias row to every row of C, exactly on small integers (full and edge tiles, any k slice)", () => {
    fc.assert(fc.property(caseArb, fc.integer({ min: 0, max: 3 }), (c, biasOffset) => {
      const ops = operands(c, true);
      const bias = Float32Array.from({ length: biasOffset + c.n + 2 }, (_, j) => (j < biasOffset ? NaN : ((j * 7) % 11) - 5));
      kernels.gemm(c.m, c.n, c.k, ops.a, c.aOffset, c.transposeA, ops.b, c.bOffset, c.transposeB, ops.out, c.outOffset, bias, biasOffset);
      const want = reference(c, ops).map((v, index) => v + (bias[biasOffset + (index % c.n)] as number));
      expectResult(c, ops.out, want, 0);
    }));
  });
});

describe("wasm gemm: beyond the property ranges", () => {
  const kernels = requireKernels();
  const base: Case = { m: 0, n: 0, k: 0, transposeA: false, transposeB: false, aOffset: 3, bOffset: 1, outOffset: 2, seed: 7 };

  it("slices long k at KC_MAX and accumulates the slices", () => {
    for (const k of [KC_MAX - 1, KC_MAX, KC_MAX + 1, 2 * KC_MAX + 3]) {
      for (const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const c = { ...base, m: 5, n: 19, k, transposeA, transposeB };
        const ops = operands(c, true);
        expectResult(c, run(kernels, c, ops), reference(c, ops), 0);
      }
    }
  });

  it("computes few columns as Cᵀ (the VAE's n = 20 heads): exact on integers, with and without bias", () => {
    for (const [m, n, k] of [[128, 20, 400], [400, 20, 128], [33, 3, 17]] as const) {
      for (const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const c = { ...base, m, n, k, transposeA, transposeB };
        const ops = operands(c, true);
        expectResult(c, run(kernels, c, ops), reference(c, ops), 0);
        const bias = Float32Array.from({ length: n + 1 }, (_, j) => (j === 0 ? NaN : ((j * 7) % 11) - 5));
        kernels.gemm(m, n, k, ops.a, c.aOffset, transposeA, ops.b, c.bOffset, transposeB, ops.out, c.outOffset, bias, 1);
        expectResult(c, ops.out, reference(c, ops).map((v, index) => v + (bias[1 + (index % n)] as number)), 0);
      }
    }
  });

  it("reuses and grows its memory: small, large, small again, each result right", () => {
    for (const [m, n, k] of [[3, 5, 7], [150, 170, 300], [2, 2, 2], [400, 33, 500], [1, 1, 1]] as const) {
      const c = { ...base, m, n, k, transposeB: m % 2 === 0 };
      const ops = operands(c, true);
      expectResult(c, run(kernels, c, ops), reference(c, ops), 0);
    }
  });

  it("gives the same bits when run twice", () => {
    const c = { ...base, m: 37, n: 45, k: 300, transposeA: true };
    const first = Array.from(run(kernels, c, operands(c, false)));
    expect(Array.from(run(kernels, c, operands(c, false)))).toEqual(first);
  });

  it("keeps a NaN or Inf in its own row and column: zero padding never leaks into real entries", () => {
    for (const [transposeA, transposeB] of [[false, false], [true, true]] as const) {
      const c = { ...base, m: 7, n: 21, k: 9, transposeA, transposeB };
      const ops = operands(c, false);
      ops.a[c.aOffset + (transposeA ? 4 * c.m + 6 : 6 * c.k + 4)] = Infinity; // op(A)[6, 4]
      ops.b[c.bOffset + (transposeB ? 20 * c.k + 2 : 2 * c.n + 20)] = NaN; // op(B)[2, 20]
      const out = run(kernels, c, ops).subarray(c.outOffset, c.outOffset + c.m * c.n);
      out.forEach((v, index) => {
        const [i, j] = [Math.floor(index / c.n), index % c.n];
        expect(Number.isFinite(v), `(${i}, ${j})`).toBe(i !== 6 && j !== 20);
      });
    }
  });

  it("writes zeros when k = 0 and nothing when m or n is 0", () => {
    const out = new Float32Array(8).fill(5);
    kernels.gemm(2, 3, 0, new Float32Array(0), 0, false, new Float32Array(0), 0, true, out, 1);
    expect(Array.from(out)).toEqual([5, 0, 0, 0, 0, 0, 0, 5]);
    kernels.gemm(0, 3, 4, new Float32Array(0), 0, false, new Float32Array(12), 0, false, out, 0);
    kernels.gemm(3, 0, 4, new Float32Array(12), 0, true, new Float32Array(0), 0, false, out, 0);
    expect(Array.from(out)).toEqual([5, 0, 0, 0, 0, 0, 0, 5]);
    kernels.gemm(2, 3, 0, new Float32Array(0), 0, false, new Float32Array(0), 0, true, out, 1, Float32Array.of(9, 1, 2, 3), 1);
    expect(Array.from(out)).toEqual([5, 1, 2, 3, 1, 2, 3, 5]);
  });

  it("names the operand that is too short", () => {
    const ok = new Float32Array(12);
    expect(() => kernels.gemm(3, 3, 4, ok, 1, false, ok, 0, false, ok, 0)).toThrow(/A needs 12 elements from offset 1/);
    expect(() => kernels.gemm(3, 3, 4, ok, 0, false, new Float32Array(11), 0, false, ok, 0)).toThrow(/B needs 12/);
    expect(() => kernels.gemm(3, 3, 4, ok, 0, false, ok, 0, false, ok, 4)).toThrow(/out needs 9 elements from offset 4/);
  });
});
