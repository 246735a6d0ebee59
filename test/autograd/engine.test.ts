/**
 * The backward engine: deep graphs, accumulation, shared inputs, freed graphs, noGrad, detach,
 * leaf-only requiresGrad, the per-gradient shape check, implicit gradients and broadcasting.
 */
import { describe, expect, it } from "vitest";
import { apply, noGrad, isGradEnabled, tensor, Tensor, zeros, type OpDef } from "../../src/autograd/index.js";
import { ops } from "../../src/autograd/ops.js";
import { binary, NDArray, unary } from "../../src/tensor/index.js";

const f64 = { dtype: "float64" as const };
const leaf = (data: number[] | number[][], requiresGrad = true): Tensor => tensor(data, { ...f64, requiresGrad });
const gradOf = (t: Tensor): number[] => {
  if (t.grad === null) throw new Error("no gradient");
  return Array.from(t.grad.data);
};

describe("backward", () => {
  it("walks a chain of 100,000 ops without recursion and gives the chain rule's product", () => {
    const x = leaf([0.5, -2]);
    let y = x;
    // Alternate two ops so that the chain is not one repeated node type: d/dx = 1.00001^50000.
    for (let i = 0; i < 50_000; i++) y = y.mul(1.00001).add(0.001);
    expect(y.node).not.toBeNull();
    y.sum().backward();
    const expected = Math.pow(1.00001, 50_000);
    expect(gradOf(x)[0]).toBeCloseTo(expected, 9);
    expect(gradOf(x)[1]).toBeCloseTo(expected, 9);
  });

  it("accumulates (grad +=) across backward calls on separate forward passes", () => {
    const x = leaf([1, -2, 3]);
    x.mul(3).sum().backward();
    expect(gradOf(x)).toEqual([3, 3, 3]);
    x.mul(x).sum().backward(); // adds 2x
    expect(gradOf(x)).toEqual([5, -1, 9]);
  });

  it("gives identical gradients when run on two identical forward passes", () => {
    const run = (): number[] => {
      const x = leaf([0.3, -1.2, 2.5, 0.7]);
      const w = leaf([[0.1, 0.2], [-0.3, 0.4], [0.5, -0.6], [0.7, 0.8]]);
      x.reshape([1, 4]).matmul(w).sigmoid().logSumExp().backward();
      return [...gradOf(x), ...gradOf(w)];
    };
    expect(run()).toEqual(run());
  });

  it("sums both contributions of a tensor used twice (x*x)", () => {
    const x = leaf([1.5, -2, 0.25]);
    x.mul(x).sum().backward();
    expect(gradOf(x)).toEqual([3, -4, 0.5]);
  });

  it("sums contributions that reach a tensor through different paths", () => {
    const x = leaf([2, 3]);
    const y = x.exp(); // used by two later ops
    y.mul(2).add(y.square()).sum().backward(); // d/dx (2eˣ + e²ˣ) = 2eˣ + 2e²ˣ
    expect(gradOf(x)[0]).toBeCloseTo(2 * Math.exp(2) + 2 * Math.exp(4), 10);
    expect(gradOf(x)[1]).toBeCloseTo(2 * Math.exp(3) + 2 * Math.exp(6), 10);
  });

  it("throws a clear error when run twice through the same graph", () => {
    const x = leaf([1, 2]);
    const loss = x.exp().sum();
    loss.backward();
    expect(() => loss.backward()).toThrow(/already freed.*backward can run once per forward pass/);
  });

  it("frees the saved arrays after backward", () => {
    const x = leaf([1, 2]);
    const y = x.exp();
    const loss = y.sum();
    loss.backward();
    expect(y.node?.context).toBeNull();
    expect(loss.node?.context).toBeNull();
  });

  it("only gives gradients to leaves that require them", () => {
    const x = leaf([1, 2]);
    const c = leaf([3, 4], false);
    x.mul(c).sum().backward();
    expect(gradOf(x)).toEqual([3, 4]);
    expect(c.grad).toBeNull();
  });

  it("accepts an explicit upstream gradient for a non-scalar output", () => {
    const x = leaf([1, 2, 3]);
    x.mul(2).backward(tensor([0.5, -1, 4], f64));
    expect(gradOf(x)).toEqual([1, -2, 8]);
  });

  it("throws on a non-scalar output without a gradient, naming its shape", () => {
    const x = leaf([[1, 2, 3], [4, 5, 6]]);
    expect(() => x.mul(2).backward()).toThrow(/backward: output has shape \[2,3\]; pass a gradient/);
  });

  it("throws on an upstream gradient of the wrong shape or dtype", () => {
    const x = leaf([1, 2, 3]);
    expect(() => x.mul(2).backward(tensor([1, 2], f64))).toThrow(/gradient float64\[2\] does not match output float64\[3\]/);
    expect(() => x.mul(2).backward(tensor([1, 2, 3]))).toThrow(/gradient float32\[3\] does not match output float64\[3\]/);
  });

  it("throws when nothing requires grad", () => {
    expect(() => leaf([1, 2], false).sum().backward()).toThrow(/does not require grad/);
  });

  it("works on a leaf root (the gradient is a copy of the upstream)", () => {
    const x = leaf([1, 2]);
    const upstream = tensor([3, 4], f64);
    x.backward(upstream);
    expect(gradOf(x)).toEqual([3, 4]);
    expect(x.grad?.data).not.toBe(upstream.data);
  });

  it("never lets a leaf's gradient alias an op's arrays", () => {
    const x = leaf([1, 2, 3]);
    const upstream = tensor([1, 1, 1], f64);
    x.reshape([3]).backward(upstream); // reshape's backward returns a view of the upstream
    (x.grad as Tensor).data[0] = 100;
    expect(Array.from(upstream.data)).toEqual([1, 1, 1]);
  });

  it("gives leaves distinct gradient arrays, taking only fresh ones without a copy", () => {
    // add hands [g, g] to both leaves; mul's products are fresh; reshape's is a view of g.
    const [a, b, c, d] = [leaf([1, 2]), leaf([3, 4]), leaf([5, 6]), leaf([7, 8])];
    const s = a.add(b);
    const upstream = tensor([1, 2], f64);
    s.mul(c).add(d.reshape([2])).backward(upstream);
    const buffers = [a, b, c, d].map((t) => (t.grad as Tensor).data.buffer);
    expect(new Set([...buffers, upstream.data.buffer]).size).toBe(5);
    expect([a, b, c, d].map(gradOf)).toEqual([[5, 12], [5, 12], [4, 12], [1, 2]]);
    for (const t of [a, b, c, d]) (t.grad as Tensor).data.fill(0);
    expect(Array.from(upstream.data)).toEqual([1, 2]);
    expect(Array.from(s.data)).toEqual([4, 6]);
  });

  it("sums a broadcast gradient back to the input's shape (bias [3] + [2,3])", () => {
    const x = leaf([[1, 2, 3], [4, 5, 6]]);
    const bias = leaf([0.1, 0.2, 0.3]);
    const upstream = tensor([[1, 2, 3], [10, 20, 30]], f64);
    x.add(bias).backward(upstream);
    expect(gradOf(bias)).toEqual([11, 22, 33]);
    expect(gradOf(x)).toEqual([1, 2, 3, 10, 20, 30]);
  });

  it("sums a broadcast gradient over size-1 axes too ([2,1] * [1,3])", () => {
    const a = leaf([[1], [2]]);
    const b = leaf([[10, 20, 30]]);
    a.mul(b).backward(tensor([[1, 2, 3], [4, 5, 6]], f64));
    expect(gradOf(a)).toEqual([1 * 10 + 2 * 20 + 3 * 30, 4 * 10 + 5 * 20 + 6 * 30]);
    expect(gradOf(b)).toEqual([1 + 8, 2 + 10, 3 + 12]);
    expect([...(a.grad as Tensor).shape]).toEqual([2, 1]);
  });

  it("casts gradients back to the input's dtype across .to()", () => {
    const x = tensor([1.5, -2], { dtype: "float32", requiresGrad: true });
    const y = x.to("float64");
    expect(y.dtype).toBe("float64");
    y.mul(tensor([3, 0.25], f64)).sum().backward();
    expect(x.grad?.dtype).toBe("float32");
    expect(gradOf(x)).toEqual([3, 0.25]);
    const z = tensor([1, 2], { ...f64, requiresGrad: true });
    z.to("float32").mul(2).sum().backward();
    expect(z.grad?.dtype).toBe("float64");
    expect(gradOf(z)).toEqual([2, 2]);
  });
});

