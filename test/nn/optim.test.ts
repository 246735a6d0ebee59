/**
 * SGD, Adam and AdamW trajectories against reference loops written here, independently, from
 * the torch.optim documentation's pseudo-code, in float64, on a fixed loss
 *
 *   L(θ) = Σ_i a_i·(θ_i - c_i)² + q_i·θ_i⁴,   ∇L_i = 2a_i·(θ_i - c_i) + 4q_i·θ_i³
 *
 * over two parameters (a [2,3] matrix and a [3] vector, 9 elements) and a third parameter that
 * never receives a gradient (so it must be skipped).
 */
import { describe, expect, it } from "vitest";
import { Tensor, tensor } from "../../src/autograd/index.js";
import { Adam, AdamW, SGD, type AdamOptions, type Optimizer, type SGDOptions } from "../../src/nn/index.js";

const A = [0.5, 1.5, 2, 0.8, 3, 1.1, 0.3, 2.5, 1.7];
const C = [1, -2, 0.5, 3, -0.7, 0.25, -1.5, 2.2, 0.1];
const Q = [0.01, 0.05, 0, 0.2, 0.02, 0.1, 0.03, 0, 0.07];
const START = [0.3, 0.9, -1.2, 0.1, 2.4, -0.6, 1.8, -0.4, 0.05];
const STEPS = 30;

interface Problem {
  w: Tensor;
  b: Tensor;
  frozen: Tensor;
  params: Tensor[];
}

function problem(): Problem {
  const w = tensor([START.slice(0, 3), START.slice(3, 6)], { dtype: "float64", requiresGrad: true });
  const b = tensor(START.slice(6), { dtype: "float64", requiresGrad: true });
  const frozen = tensor([7, -7], { dtype: "float64", requiresGrad: true });
  return { w, b, frozen, params: [w, b, frozen] };
}

function loss({ w, b }: Problem): Tensor {
  const term = (theta: Tensor, offset: number, shape: number[]): Tensor => {
    const pick = (values: number[]): Tensor => tensor(Float64Array.from(values.slice(offset, offset + theta.size)), { shape });
    const diff = theta.sub(pick(C));
    return diff.square().mul(pick(A)).add(theta.pow(4).mul(pick(Q))).sum();
  };
  return term(w, 0, [2, 3]).add(term(b, 6, [3]));
}

const referenceGrad = (theta: readonly number[]): number[] =>
  theta.map((t, i) => 2 * (A[i] as number) * (t - (C[i] as number)) + 4 * (Q[i] as number) * t ** 3);

/** The current flat values of w and b. */
const flat = ({ w, b }: Problem): number[] => [...w.data, ...b.data];

function expectClose(actual: readonly number[], expected: readonly number[], label: string): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((value, i) => {
    const want = expected[i] as number;
    const error = Math.abs(value - want);
    if (!(error <= 1e-12 * Math.max(1, Math.abs(want)))) throw new Error(`${label}[${i}]: got ${value}, reference ${want} (error ${error})`);
  });
}

/** Run the optimizer and the reference side by side, comparing after every step. */
function compareTrajectory(p: Problem, optimizer: Optimizer, reference: { step(theta: number[], grad: number[]): number[] }): number[] {
  let theta = [...START];
  for (let t = 1; t <= STEPS; t++) {
    optimizer.zeroGrad();
    loss(p).backward();
    expect(p.frozen.grad).toBeNull();
    optimizer.step();
    theta = reference.step(theta, referenceGrad(theta));
    expectClose(flat(p), theta, `step ${t}`);
  }
  expect([...p.frozen.data]).toEqual([7, -7]);
  expect(optimizer.stateOf(p.frozen)).toBeUndefined();
  expect(optimizer.stepCount).toBe(STEPS);
  // The parameters moved far from the start: the comparison is not of a stuck trajectory.
  expect(Math.max(...theta.map((x, i) => Math.abs(x - (START[i] as number))))).toBeGreaterThan(0.3);
  return theta;
}

// ---- SGD: torch.optim.SGD pseudo-code ----

function sgdReference(o: { lr: number | ((t: number) => number); momentum?: number; dampening?: number; nesterov?: boolean; weightDecay?: number }) {
  const mu = o.momentum ?? 0;
  const tau = o.dampening ?? 0;
  const lambda = o.weightDecay ?? 0;
  let buffer: number[] = [];
  let t = 0;
  return {
    buffer: () => buffer,
    step(theta: number[], grad: number[]): number[] {
      t += 1;
      const gamma = typeof o.lr === "number" ? o.lr : o.lr(t - 1);
      let g = grad.map((gi, i) => (lambda !== 0 ? gi + lambda * (theta[i] as number) : gi));
      if (mu !== 0) {
        buffer = t > 1 ? buffer.map((bi, i) => mu * bi + (1 - tau) * (g[i] as number)) : [...g];
        g = o.nesterov ? g.map((gi, i) => gi + mu * (buffer[i] as number)) : [...buffer];
      }
      return theta.map((x, i) => x - gamma * (g[i] as number));
    },
  };
}

