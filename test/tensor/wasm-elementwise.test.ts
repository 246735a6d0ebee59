/**
 * The WebAssembly SIMD elementwise kernels (add, sub, mul of equal shapes or a repeated row;
 * relu, step, neg) give bit-identical results to the plain-JS kernels, at sizes that leave a
 * partial f32x4 and with NaN, ±0 and ±∞ among the inputs; exp, sigmoid and softplus are within
 * 2 float32 ulps of float64 Math, tails (subnormal results, underflow, overflow) included, silu
 * within 3 (and 4 of the JS kernel); the
 * BCE from logits and its gradient are within a few float32 roundings of their terms; and
 * `binary`/`unary`/`bceWithLogits` pick them only where they apply; `addInto` (target += x in
 * place) gives the same bits on either path and refuses arrays of two lengths. Run chunk by chunk
 * (MAP_CHUNK floats of each array at a time), every map gives the bits of the same module run over
 * whole arrays at once, across chunk edges and ragged tails, for a row broadcast whose rows do not
 * divide a chunk or exceed one, and in place (out = a).
 */
import { describe, expect, it } from "vitest";
import { addInto, bceWithLogits, bceWithLogitsAndResidual, bceWithLogitsGrad, binary, reluGrad, unary, NDArray, setKernelPath, kernelPath } from "../../src/tensor/index.js";
import { Generator } from "../../src/tensor/random.js";
import { buildElementwiseModule, buildLossModule, buildLossResidualModule, createWasmElementwise, hasWasmBinary, MAP_CHUNK } from "../../src/tensor/wasm/elementwise.js";
import { reserve, roundUp, type WasmMemory } from "../../src/tensor/wasm/memory.js";
import { hasWasmUnary } from "../../src/tensor/unary.js";
import { instantiate, wasmKernels } from "../../src/tensor/wasm/kernels.js";

const gen = new Generator(3);
const SPECIAL = [NaN, 0, -0, Infinity, -Infinity, 1e-40];

function values(n: number): Float32Array {
  const x = new Float32Array(n);
  gen.fillNormal(x);
  for (let i = 0; i < n; i += 7) x[i] = SPECIAL[(i / 7) % SPECIAL.length] as number;
  return x;
}

const bits = (x: Float32Array): number[] => [...new Uint32Array(x.buffer, x.byteOffset, x.length)];

/** A float32's position on the number line, in ulps: adjacent floats differ by 1 (±0 are both 0). */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function ordinal(v: number): number {
  f32[0] = v;
  const b = u32[0] as number;
  return b >= 0x80000000 ? -(b - 0x80000000) : b;
}

/** The float64 references, rounded to float32 by the caller. */
const REFERENCE = {
  exp: Math.exp,
  sigmoid: (v: number): number => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v))),
  softplus: (v: number): number => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v))),
  silu: (v: number): number => (v >= 0 ? v / (1 + Math.exp(-v)) : (v * Math.exp(v)) / (1 + Math.exp(v))),
} as const;

/** The largest distance in ulps from the correctly rounded result (NaN must meet NaN). */
function maxUlps(op: keyof typeof REFERENCE, x: Float32Array, out: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const want = Math.fround(REFERENCE[op](x[i] as number));
    const got = out[i] as number;
    if (Number.isNaN(want) || Number.isNaN(got)) {
      if (Number.isNaN(want) !== Number.isNaN(got)) return Infinity;
      continue;
    }
    if (!Number.isFinite(want) || !Number.isFinite(got)) {
      if (want !== got) return Infinity;
      continue;
    }
    worst = Math.max(worst, Math.abs(ordinal(got) - ordinal(want)));
  }
  return worst;
}

/** The same op on the JS kernels. */
function onJs<T>(f: () => T): T {
  const before = kernelPath();
  setKernelPath("js");
  try {
    return f();
  } finally {
    setKernelPath(before === "wasm" ? "auto" : "js");
  }
}