describe("gradients at kinks follow the documented conventions", () => {
  it("relu and abs have gradient 0 at 0", () => {
    const x = leaf([0, 0]);
    x.relu().add(x.abs()).sum().backward();
    expect(gradOf(x)).toEqual([0, 0]);
  });

  it("maximum and minimum split a tie evenly", () => {
    const a = leaf([1, 2, 3]);
    const b = leaf([1, 5, 0]);
    a.maximum(b).mul(tensor([2, 1, 1], f64)).sum().backward();
    expect(gradOf(a)).toEqual([1, 0, 1]);
    expect(gradOf(b)).toEqual([1, 1, 0]);
    const c = leaf([4, 2]);
    const d = leaf([4, 1]);
    c.minimum(d).sum().backward();
    expect(gradOf(c)).toEqual([0.5, 0]);
    expect(gradOf(d)).toEqual([0.5, 1]);
  });

  it("max shares the gradient evenly among tied maxima", () => {
    const x = leaf([[3, 1, 3, 3], [0, 2, -1, 2]]);
    x.max(1).backward(tensor([6, 4], f64));
    expect(gradOf(x)).toEqual([2, 0, 2, 2, 0, 2, 0, 2]);
  });

  it("clamp passes the gradient on the bounds and blocks it outside", () => {
    const x = leaf([-2, -1, 0, 1, 2]);
    x.clamp(-1, 1).sum().backward();
    expect(gradOf(x)).toEqual([0, 1, 1, 1, 0]);
  });
});

