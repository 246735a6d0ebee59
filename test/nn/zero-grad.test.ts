/**
 * `zeroGrad({ setToNone: false })` and backward writing leaf gradients in place
 * (autograd/leaf-grad.ts): the array is kept and zeroed, later passes copy then add into it with
 * the bits of the default path (a fresh array per pass), -0 kept, and a leaf's gradient array is
 * never shared with an op's output, a forward value or another leaf's gradient. Sizes above 4096
 * float32 elements take the wasm kernels on the default path; the js-kernels project reruns all.
 */
import { describe, expect, it } from "vitest";
import { apply, tensor, type OpDef, type Tensor } from "../../src/autograd/index.js";
import { Adam, Linear, SGD } from "../../src/nn/index.js";
import { Generator, NDArray, type DType } from "../../src/tensor/index.js";

const SIZE = 5000; // above the wasm kernels' 4096 and the pool's 4096

function randomLeaf(seed: number, dtype: DType, size = SIZE): Tensor {
  const values = new Generator(seed).fillNormal(new Float64Array(size), 0, 1);
  return tensor(values, { shape: [size], dtype, requiresGrad: true });
}

/** A loss whose gradient for p is c·exp(p)-ish: values not exactly representable, so a different summation order shows. */
function loss(p: Tensor, c: Tensor): Tensor {
  return p.exp().mul(c).add(p.mul(p).mul(0.1)).sum();
}

const bits = (t: Tensor | null): number[] => Array.from(new Uint8Array((t as Tensor).data.slice().buffer));