describe.runIf(wasmKernels() !== null)("wasm elementwise kernels", () => {
  const kernels = createWasmElementwise();

  it.each([1, 3, 4, 5, 257, 1001])("add, sub, mul of %i elements (equal shapes) match JS bit for bit", (n) => {
    const a = values(n);
    const b = values(n).reverse();
    for (const op of ["add", "sub", "mul"] as const) {
      const out = new Float32Array(n);
      kernels.binary(op, a, b, out);
      const js = onJs(() => binary(op, new NDArray(a, [n]), new NDArray(b, [n])));
      expect(bits(out), op).toEqual(bits(js.data as Float32Array));
    }
  });

  it("a repeated row (bias) matches JS broadcasting", () => {
    const a = values(6 * 20);
    const b = values(20);
    for (const op of ["add", "sub", "mul"] as const) {
      const out = new Float32Array(a.length);
      kernels.binary(op, a, b, out);
      const js = onJs(() => binary(op, new NDArray(a, [6, 20]), new NDArray(b, [20])));
      expect(bits(out), op).toEqual(bits(js.data as Float32Array));
    }
    expect(() => kernels.binary("add", a, values(7), new Float32Array(a.length))).toThrow(/neither equal nor a row broadcast/);
  });

  it.each([1, 6, 300])("relu, step, neg of %i elements match JS bit for bit (NaN and -0 give 0 for relu)", (n) => {
    const x = values(n);
    for (const op of ["relu", "step", "neg"] as const) {
      const out = new Float32Array(n);
      kernels.unary(op, x, out);
      const js = onJs(() => unary(op, new NDArray(x, [n])));
      expect(bits(out), op).toEqual(bits(js.data as Float32Array));
    }
  });

  it.each([1, 6, 300])("reluGrad of %i elements matches JS bit for bit: g where y > 0, else +0 (NaN and ∞ in g too)", (n) => {
    const g = values(n);
    const y = values(n).reverse();
    const out = new Float32Array(n);
    kernels.reluGrad(g, y, out);
    const js = onJs(() => reluGrad(new NDArray(g, [n]), new NDArray(y, [n])).data as Float32Array);
    expect(bits(out)).toEqual(bits(js));
    out.forEach((v, i) => expect(Object.is(v, (y[i] as number) > 0 ? g[i] : 0) || (Number.isNaN(v) && Number.isNaN(g[i] as number))).toBe(true));
    // On the default path, 300 elements take the wasm kernel and give the same bits.
    if (n >= 256) expect(bits(reluGrad(new NDArray(g, [n]), new NDArray(y, [n])).data as Float32Array)).toEqual(bits(js));
  });

  it.each([1, 10, 30, 90, 120, 1e6])("exp, sigmoid, softplus are within 2 ulps on uniform inputs in ±%s", (range) => {
    const n = 100_003;
    const x = new Float32Array(n);
    gen.fillUniform(x);
    for (let i = 0; i < n; i++) x[i] = ((x[i] as number) * 2 - 1) * range;
    for (const op of ["exp", "sigmoid", "softplus"] as const) {
      const out = new Float32Array(n);
      kernels.unary(op, x, out);
      expect(maxUlps(op, x, out), op).toBeLessThanOrEqual(2);
    }
  });

  it.each([1, 10, 30, 80])("silu is within 3 ulps of float64 x·σ(x) on uniform inputs in ±%s, and of the JS kernel", (range) => {
    const n = 100_003;
    const x = new Float32Array(n);
    gen.fillUniform(x);
    for (let i = 0; i < n; i++) x[i] = ((x[i] as number) * 2 - 1) * range;
    const out = new Float32Array(n);
    kernels.unary("silu", x, out);
    const js = onJs(() => unary("silu", new NDArray(x, [n])).data as Float32Array);
    // σ within 2 ulps (as above), then one float32 product: 3 ulps; the JS loop rounds float64 once.
    expect(maxUlps("silu", x, out)).toBeLessThanOrEqual(3);
    expect(maxUlps("silu", x, js)).toBeLessThanOrEqual(1);
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(ordinal(out[i] as number) - ordinal(js[i] as number)));
    expect(worst).toBeLessThanOrEqual(4);
  });

  it("silu of NaN, ±∞, ±0 is what x·σ(x) gives in float32, as the JS kernel", () => {
    const x = Float32Array.from([NaN, Infinity, -Infinity, 0, -0, 5, -5]);
    const out = new Float32Array(x.length);
    kernels.unary("silu", x, out);
    const js = onJs(() => unary("silu", new NDArray(x, [x.length])).data as Float32Array);
    expect([out[0], out[1], out[2], out[3]]).toEqual([NaN, Infinity, NaN, 0]);
    expect(Object.is(out[4], -0)).toBe(true);
    expect([js[0], js[1], js[2], js[3]]).toEqual([NaN, Infinity, NaN, 0]);
    expect(maxUlps("silu", x, out)).toBeLessThanOrEqual(3);
  });

  it("keeps the tails: subnormal results, underflow to 0, overflow to ∞, NaN, ±0", () => {
    const x = Float32Array.from([-100, -87.5, -90, -103, -103.9, -104, -200, -Infinity, 88.72, 88.73, 100, Infinity, NaN, 0, -0, 1e-40, -1e-40, 20, -20]);
    const run = (op: "exp" | "sigmoid" | "softplus"): Float32Array => {
      const out = new Float32Array(x.length);
      kernels.unary(op, x, out);
      expect(maxUlps(op, x, out), op).toBeLessThanOrEqual(2);
      return out;
    };
    const exp = run("exp");
    const softplus = run("softplus");
    run("sigmoid");
    // softplus(-100) = e^-100 ≈ 3.72e-44: a positive subnormal (26 ulps of 2^-149), not 0
    expect(softplus[0]).toBeGreaterThan(0);
    expect(Math.abs(ordinal(softplus[0] as number) - ordinal(Math.fround(Math.exp(-100))))).toBeLessThanOrEqual(1);
    expect(exp[0]).toBeGreaterThan(0);
    expect([exp[6], exp[7], exp[9], exp[10], exp[11]]).toEqual([0, 0, Infinity, Infinity, Infinity]);
    expect(Number.isNaN(exp[12])).toBe(true);
    expect(Number.isNaN(softplus[12])).toBe(true);
  });

  it("the modules stay under 4 KiB (browsers refuse larger synchronous compiles on the main thread)", () => {
    expect(buildElementwiseModule().length).toBeLessThan(4096);
    expect(buildLossModule().length).toBeLessThan(4096);
    expect(buildLossResidualModule().length).toBeLessThan(4096);
  });

  /** Logits uniform in ±range, targets uniform in [0, 1] with every third one exactly 0 or 1. */
  function bceInputs(n: number, range: number): { l: Float32Array; t: Float32Array; g: Float32Array } {
    const l = new Float32Array(n);
    const t = new Float32Array(n);
    const g = values(n).map((v) => (Number.isFinite(v) ? v : 1));
    gen.fillUniform(l);
    gen.fillUniform(t);
    for (let i = 0; i < n; i++) {
      l[i] = ((l[i] as number) * 2 - 1) * range;
      if (i % 3 === 0) t[i] = i % 2;
    }
    return { l, t, g };
  }

  it.each([1, 10, 30, 120])("bce and its gradient are within a few float32 roundings of float64, logits in ±%s", (range) => {
    const n = 20_003;
    const { l, t, g } = bceInputs(n, range);
    const loss = new Float32Array(n);
    const grad = new Float32Array(n);
    kernels.bce(l, t, loss);
    kernels.bceGrad(g, l, t, grad);
    for (let i = 0; i < n; i++) {
      const [v, y, u] = [l[i] as number, t[i] as number, g[i] as number];
      // max(l, 0) - t·l and log1p(e^-|l|) each rounded a few times: ulps of |l| + 1
      const want = Math.max(v, 0) - y * v + Math.log1p(Math.exp(-Math.abs(v)));
      expect(Math.abs((loss[i] as number) - want), `bce(${v}, ${y})`).toBeLessThanOrEqual(2 ** -22 * (Math.abs(v) + 1));
      // σ(l) within 2 ulps of a number ≤ 1, minus t, times g (and a subnormal g's product rounded)
      const sigma = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
      expect(Math.abs((grad[i] as number) - u * (sigma - y)), `bceGrad(${u}, ${v}, ${y})`).toBeLessThanOrEqual(2 ** -21 * Math.abs(u) + 2 ** -149);
    }
  });

  it.each([1, 30, 120])("bceResidual gives bce's bits, and g·residual (one f32 multiply) bceGrad's, logits in ±%s", (range) => {
    const n = 20_003;
    const { l, t, g } = bceInputs(n, range);
    const [loss, grad, ownLoss, residual] = [n, n, n, n].map((size) => new Float32Array(size)) as [Float32Array, Float32Array, Float32Array, Float32Array];
    kernels.bce(l, t, loss);
    kernels.bceGrad(g, l, t, grad);
    kernels.bceResidual(l, t, ownLoss, residual);
    const product = residual.map((r, i) => Math.fround(r * (g[i] as number)));
    const differing = (a: Float32Array, b: Float32Array): number[] => [...a.keys()].filter((i) => !Object.is(a[i], b[i]));
    expect(differing(ownLoss, loss)).toEqual([]);
    expect(differing(product, grad)).toEqual([]);
  });

  it("bce keeps the tiny loss of a confident right answer (t = 1, large l) to full relative precision", () => {
    const l = Float32Array.from([20, 40, 80, -20, -40, -80]);
    const t = Float32Array.from([1, 1, 1, 0, 0, 0]);
    const loss = new Float32Array(l.length);
    kernels.bce(l, t, loss);
    l.forEach((v, i) => {
      const want = Math.log1p(Math.exp(-Math.abs(v)));
      expect(Math.abs((loss[i] as number) - want)).toBeLessThanOrEqual(4 * 2 ** -24 * want);
    });
  });

  it("grows its memory for large inputs and keeps working after", () => {
    const n = 300_000;
    const a = values(n);
    const out = new Float32Array(n);
    kernels.binary("mul", a, a, out);
    expect(out[1]).toBe(Math.fround((a[1] as number) * (a[1] as number)));
    kernels.unary("neg", a.subarray(0, 8), out.subarray(0, 8));
    expect(out[1]).toBe(-(a[1] as number));
  });

  it("binary and unary route through them on the default path, with JS results", () => {
    const a = new NDArray(values(512), [2, 256]);
    const b = new NDArray(values(256), [1, 256]);
    const c = new NDArray(values(3), [3]); // a row of 3 floats is not whole f32x4s: JS broadcasting
    const ours = [binary("add", a, b), binary("sub", b, a), unary("relu", a)];
    const js = onJs(() => [binary("add", a, b), binary("sub", b, a), unary("relu", a)]);
    ours.forEach((x, i) => expect(bits(x.data as Float32Array)).toEqual(bits((js[i] as NDArray).data as Float32Array)));
    expect(binary("mul", new NDArray(values(300), [100, 3]), c).shape).toEqual([100, 3]);
  });

  it("bceWithLogits and its gradient route through them for ≥ 256 float32 elements on the wasm path, JS below, and agree with JS", () => {
    for (const n of [300, 255]) {
      const { l, t, g } = bceInputs(n, 12);
      const [ln, tn, gn] = [new NDArray(l, [n]), new NDArray(t, [n]), new NDArray(g, [n])];
      const ours = [bceWithLogits(ln, tn), bceWithLogitsGrad(gn, ln, tn)];
      const js = onJs(() => [bceWithLogits(ln, tn), bceWithLogitsGrad(gn, ln, tn)]);
      const wasm = [new Float32Array(n), new Float32Array(n)];
      kernels.bce(l, t, wasm[0] as Float32Array);
      kernels.bceGrad(g, l, t, wasm[1] as Float32Array);
      ours.forEach((x, k) => {
        const expected = n >= 256 && kernelPath() === "wasm" ? (wasm[k] as Float32Array) : ((js[k] as NDArray).data as Float32Array);
        expect(bits(x.data as Float32Array), `${k} at ${n}`).toEqual(bits(expected));
        for (let i = 0; i < n; i++) expect(Math.abs((x.data[i] as number) - ((js[k] as NDArray).data[i] as number))).toBeLessThanOrEqual(2 ** -20 * 13);
      });
    }
  });

  it("bceWithLogitsAndResidual keeps σ(l) - t on the wasm path only, when asked, and the gradient from it has the bits of the one from the logits", () => {
    for (const n of [300, 255]) {
      const { l, t, g } = bceInputs(n, 12);
      const [ln, tn, gn] = [new NDArray(l, [n]), new NDArray(t, [n]), new NDArray(g, [n])];
      const kept = bceWithLogitsAndResidual(ln, tn, true);
      expect(bits(kept.loss.data as Float32Array)).toEqual(bits(bceWithLogits(ln, tn).data as Float32Array));
      expect(bceWithLogitsAndResidual(ln, tn, false).residual).toBeNull();
      expect(kept.residual === null, `residual at ${n}`).toBe(n < 256 || kernelPath() === "js");
      expect(bits(bceWithLogitsGrad(gn, ln, tn, kept.residual).data as Float32Array)).toEqual(bits(bceWithLogitsGrad(gn, ln, tn).data as Float32Array));
      expect(onJs(() => bceWithLogitsAndResidual(ln, tn, true).residual)).toBeNull();
    }
  });

  it("unary exp, sigmoid, softplus route through them for ≥ 256 float32 elements, JS below", () => {
    const big = new NDArray(values(300), [300]);
    const small = new NDArray(values(255), [255]);
    for (const op of ["exp", "sigmoid", "softplus"] as const) {
      const js = onJs(() => unary(op, big).data as Float32Array);
      const ours = unary(op, big).data as Float32Array;
      expect(maxUlps(op, big.data as Float32Array, ours), op).toBeLessThanOrEqual(2);
      expect(maxUlps(op, big.data as Float32Array, js), op).toBeLessThanOrEqual(1);
      expect(bits(unary(op, small).data as Float32Array), op).toEqual(bits(onJs(() => unary(op, small).data as Float32Array)));
    }
  });
});