describe("recording", () => {
  it("noGrad records nothing and restores recording afterwards, even on a throw", () => {
    const x = leaf([1, 2]);
    const y = noGrad(() => x.mul(2).exp());
    expect(y.requiresGrad).toBe(false);
    expect(y.node).toBeNull();
    expect(isGradEnabled()).toBe(true);
    expect(() => noGrad(() => { throw new Error("inside"); })).toThrow("inside");
    expect(isGradEnabled()).toBe(true);
    expect(x.mul(2).requiresGrad).toBe(true);
  });

  it("noGrad nests", () => {
    const x = leaf([1]);
    noGrad(() => {
      noGrad(() => undefined);
      expect(isGradEnabled()).toBe(false);
      expect(x.add(1).requiresGrad).toBe(false);
    });
    expect(isGradEnabled()).toBe(true);
  });

  it("propagates requiresGrad: an op output requires grad exactly when an input does", () => {
    const x = leaf([1, 2]);
    const c = leaf([1, 2], false);
    expect(c.mul(3).requiresGrad).toBe(false);
    expect(c.mul(3).node).toBeNull();
    expect(c.mul(x).requiresGrad).toBe(true);
  });

  it("detach cuts the graph and shares the values", () => {
    const x = leaf([2, 3]);
    const y = x.mul(x);
    const d = y.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    expect(d.data).toBe(y.data);
    d.mul(x).sum().backward(); // d/dx (c · x) with c = x² held constant
    expect(gradOf(x)).toEqual([4, 9]);
  });

  it("requiresGrad can be set on a leaf but not on a non-leaf", () => {
    const x = leaf([1, 2], false);
    x.requiresGrad = true;
    expect(x.requiresGrad).toBe(true);
    const y = x.mul(2);
    expect(() => {
      y.requiresGrad = false;
    }).toThrow(/requiresGrad: can only be set on a leaf tensor/);
    expect(y.requiresGrad).toBe(true);
  });
});

