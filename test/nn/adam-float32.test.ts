/**
 * Adam and AdamW on float32 parameters, which on the wasm kernel path run the WebAssembly SIMD
 * update with the moments resident in wasm memory (and on the js path the float64 loop, stored
 * in float32). Checked on both paths against a float64 reference loop of torch's formulas, on
 *
 *   L(θ) = Σ_i a_i·(θ_i - c_i)² + q_i·θ_i⁴,   ∇L_i = 2a_i·(θ_i - c_i) + 4q_i·θ_i³
 *
 * over parameters whose sizes are not multiples of 4 (the SIMD tail), plus save/restore.
 */
import { describe, expect, it } from "vitest";
import { tensor, type Tensor } from "../../src/autograd/index.js";
import { Adam, AdamW, type AdamOptions, type Optimizer } from "../../src/nn/index.js";
import { Generator } from "../../src/tensor/index.js";

const SHAPES = [[7, 9], [5], [1]];
const SIZE = 63 + 5 + 1;
const STEPS = 25;
const gen = new Generator(7);
const uniform = (lo: number, hi: number): number[] => Array.from({ length: SIZE }, () => lo + (hi - lo) * gen.uniform());
const A = uniform(0.3, 3);
const C = uniform(-2, 2);
const Q = uniform(0, 0.1);
const START = uniform(-1.5, 1.5).map(Math.fround);

function params(dtype: "float32" | "float64"): Tensor[] {
  let offset = 0;
  return SHAPES.map((shape) => {
    const size = shape.reduce((x, y) => x * y, 1);
    const data = START.slice(offset, (offset += size));
    return tensor(dtype === "float32" ? Float32Array.from(data) : Float64Array.from(data), { shape, requiresGrad: true });
  });
}

const flat = (ps: readonly Tensor[]): number[] => ps.flatMap((p) => [...p.data]);

/** Sets each parameter's gradient to ∇L at its current value (computed in float64). */
function setGrads(ps: readonly Tensor[]): void {
  let offset = 0;
  for (const p of ps) {
    const g = [...p.data].map((t, j) => {
      const i = offset + j;
      return 2 * (A[i] as number) * (t - (C[i] as number)) + 4 * (Q[i] as number) * t ** 3;
    });
    offset += p.size;
    p.grad = tensor(p.dtype === "float32" ? Float32Array.from(g) : Float64Array.from(g), { shape: p.shape });
  }
}

/** torch's Adam/AdamW (amsgrad as in torch's code), in float64 over the flat parameters. */
function reference(o: AdamOptions & { lr: number }, decoupled: boolean) {
  const [beta1, beta2] = o.betas ?? [0.9, 0.999];
  const eps = o.eps ?? 1e-8;
  const lambda = o.weightDecay ?? (decoupled ? 1e-2 : 0);
  let theta = [...START];
  let m = theta.map(() => 0);
  let v = theta.map(() => 0);
  let vMax = theta.map(() => 0);
  for (let t = 1; ; t++) {
    const grad = theta.map((x, i) => 2 * (A[i] as number) * (x - (C[i] as number)) + 4 * (Q[i] as number) * x ** 3);
    const decayed = decoupled ? theta.map((x) => x * (1 - o.lr * lambda)) : theta;
    const g = decoupled ? grad : grad.map((gi, i) => gi + lambda * (theta[i] as number));
    m = m.map((mi, i) => beta1 * mi + (1 - beta1) * (g[i] as number));
    v = v.map((vi, i) => beta2 * vi + (1 - beta2) * (g[i] as number) ** 2);
    vMax = vMax.map((x, i) => Math.max(x, v[i] as number));
    const second = o.amsgrad ? vMax : v;
    theta = decayed.map((x, i) => x - (o.lr * (m[i] as number)) / (1 - beta1 ** t) / (Math.sqrt((second[i] as number) / (1 - beta2 ** t)) + eps));
    if (t === STEPS) return theta;
  }
}

const cases: [string, boolean, AdamOptions & { lr: number }][] = [
  ["Adam", false, { lr: 0.05 }],
  ["Adam with weight decay and amsgrad", false, { lr: 0.05, weightDecay: 0.1, amsgrad: true }],
  ["Adam with β1 < 0.5 (lerp from g), other β2 and eps", false, { lr: 0.03, betas: [0.3, 0.99], eps: 1e-3 }],
  ["AdamW", true, { lr: 0.05, weightDecay: 0.3 }],
  ["AdamW with amsgrad", true, { lr: 0.05, amsgrad: true }],
];