/**
 * A module's export run once over whole arrays (the inputs copied in back to back, zero-padded to
 * whole steps of `step` bytes, the outputs after them): what a call did before it ran in chunks.
 */
function wholeArrays(bytes: Uint8Array, step: number): (name: string, inputs: readonly Float32Array[], ...outs: Float32Array[]) => void {
  const exports = instantiate(bytes) as unknown as Record<string, (...args: number[]) => void> & { memory: WasmMemory };
  return (name, inputs, ...outs) => {
    const n = (outs[0] as Float32Array).length;
    const slot = roundUp(n * 4, step);
    const arrays = [...inputs, ...outs];
    const view = reserve(exports.memory, arrays.length * slot);
    view.fill(0);
    inputs.forEach((x, k) => view.set(x, (k * slot) / 4));
    (exports[name] as (...args: number[]) => void)(...arrays.map((_, k) => k * slot), slot);
    outs.forEach((out, j) => out.set(view.subarray(((inputs.length + j) * slot) / 4, ((inputs.length + j) * slot) / 4 + n)));
  };
}

describe.runIf(wasmKernels() !== null)("wasm elementwise kernels, chunk by chunk", () => {
  const kernels = createWasmElementwise();
  const maps = wholeArrays(buildElementwiseModule(), 16);
  const losses = wholeArrays(buildLossModule(), 64);
  const residuals = wholeArrays(buildLossResidualModule(), 64);
  const SIZES = [MAP_CHUNK - 1, MAP_CHUNK, MAP_CHUNK + 1, 2 * MAP_CHUNK + 5, 3 * MAP_CHUNK + 16 + 3];

  it("MAP_CHUNK is whole steps of every module's loop (16 floats)", () => {
    expect(MAP_CHUNK % 16).toBe(0);
    expect(MAP_CHUNK).toBeGreaterThan(0);
  });

  it.each(SIZES)("every map of %i elements gives the bits of one pass over whole arrays", (n) => {
    const [x, y, z] = [values(n), values(n).reverse(), values(n).map((v, i) => (i % 3 === 0 ? i % 2 : Math.abs(v) % 1))];
    const pairs: [string, Float32Array, Float32Array][] = [];
    const check = (name: string, run: (out: Float32Array) => void, reference: (out: Float32Array) => void): void => {
      const [ours, want] = [new Float32Array(n).fill(7), new Float32Array(n)];
      run(ours);
      reference(want);
      pairs.push([name, ours, want]);
    };
    for (const op of ["relu", "step", "neg", "exp", "sigmoid", "softplus", "silu"] as const) check(op, (o) => kernels.unary(op, x, o), (o) => maps(op, [x], o));
    check("reluGrad", (o) => kernels.reluGrad(x, y, o), (o) => maps("reluGrad", [x, y], o));
    check("bce", (o) => kernels.bce(x, z, o), (o) => losses("bce", [x, z], o));
    check("bceGrad", (o) => kernels.bceGrad(y, x, z, o), (o) => losses("bceGrad", [y, x, z], o));
    const [loss, residual, wantLoss, wantResidual] = [n, n, n, n].map((size) => new Float32Array(size)) as [Float32Array, Float32Array, Float32Array, Float32Array];
    kernels.bceResidual(x, z, loss, residual);
    residuals("bceResidual", [x, z], wantLoss, wantResidual);
    pairs.push(["bceResidual loss", loss, wantLoss], ["bceResidual residual", residual, wantResidual]);
    for (const [name, ours, want] of pairs) expect(bits(ours), name).toEqual(bits(want));
  });

  it.each(SIZES)("add, sub, mul of %i elements (equal shapes) give the bits of JS, also in place", (n) => {
    const [a, b] = [values(n), values(n).reverse()];
    for (const op of ["add", "sub", "mul"] as const) {
      const want = bits(onJs(() => binary(op, new NDArray(a, [n]), new NDArray(b, [n]))).data as Float32Array);
      const out = new Float32Array(n);
      kernels.binary(op, a, b, out);
      expect(bits(out), op).toEqual(want);
      const inPlace = Float32Array.from(a);
      kernels.binary(op, inPlace, b, inPlace);
      expect(bits(inPlace), `${op} in place`).toEqual(want);
    }
  });

  // Rows of 20 (409 a chunk, 3000 rows: a ragged last chunk), 4, MAP_CHUNK (one a chunk), and MAP_CHUNK + 4 (longer than a chunk).
  it.each([[3000, 20], [4099, 4], [3, MAP_CHUNK], [3, MAP_CHUNK + 4]])("a repeated row over %i rows of %i gives the bits of JS broadcasting, also in place", (rows, length) => {
    const [a, b] = [values(rows * length), values(length)];
    for (const op of ["add", "sub", "mul"] as const) {
      const want = bits(onJs(() => binary(op, new NDArray(a, [rows, length]), new NDArray(b, [length]))).data as Float32Array);
      const out = new Float32Array(a.length);
      kernels.binary(op, a, b, out);
      expect(bits(out), op).toEqual(want);
      const inPlace = Float32Array.from(a);
      kernels.binary(op, inPlace, b, inPlace);
      expect(bits(inPlace), `${op} in place`).toEqual(want);
    }
  });
});