describe("the engine checks every gradient an op returns", () => {
  const broken: OpDef<[NDArray], undefined> = {
    name: "brokenUnary",
    broadcasts: false,
    forward: ([x]) => unary("neg", x),
    backward: (g) => [NDArray.zeros([g.size + 1], g.dtype)],
  };

  it("names the op, the input index and both shapes when a gradient has the wrong shape", () => {
    const x = zeros([2, 3], { ...f64, requiresGrad: true });
    const y = apply(broken, [x], undefined);
    expect(() => y.sum().backward()).toThrow(/op "brokenUnary" returned a gradient of shape \[7\] for input 0 of shape \[2,3\]/);
  });

  it("does so for broadcasting ops too, instead of failing inside the broadcast reduction", () => {
    const brokenBinary: OpDef<[NDArray, NDArray], undefined> = {
      name: "brokenBinary",
      broadcasts: true,
      forward: ([a, b]) => binary("add", a, b),
      backward: (g) => [g, NDArray.zeros([5], g.dtype)],
    };
    const a = zeros([2, 3], { ...f64, requiresGrad: true });
    const b = zeros([3], { ...f64, requiresGrad: true });
    const y = apply(brokenBinary, [a, b], undefined);
    expect(() => y.sum().backward()).toThrow(/op "brokenBinary" returned a gradient of shape \[5\] for input 1 of shape \[3\]/);
  });

  it("names the op and the input when a gradient has the wrong dtype", () => {
    const wrongDType: OpDef<[NDArray], undefined> = {
      name: "wrongDType",
      broadcasts: false,
      forward: ([x]) => unary("neg", x),
      backward: (g) => [g.astype("float32")],
    };
    const x = zeros([2], { ...f64, requiresGrad: true });
    expect(() => apply(wrongDType, [x], undefined).sum().backward()).toThrow(/op "wrongDType" returned a float32 gradient for input 0 of dtype float64/);
  });
});

describe("backward computes only the gradients that are needed", () => {
  const a = new NDArray(Float64Array.of(1, 5, 3), [3]);
  const b = new NDArray(Float64Array.of(2, 4, 3), [3]);
  const g = new NDArray(Float64Array.of(1, 1, 1), [3]);
  for (const name of ["maximum", "minimum", "mul", "div"] as const) {
    it(`${name} returns null for an input that needs none, and the gradient for the other`, () => {
      const op = ops[name];
      const output = op.forward([a, b], undefined);
      const onlyA = op.backward(g, { inputs: [a, b], output, params: undefined, needsGrad: [true, false] });
      const onlyB = op.backward(g, { inputs: [a, b], output, params: undefined, needsGrad: [false, true] });
      expect(onlyA[1]).toBeNull();
      expect(onlyB[0]).toBeNull();
      expect(onlyA[0]).toBeInstanceOf(NDArray);
      expect(onlyB[1]).toBeInstanceOf(NDArray);
    });
  }

  it("maximum's gradients are unchanged by needsGrad: 1 to the winner, 1/2 each on a tie", () => {
    const output = ops.maximum.forward([a, b], undefined);
    const both = ops.maximum.backward(g, { inputs: [a, b], output, params: undefined, needsGrad: [true, true] });
    expect(Array.from(both[0]?.data ?? [])).toEqual([0, 1, 0.5]);
    expect(Array.from(both[1]?.data ?? [])).toEqual([1, 0, 0.5]);
  });
});