describe("SGD matches torch.optim.SGD's update equations", () => {
  const cases: [string, SGDOptions & { lr: number }][] = [
    ["plain", { lr: 0.02 }],
    ["momentum", { lr: 0.02, momentum: 0.9 }],
    ["momentum with dampening", { lr: 0.02, momentum: 0.9, dampening: 0.3 }],
    ["Nesterov", { lr: 0.02, momentum: 0.8, nesterov: true }],
    ["weight decay", { lr: 0.02, weightDecay: 0.1 }],
    ["Nesterov with weight decay", { lr: 0.02, momentum: 0.9, nesterov: true, weightDecay: 0.05 }],
  ];
  it.each(cases)("%s", (_, options) => {
    const p = problem();
    const optimizer = new SGD(p.params, options);
    const reference = sgdReference(options);
    compareTrajectory(p, optimizer, reference);
    if (options.momentum) expectClose([...(optimizer.stateOf(p.b)?.buffers.get("momentum_buffer")?.data ?? [])], reference.buffer().slice(6), "momentum_buffer");
    else expect(optimizer.stateOf(p.b)?.buffers.size).toBe(0);
  });

  it("uses a learning rate given as a function of the step (0 for the first step)", () => {
    const schedule = (t: number): number => 0.05 / (1 + 0.5 * t);
    const p = problem();
    const seen: number[] = [];
    const optimizer = new SGD(p.params, { lr: (t) => (seen.push(t), schedule(t)), momentum: 0.5 });
    compareTrajectory(p, optimizer, sgdReference({ lr: schedule, momentum: 0.5 }));
    expect(seen).toEqual(Array.from({ length: STEPS }, (_, t) => t));
    // The schedule matters: a constant lr of schedule(0) ends elsewhere.
    const q = problem();
    compareTrajectory(q, new SGD(q.params, { lr: schedule(0), momentum: 0.5 }), sgdReference({ lr: schedule(0), momentum: 0.5 }));
    expect(Math.abs((q.w.data[4] as number) - (p.w.data[4] as number))).toBeGreaterThan(1e-3);
  });
});

// ---- Adam / AdamW: torch.optim.Adam and AdamW pseudo-code ----

/**
 * NOTE: for amsgrad this follows torch's code and its corrected documentation (pytorch#142323):
 * the running maximum is taken of the raw v_t, then bias-corrected.
 */
function adamReference(o: AdamOptions & { lr: number | ((t: number) => number) }, decoupled: boolean) {
  const [beta1, beta2] = o.betas ?? [0.9, 0.999];
  const eps = o.eps ?? 1e-8;
  const lambda = o.weightDecay ?? (decoupled ? 1e-2 : 0);
  let m = START.map(() => 0);
  let v = START.map(() => 0);
  let vMax = START.map(() => 0);
  let t = 0;
  return {
    moments: () => ({ m, v, vMax }),
    step(theta: number[], grad: number[]): number[] {
      t += 1;
      const gamma = typeof o.lr === "number" ? o.lr : o.lr(t - 1);
      const decayed = decoupled ? theta.map((x) => x * (1 - gamma * lambda)) : theta;
      const g = decoupled ? grad : grad.map((gi, i) => gi + lambda * (theta[i] as number));
      m = m.map((mi, i) => beta1 * mi + (1 - beta1) * (g[i] as number));
      v = v.map((vi, i) => beta2 * vi + (1 - beta2) * (g[i] as number) ** 2);
      vMax = vMax.map((x, i) => Math.max(x, v[i] as number));
      const second = o.amsgrad ? vMax : v;
      return decayed.map((x, i) => {
        const mHat = (m[i] as number) / (1 - beta1 ** t);
        const vHat = (second[i] as number) / (1 - beta2 ** t);
        return x - (gamma * mHat) / (Math.sqrt(vHat) + eps);
      });
    },
  };
}