for (const dtype of ["float32", "float64"] as const) {
  describe(`zeroGrad in place (${dtype})`, () => {
    it("keeps each gradient array and zeros it; the next backward writes into it", () => {
      const p = randomLeaf(1, dtype);
      const c = randomLeaf(2, dtype);
      const optimizer = new SGD([p], { lr: 0.1 });
      loss(p, c).backward();
      const held = p.grad as Tensor;
      const array = held.data;
      optimizer.zeroGrad({ setToNone: false });
      expect(p.grad).toBe(held);
      expect(p.grad?.data).toBe(array);
      expect(Array.from(array).every((v) => Object.is(v, 0))).toBe(true);
      loss(p, c).backward();
      expect(p.grad).toBe(held);
      expect(p.grad?.data).toBe(array);
      expect(array.some((v) => v !== 0)).toBe(true);
    });

    it("gives the default path's bits over two accumulated backward passes", () => {
      const run = (setToNone: boolean): { first: number[]; second: number[] } => {
        const p = randomLeaf(3, dtype);
        const c = randomLeaf(4, dtype);
        const optimizer = new SGD([p], { lr: 0.1 });
        loss(p, c).backward();
        optimizer.zeroGrad({ setToNone });
        loss(p, c).backward();
        const first = bits(p.grad);
        loss(p.mul(1.5), c).backward(); // a different gradient, summed onto the first
        return { first, second: bits(p.grad) };
      };
      const fresh = run(true);
      const inPlace = run(false);
      expect(inPlace.first).toEqual(fresh.first);
      expect(inPlace.second).toEqual(fresh.second);
      expect(inPlace.second).not.toEqual(inPlace.first);
    });

    it("keeps -0 where the gradient is -0 (a copy after the zeroing, not 0 + g)", () => {
      const p = randomLeaf(5, dtype);
      const c = tensor(Array.from({ length: SIZE }, (_, i) => (i % 3 === 0 ? -0 : i % 3 === 1 ? 0 : 1)), { dtype });
      const optimizer = new SGD([p], { lr: 0.1 });
      const f = (): void => p.mul(c).sum().backward(); // dL/dp = 1 · c: -0 at every third element
      f();
      optimizer.zeroGrad({ setToNone: false });
      f();
      const grad = (p.grad as Tensor).data;
      expect(Object.is(grad[0], -0)).toBe(true);
      expect(Object.is(grad[1], 0)).toBe(true);
      expect(grad[2]).toBe(1);
    });

    it("shows a held p.grad zeroed, then accumulated into, as torch's set_to_none=False", () => {
      const p = randomLeaf(6, dtype);
      const c = randomLeaf(7, dtype);
      const model = new Linear(3, 2, { dtype });
      const optimizer = new SGD([p, ...model.parameters()], { lr: 0.1 });
      loss(p, c).backward();
      const held = (p.grad as Tensor).data;
      optimizer.zeroGrad({ setToNone: false });
      expect(held.every((v) => v === 0)).toBe(true);
      const single = (): void => p.exp().mul(c).sum().backward(); // one path to p: G, then G + G
      single();
      const once = Array.from(held);
      single();
      expect(Array.from(held)).toEqual(once.map((v) => (dtype === "float32" ? Math.fround(v + v) : v + v)));
      expect(model.parameters().every((q) => q.grad === null)).toBe(true); // never had one: stays null
    });
  });

  describe(`on the default path: zeroGrad() or none at all (${dtype})`, () => {
    /** Holds p.grad after `before`, runs one more backward, and says whether the held tensor kept its bits and p.grad is a new one. */
    const heldAcross = (p: Tensor, c: Tensor, before: () => void): { kept: boolean; replaced: boolean } => {
      before();
      const held = p.grad as Tensor;
      const was = bits(held);
      loss(p.mul(1.5), c).backward(); // summed onto the held gradient
      return { kept: bits(held).every((byte, i) => byte === was[i]), replaced: p.grad !== held };
    };

    it("never writes a held p.grad: each backward sets a new tensor, also after a zeroGrad in place earlier", () => {
      const p = randomLeaf(20, dtype);
      const c = randomLeaf(21, dtype);
      const optimizer = new SGD([p], { lr: 0.1 });
      const step = (): void => loss(p, c).backward();
      expect(heldAcross(p, c, step)).toEqual({ kept: true, replaced: true }); // no zeroGrad at all
      expect(heldAcross(p, c, () => { optimizer.zeroGrad(); step(); step(); })).toEqual({ kept: true, replaced: true });
      optimizer.zeroGrad({ setToNone: false }); // a trainEpoch-style step, then back to the default
      step();
      expect(heldAcross(p, c, () => { optimizer.zeroGrad(); step(); })).toEqual({ kept: true, replaced: true });
    });
  });
}