const make = (ps: Tensor[], decoupled: boolean, options: AdamOptions): Optimizer => (decoupled ? new AdamW(ps, options) : new Adam(ps, options));

function run(optimizer: Optimizer, ps: readonly Tensor[], steps: number): void {
  for (let t = 0; t < steps; t++) {
    setGrads(ps);
    optimizer.step();
  }
}

describe("Adam on float32 parameters", () => {
  it.each(cases)("%s: %i steps within float32 tolerance of the float64 reference", (_, decoupled, options) => {
    const ps = params("float32");
    run(make(ps, decoupled, options), ps, STEPS);
    const want = reference(options, decoupled);
    const got = flat(ps);
    got.forEach((x, i) => {
      const y = want[i] as number;
      if (!(Math.abs(x - y) <= 2e-5 * Math.max(1, Math.abs(y)))) throw new Error(`θ[${i}]: float32 ${x}, float64 reference ${y}`);
    });
    // The parameters moved: not a stuck trajectory.
    expect(Math.max(...got.map((x, i) => Math.abs(x - (START[i] as number))))).toBeGreaterThan(0.3);
  });

  it.each(cases)("%s: a state saved and restored continues bit-identically", (_, decoupled, options) => {
    const ps = params("float32");
    const optimizer = make(ps, decoupled, options);
    run(optimizer, ps, 10);
    const saved = optimizer.stateDict();
    const snapshot = JSON.stringify(saved.parameters.map((e) => e && [...e.buffers.values()].map((b) => [...b.data])));
    const qs = ps.map((p) => tensor(p.value.clone(), { requiresGrad: true }));
    const restored = make(qs, decoupled, options);
    restored.loadStateDict(saved);
    run(optimizer, ps, 10);
    run(restored, qs, 10);
    expect(flat(qs)).toEqual(flat(ps));
    const again = restored.stateDict();
    optimizer.stateDict().parameters.forEach((entry, i) => {
      for (const [name, buffer] of entry?.buffers ?? []) expect([...(again.parameters[i]?.buffers.get(name)?.data ?? [])], name).toEqual([...buffer.data]);
    });
    // The snapshot is a copy: later steps did not change it.
    expect(JSON.stringify(saved.parameters.map((e) => e && [...e.buffers.values()].map((b) => [...b.data])))).toBe(snapshot);
  });

  it("a parameter larger than the update's chunks gets the update of its pieces, bit for bit (amsgrad, weight decay)", () => {
    // 40,003 floats: two whole chunks of the wasm update and a ragged tail; the pieces are
    // parameters of their own, each within one chunk.
    const n = 40_003;
    const start = new Float32Array(n);
    gen.fillNormal(start);
    const whole = [tensor(start.slice(), { shape: [n], requiresGrad: true })];
    const cuts = [0, 9_999, 20_000, 30_001, n];
    const pieces = cuts.slice(1).map((end, k) => tensor(start.slice(cuts[k], end), { shape: [end - (cuts[k] as number)], requiresGrad: true }));
    const options = { lr: 0.05, weightDecay: 0.1, amsgrad: true };
    const [a, b] = [new Adam(whole, options), new Adam(pieces, options)];
    for (let t = 0; t < 5; t++) {
      const g = new Float32Array(n);
      gen.fillNormal(g);
      (whole[0] as Tensor).grad = tensor(g, { shape: [n] });
      pieces.forEach((p, k) => (p.grad = tensor(g.slice(cuts[k], cuts[k + 1]), { shape: p.shape })));
      a.step();
      b.step();
    }
    expect([...(whole[0] as Tensor).data]).toEqual(flat(pieces));
    expect([...(a.stateOf(whole[0] as Tensor)?.buffers.get("exp_avg_sq")?.data ?? [])]).toEqual(pieces.flatMap((p) => [...(b.stateOf(p)?.buffers.get("exp_avg_sq")?.data ?? [])]));
  });

  it("updates float32 and float64 parameters of one optimizer alike", () => {
    const single = params("float32");
    const double = params("float64");
    const optimizer = new Adam([...single, ...double], { lr: 0.05 });
    for (let t = 0; t < STEPS; t++) {
      setGrads(single);
      setGrads(double);
      optimizer.step();
    }
    const d = flat(double);
    flat(single).forEach((x, i) => expect(Math.abs(x - (d[i] as number))).toBeLessThan(2e-5 * Math.max(1, Math.abs(d[i] as number))));
    for (const p of single) for (const b of optimizer.stateOf(p)?.buffers.values() ?? []) expect(b.dtype).toBe("float32");
  });
});