describe("Adam and AdamW match torch's update equations", () => {
  const cases: [string, boolean, AdamOptions & { lr: number }][] = [
    ["Adam", false, { lr: 0.05 }],
    ["Adam with weight decay", false, { lr: 0.05, weightDecay: 0.1 }],
    ["Adam with amsgrad", false, { lr: 0.05, amsgrad: true }],
    ["Adam with amsgrad, weight decay, other betas and eps", false, { lr: 0.05, betas: [0.8, 0.99], eps: 1e-3, weightDecay: 0.02, amsgrad: true }],
    ["AdamW (default weight decay 1e-2)", true, { lr: 0.05 }],
    ["AdamW with weight decay 0.3 and amsgrad", true, { lr: 0.05, weightDecay: 0.3, amsgrad: true }],
  ];
  it.each(cases)("%s", (_, decoupled, options) => {
    const p = problem();
    const optimizer = decoupled ? new AdamW(p.params, options) : new Adam(p.params, options);
    const reference = adamReference(options, decoupled);
    compareTrajectory(p, optimizer, reference);
    const state = optimizer.stateOf(p.w);
    const { m, v, vMax } = reference.moments();
    expect(state?.step).toBe(STEPS);
    expectClose([...(state?.buffers.get("exp_avg")?.data ?? [])], m.slice(0, 6), "exp_avg");
    expectClose([...(state?.buffers.get("exp_avg_sq")?.data ?? [])], v.slice(0, 6), "exp_avg_sq");
    if (options.amsgrad) {
      expectClose([...(state?.buffers.get("max_exp_avg_sq")?.data ?? [])], vMax.slice(0, 6), "max_exp_avg_sq");
      // The running maximum was active: v fell below its maximum somewhere.
      expect(v.some((vi, i) => vi < (vMax[i] as number) * (1 - 1e-6))).toBe(true);
    } else {
      expect(state?.buffers.has("max_exp_avg_sq")).toBe(false);
    }
  });

  it("AdamW's decoupled decay differs from Adam's L2 decay", () => {
    const p = problem();
    const q = problem();
    const adam = new Adam(p.params, { lr: 0.05, weightDecay: 0.3 });
    const adamW = new AdamW(q.params, { lr: 0.05, weightDecay: 0.3 });
    for (let t = 0; t < 5; t++) {
      for (const [problemT, optimizer] of [[p, adam], [q, adamW]] as const) {
        optimizer.zeroGrad();
        loss(problemT).backward();
        optimizer.step();
      }
    }
    expect(Math.abs((p.w.data[0] as number) - (q.w.data[0] as number))).toBeGreaterThan(1e-4);
  });

  it("uses a learning rate schedule", () => {
    const schedule = (t: number): number => (t < 10 ? 0.01 * (t + 1) : 0.1 * 0.9 ** (t - 10));
    const p = problem();
    compareTrajectory(p, new Adam(p.params, { lr: schedule, amsgrad: true }), adamReference({ lr: schedule, amsgrad: true }, false));
  });
});

describe("optimizer bookkeeping", () => {
  it("keeps moment buffers in the parameter's dtype", () => {
    const w = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const optimizer = new Adam([w], { lr: 0.1, amsgrad: true });
    w.square().sum().backward();
    optimizer.step();
    for (const buffer of optimizer.stateOf(w)?.buffers.values() ?? []) expect(buffer.dtype).toBe("float32");
    expect(optimizer.stateOf(w)?.buffers.size).toBe(3);
    expect(w.dtype).toBe("float32");
  });

  it("zeroGrad sets every gradient to null", () => {
    const p = problem();
    const optimizer = new SGD(p.params, { lr: 0.1 });
    loss(p).backward();
    expect(p.w.grad).not.toBeNull();
    optimizer.zeroGrad();
    expect(p.params.map((t) => t.grad)).toEqual([null, null, null]);
  });

  it("rejects invalid settings, as torch does", () => {
    const { params } = problem();
    expect(() => new SGD([], { lr: 0.1 })).toThrow(/empty parameter list/);
    expect(() => new SGD([params[0] as Tensor, params[0] as Tensor])).toThrow(/appears twice/);
    expect(() => new SGD([(params[0] as Tensor).mul(2)])).toThrow(/not a leaf/);
    expect(() => new SGD(params, { lr: -1 })).toThrow(/invalid learning rate -1/);
    expect(() => new SGD(params, { momentum: 0.9, dampening: 0.1, nesterov: true })).toThrow(/Nesterov momentum requires/);
    expect(() => new SGD(params, { nesterov: true })).toThrow(/Nesterov momentum requires/);
    expect(() => new Adam(params, { betas: [1, 0.999] })).toThrow(/invalid beta1 1/);
    expect(() => new AdamW(params, { betas: [0.9, -0.1] })).toThrow(/AdamW: invalid beta2 -0.1/);
    expect(() => new Adam(params, { eps: -1e-8 })).toThrow(/invalid eps/);
    expect(() => new Adam(params, { weightDecay: Number.NaN })).toThrow(/invalid weightDecay/);
    const scheduled = new Adam(params, { lr: () => Number.NaN });
    expect(() => scheduled.step()).toThrow(/invalid learning rate NaN/);
  });

  it("refuses a gradient whose shape differs from its parameter's, before updating anything", () => {
    const p = problem();
    const optimizer = new SGD(p.params, { lr: 0.1 });
    p.w.grad = tensor([[1, 1, 1], [1, 1, 1]], { dtype: "float64" });
    p.b.grad = tensor([1, 2], { dtype: "float64" });
    expect(() => optimizer.step()).toThrow(/parameter 1 has shape \[3\] but its grad has \[2\]/);
    expect(flat(p)).toEqual(START);
    expect(optimizer.stepCount).toBe(0);
  });
});