describe("gradients written in place never share an array", () => {
  it("with an op's output or another leaf's gradient: add returns [g, g] to two leaves", () => {
    const p = randomLeaf(8, "float32");
    const q = randomLeaf(9, "float32");
    const optimizer = new SGD([p, q], { lr: 0.1 });
    const f = (): Tensor => {
      const s = p.add(q);
      s.square().sum().backward();
      return s;
    };
    f();
    optimizer.zeroGrad({ setToNone: false });
    const s = f();
    const pArray = (p.grad as Tensor).data;
    const qArray = (q.grad as Tensor).data;
    expect(pArray.buffer).not.toBe(qArray.buffer);
    const sValues = Array.from(s.data);
    const qValues = Array.from(qArray);
    pArray.fill(7); // mutate after: nothing else changes
    expect(Array.from(qArray)).toEqual(qValues);
    expect(Array.from(s.data)).toEqual(sValues);
    f(); // and accumulating again adds into each its own
    expect(Array.from(qArray)).toEqual(qValues.map((v) => Math.fround(v + v)));
    expect(pArray.every((v, i) => v === Math.fround(7 + (qValues[i] as number)))).toBe(true);
  });

  it("with a later pass's arrays: a gradient filled with NaN after backward does not leak into the next graph", () => {
    const p = randomLeaf(10, "float32");
    const c = randomLeaf(11, "float32");
    const optimizer = new SGD([p], { lr: 0.1 });
    loss(p, c).backward();
    optimizer.zeroGrad({ setToNone: false });
    loss(p, c).backward();
    const expected = bits(p.grad);
    (p.grad as Tensor).data.fill(NaN);
    const r = randomLeaf(10, "float32");
    loss(r, c).backward(); // its intermediates come from the pool
    expect(bits(r.grad)).toEqual(expected);
  });

  it("with a forward value: a gradient fed back into the graph is not written while backward needs it", () => {
    const p = randomLeaf(12, "float32");
    const c = randomLeaf(13, "float32");
    const optimizer = new SGD([p], { lr: 0.1 });
    loss(p, c).backward();
    optimizer.zeroGrad({ setToNone: false });
    loss(p, c).backward();
    const g = Array.from((p.grad as Tensor).data);
    const held = p.grad as Tensor;
    // d/dp [sum(p·G) + sum(G·p)] = 2G, onto G: 3G. Written in place after the first node,
    // the second would read 2G and give 4G.
    p.mul(held).sum().add(held.mul(p).sum()).backward();
    expect(Array.from((p.grad as Tensor).data)).toEqual(g.map((v) => Math.fround(Math.fround(v + v) + v)));
    expect(Array.from(held.data)).toEqual(g); // the forward's array untouched
  });

  it("with an array a user assigned: it is replaced by zeros, never written", () => {
    const p = randomLeaf(14, "float32");
    const c = randomLeaf(15, "float32");
    const other = randomLeaf(16, "float32");
    const optimizer = new SGD([p], { lr: 0.1 });
    const before = Array.from(other.data);
    p.grad = other; // a forward value as the gradient
    optimizer.zeroGrad({ setToNone: false });
    expect(p.grad).not.toBe(other);
    expect((p.grad as Tensor).data.every((v) => v === 0)).toBe(true);
    loss(p, c).backward();
    loss(p, c).backward();
    expect(Array.from(other.data)).toEqual(before);
  });

  it("with an assigned gradient of another shape: its zeros are summed out of place, as before", () => {
    const p = randomLeaf(27, "float32");
    const c = randomLeaf(28, "float32");
    const run = (setToNone: boolean): number[] => {
      p.grad = tensor([0.5]); // broadcasts onto p's gradient
      if (!setToNone) new SGD([p], { lr: 0.1 }).zeroGrad({ setToNone: false });
      else p.grad = tensor([0]);
      loss(p, c).backward();
      expect(p.grad?.shape).toEqual([SIZE]);
      return bits(p.grad);
    };
    expect(run(false)).toEqual(run(true));
  });

  it("with a gradient shared by assignment: q.grad = p.grad takes it out of place writing", () => {
    const p = randomLeaf(17, "float32");
    const q = randomLeaf(18, "float32");
    const c = randomLeaf(19, "float32");
    const optimizer = new SGD([p], { lr: 0.1 });
    loss(p, c).backward();
    optimizer.zeroGrad({ setToNone: false });
    loss(p, c).backward();
    const shared = p.grad as Tensor;
    q.grad = shared;
    const values = Array.from(shared.data);
    optimizer.zeroGrad({ setToNone: false }); // p's gradient is now q's too: replaced, not zeroed
    loss(p, c).backward();
    expect(q.grad).toBe(shared);
    expect(Array.from(shared.data)).toEqual(values);
    expect(p.grad).not.toBe(shared);
  });
});