describe("the one list of wasm-backed elementwise ops", () => {
  const unaryOps = ["neg", "exp", "log", "sqrt", "abs", "sign", "relu", "step", "sigmoid", "softplus", "silu", "tanh", "reciprocal", "square"] as const;
  const binaryOps = ["add", "sub", "mul", "div", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge"] as const;

  it.runIf(wasmKernels() !== null)("names exactly the functions the wasm module exports (besides reluGrad and memory)", () => {
    const exported = Object.keys(instantiate(buildElementwiseModule()) as object);
    const listed = [...unaryOps.filter(hasWasmUnary), ...binaryOps.filter(hasWasmBinary)];
    expect(listed.sort()).toEqual(exported.filter((name) => name !== "reluGrad" && name !== "memory").sort());
    expect(listed.sort()).toEqual(["add", "exp", "mul", "neg", "relu", "sigmoid", "silu", "softplus", "step", "sub"]);
  });

  it.runIf(wasmKernels() !== null)("is what unary() and binary() route through the wasm kernels (a listed op gives the wasm bits)", () => {
    const before = kernelPath();
    const x = new NDArray(Float32Array.from({ length: 300 }, (_, i) => (i - 150) / 7), [300]);
    const kernels = createWasmElementwise();
    try {
      setKernelPath("auto");
      for (const op of unaryOps.filter(hasWasmUnary)) {
        const out = new Float32Array(300);
        kernels.unary(op, x.data as Float32Array, out);
        expect(bits(unary(op, x).data as Float32Array)).toEqual(bits(out));
      }
    } finally {
      setKernelPath(before === "wasm" ? "auto" : "js");
    }
  });
});

describe("addInto", () => {
  it.runIf(wasmKernels() !== null)("adds in place with the same bits on the wasm and the JS path, below and above the wasm's minimum size", () => {
    const before = kernelPath();
    try {
      for (const n of [1, 7, 255, 256, 1001]) {
        const x = values(n);
        const start = values(n).reverse();
        const run = (path: "wasm" | "js"): number[] => {
          setKernelPath(path);
          const target = Float32Array.from(start);
          addInto(target, x);
          return bits(target.map((v) => (Number.isNaN(v) ? NaN : v)));
        };
        const want = Array.from(start, (v, i) => Math.fround(v + (x[i] as number)));
        expect(run("wasm"), `n = ${n}`).toEqual(run("js"));
        expect(run("js"), `n = ${n}`).toEqual(bits(Float32Array.from(want)));
      }
    } finally {
      setKernelPath(before === "wasm" ? "auto" : "js");
    }
  });

  it("refuses arrays of two lengths", () => {
    expect(() => addInto(new Float32Array(4), new Float32Array(5))).toThrow("addInto: lengths differ, 4 and 5");
  });
});
