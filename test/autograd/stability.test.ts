/**
 * The stable forms the design promises (log-sigmoid and BCE from logits, log-sum-exp with the
 * max taken out, softplus without overflow), their gradients far out on the tails, and the
 * composites on empty tensors.
 */
import { describe, expect, it } from "vitest";
import { bceWithLogits, logSoftmax, tensor, zeros, type Tensor } from "../../src/autograd/index.js";
import { bceWithLogits as bceWithLogitsKernel, bceWithLogitsGrad, Generator, NDArray } from "../../src/tensor/index.js";

const f64 = (data: number[], requiresGrad = false): Tensor => tensor(data, { dtype: "float64", requiresGrad });
const values = (t: Tensor): number[] => Array.from(t.data);
const gradOf = (t: Tensor): number[] => Array.from(t.grad?.data ?? []);

describe("stable composites", () => {
  it("clamp refuses min > max, naming both", () => {
    expect(() => f64([1, 2]).clamp(3, 1)).toThrow(/clamp: min 3 is greater than max 1/);
  });

  it("pow with exponent 0 has gradient 0 everywhere, also at x = 0 (as torch.pow)", () => {
    const x = f64([0, -2, 3], true);
    const y = x.pow(0);
    expect(values(y)).toEqual([1, 1, 1]);
    y.sum().backward();
    expect(gradOf(x)).toEqual([0, 0, 0]);
  });

  it("tanh keeps its relative precision near 0 in float32 (2σ(2x) - 1 would return 0)", () => {
    const got = values(tensor([1e-6, -1e-10, 3e-20]).tanh());
    [1e-6, -1e-10, 3e-20].forEach((x, i) => expect(Math.abs((got[i] as number) - x) / Math.abs(x)).toBeLessThan(1e-6));
  });

  it("softplus does not overflow, and keeps its relative precision on the negative tail (log1p)", () => {
    expect(values(f64([1000, -1000, 0]).softplus())).toEqual([1000, 0, Math.log(2)]);
    for (const x of [-10, -20, -30, -40, -700]) {
      const got = values(f64([x]).softplus())[0] as number;
      expect(Math.abs(got - Math.log1p(Math.exp(x))) / Math.log1p(Math.exp(x))).toBeLessThan(1e-15);
    }
    // Float32 too: exp(100) would overflow float32; softplus(-100) = 3.7e-44 is a float32 subnormal.
    const [large, tiny] = values(tensor([100, -100]).softplus()) as [number, number];
    expect(large).toBe(100);
    expect(tiny).toBeGreaterThan(3e-44);
    expect(tiny).toBeLessThan(5e-44);
  });

  it("logSigmoid is finite on both tails and its gradient is σ(-x)", () => {
    const x = f64([-1000, 1000, 0], true);
    const y = x.logSigmoid();
    expect(values(y)).toEqual([-1000, -0, -Math.log(2)]);
    y.sum().backward();
    expect(gradOf(x)).toEqual([1, 0, 0.5]);
  });

  it("sigmoid and tanh saturate without NaN", () => {
    expect(values(f64([-1000, 1000]).sigmoid())).toEqual([0, 1]);
    expect(values(f64([-1000, 1000, 0]).tanh())).toEqual([-1, 1, 0]);
    expect(values(tensor([-100, 100]).tanh())).toEqual([-1, 1]);
  });

  it("logSumExp takes the maximum out: huge and -∞ entries", () => {
    expect(values(f64([1000, 1000]).logSumExp())).toEqual([1000 + Math.log(2)]);
    expect(values(f64([-1000, -1000]).logSumExp())).toEqual([-1000 + Math.log(2)]);
    expect(values(tensor([100, 100]).logSumExp())).toEqual([Math.fround(100 + Math.log(2))]);
    expect(values(f64([-Infinity, 0]).logSumExp())).toEqual([0]);
    expect(values(f64([-Infinity, -Infinity]).logSumExp())).toEqual([-Infinity]);
  });

  it("logSumExp's gradient is the softmax, also where the exponentials would overflow", () => {
    const x = f64([1000, 1000 + Math.log(3)], true);
    x.logSumExp().backward();
    const [a, b] = gradOf(x) as [number, number];
    expect(a).toBeCloseTo(0.25, 12);
    expect(b).toBeCloseTo(0.75, 12);
  });

  it("logSoftmax rows are normalized, with huge logits too", () => {
    const out = logSoftmax(tensor([[1000, 0, -1000], [1, 2, 3]], { dtype: "float64" }), 1);
    expect(values(out).slice(0, 3)).toEqual([0, -1000, -2000]);
    const row = values(out).slice(3).map(Math.exp);
    expect(row.reduce((p, q) => p + q, 0)).toBeCloseTo(1, 14);
  });

  it("bceWithLogits is finite for confident logits, and its gradient is σ(l) - t", () => {
    const logits = f64([1000, -1000, 1000, 0], true);
    const targets = f64([1, 0, 0, 0.5]);
    const loss = bceWithLogits(logits, targets);
    expect(values(loss)).toEqual([0, 0, 1000, Math.log(2)]);
    loss.sum().backward();
    expect(gradOf(logits)).toEqual([0, 0, 1, 0]);
  });

  it("bceWithLogits' float32 gradient (through the residual its forward keeps on the wasm path) has the bits of the gradient kernel from the logits", () => {
    const n = 1000; // above the wasm kernels' 256 elements
    const generator = new Generator(5);
    const l = generator.fillNormal(new Float32Array(n), 0, 8);
    const t = generator.fillUniform(new Float32Array(n));
    const upstream = generator.fillNormal(new Float32Array(n));
    const logits = tensor(l, { requiresGrad: true });
    const targets = tensor(t, { requiresGrad: true });
    const loss = bceWithLogits(logits, targets);
    loss.backward(tensor(upstream));
    const [ln, tn, gn] = [l, t, upstream].map((d) => new NDArray(d, [n])) as [NDArray, NDArray, NDArray];
    expect(values(loss)).toEqual(Array.from(bceWithLogitsKernel(ln, tn).data));
    expect(gradOf(logits)).toEqual(Array.from(bceWithLogitsGrad(gn, ln, tn).data));
    expect(gradOf(targets)).toEqual(Array.from(upstream, (g, i) => Math.fround(-(g * (l[i] as number)))));
  });
});

describe("composites on empty tensors", () => {
  it("mean over an empty axis is NaN, as in torch (not an error from a hidden 1/0)", () => {
    expect(values(zeros([0, 3]).mean())).toEqual([NaN]);
    expect(values(zeros([2, 0]).mean(1))).toEqual([NaN, NaN]);
    expect([...zeros([0, 3]).mean(1).shape]).toEqual([0]);
  });

  it("flatten keeps the size of the flattened axes beside an empty batch", () => {
    expect([...zeros([0, 28, 28]).flatten(1).shape]).toEqual([0, 784]);
    expect([...zeros([2, 0, 3]).flatten(1).shape]).toEqual([2, 0]);
    expect([...zeros([]).flatten().shape]).toEqual([1]);
  });
});