describe("a user's op (apply is public)", () => {
  /** d(x·d)/dx = d: the backward returns the constant it holds, as a user's op may. */
  const probe: OpDef<[NDArray], NDArray> = {
    name: "probe", broadcasts: false,
    forward: ([x], d) => new NDArray(Float32Array.of(Array.from(x.data).reduce((sum, v, i) => sum + v * (d.data[i] as number), 0)), []),
    backward: (_g, { params: d }) => [d],
  };

  it("keeps its constant: a gradient adopted from it is replaced by zeros, never zeroed or added into", () => {
    const p = randomLeaf(23, "float32");
    const d = new NDArray(new Generator(24).fillNormal(new Float32Array(SIZE), 0, 1), [SIZE]);
    const before = Array.from(d.data);
    const optimizer = new SGD([p], { lr: 0.1 });
    apply(probe, [p], d).backward();
    expect(p.grad?.data).toBe(d.data); // adopted without a copy, as before this change
    optimizer.zeroGrad({ setToNone: false });
    expect(Array.from(d.data)).toEqual(before);
    apply(probe, [p], d).backward();
    apply(probe, [p], d).backward();
    expect(Array.from(d.data)).toEqual(before);
    expect(Array.from((p.grad as Tensor).data)).toEqual(before.map((v) => Math.fround(v + v)));
  });

  it("in the graph, turns writing in place off for the pass (its backward may return a leaf's gradient)", () => {
    const p = randomLeaf(25, "float32");
    const c = randomLeaf(26, "float32");
    const optimizer = new SGD([p], { lr: 0.1 });
    loss(p, c).backward();
    optimizer.zeroGrad({ setToNone: false });
    loss(p, c).backward();
    const held = p.grad as Tensor;
    const g = Array.from(held.data);
    // k's gradient is the leaf's own array G, held by the map while p.mul(2) (created later,
    // so visited first) adds 2 to p: written in place, k's gradient would become G + 2 and p's
    // total 2G + 4 instead of G + 2 + G.
    const k = p.mul(1);
    apply(probe, [k], held.value).add(p.mul(2).sum()).backward();
    expect(Array.from(held.data)).toEqual(g);
    expect(Array.from((p.grad as Tensor).data)).toEqual(g.map((v) => Math.fround(Math.fround(v + 2) + v)));
  });
});

describe("zeroGrad options", () => {
  it("rejects a setToNone that is not a boolean, naming the caller", () => {
    const model = new Linear(3, 2);
    const optimizer = new Adam(model.parameters());
    expect(() => optimizer.zeroGrad({ setToNone: "no" as unknown as boolean })).toThrow(/Adam\.zeroGrad: setToNone must be a boolean, got string no/);
    expect(() => model.zeroGrad({ setToNone: 0 as unknown as boolean })).toThrow(/Linear\.zeroGrad: setToNone must be a boolean/);
  });

  it("takes null options (a JS caller) as none: the gradients are dropped", () => {
    const model = new Linear(3, 2);
    model.forward(randomLeaf(29, "float32", 6).reshape([2, 3])).sum().backward();
    expect(model.parameters().every((q) => q.grad !== null)).toBe(true);
    model.zeroGrad(null as unknown as undefined);
    expect(model.parameters().every((q) => q.grad === null)).toBe(true);
  });

  it("Module.zeroGrad in place keeps and zeros; by default it drops", () => {
    const model = new Linear(80, 70);
    const x = randomLeaf(20, "float32", 160).detach().reshape([2, 80]);
    model.forward(x).square().sum().backward();
    const weight = model.parameters()[0] as Tensor;
    const held = weight.grad as Tensor;
    model.zeroGrad({ setToNone: false });
    expect(weight.grad).toBe(held);
    expect(held.data.every((v) => v === 0)).toBe(true);
    model.zeroGrad();
    expect(weight.grad).toBeNull();
  });

  it("trains Adam to the same bits either way", () => {
    const train = (setToNone: boolean): number[] => {
      const model = new Linear(90, 60, { generator: new Generator(21) }); // weight 5400 elements
      const optimizer = new Adam(model.parameters(), { lr: 0.01 });
      const x = randomLeaf(22, "float32", 8 * 90).detach().reshape([8, 90]);
      for (let step = 0; step < 5; step++) {
        optimizer.zeroGrad({ setToNone });
        model.forward(x).tanh().square().sum().backward();
        optimizer.step();
      }
      return model.parameters().flatMap((q) => bits(q));
    };
    expect(train(false)).toEqual(train(true));
  });
});
