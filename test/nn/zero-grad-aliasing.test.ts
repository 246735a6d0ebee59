/**
 * Gradients written in place (zeroGrad({ setToNone: false }), autograd/leaf-grad.ts) against the
 * graphs that read them: a graph built on p.grad (directly, through a detach, a view, or as an
 * op's array parameter) and run after p.grad was zeroed or written in place gives the gradient it
 * was built for; a gradient passed to backward as the upstream one is read intact by every node;
 * and zeros left by a zeroGrad in place that a pass cannot write into count as no gradient (-0
 * kept). Float32 and float64; 5000 elements, so the wasm kernels and the pool apply on the
 * default project (the js-kernels project reruns all).
 */
import { describe, expect, it } from "vitest";
import { apply, tensor, where, type OpDef, type Tensor } from "../../src/autograd/index.js";
import { SGD } from "../../src/nn/index.js";
import { Generator, NDArray, type DType } from "../../src/tensor/index.js";

const SIZE = 5000;

function randomLeaf(seed: number, dtype: DType): Tensor {
  const values = new Generator(seed).fillNormal(new Float64Array(SIZE), 0, 1);
  return tensor(values, { shape: [SIZE], dtype, requiresGrad: true });
}

const values = (t: Tensor | null): number[] => Array.from((t as Tensor).data);

/** p with p.grad = 2p held in place (a zeroGrad in place, then a backward): what trainEpoch leaves. */
function leafWithGradInPlace(seed: number, dtype: DType): { p: Tensor; optimizer: SGD } {
  const p = randomLeaf(seed, dtype);
  const optimizer = new SGD([p], { lr: 0.1 });
  p.square().sum().backward();
  optimizer.zeroGrad({ setToNone: false });
  p.square().sum().backward();
  return { p, optimizer };
}

/** The user's identity op: its backward returns g itself. */
const identity: OpDef<[NDArray], undefined> = { name: "identity", broadcasts: false, forward: ([x]) => x.clone(), backward: (g) => [g] };

/** d(Σ x·d)/dx = d, with d an array parameter (as where's condition). */
const dot: OpDef<[NDArray], NDArray> = {
  name: "dot", broadcasts: false,
  forward: ([x], d) => new NDArray(x.data.slice(0, 1).fill(Array.from(x.data).reduce((sum, v, i) => sum + v * (d.data[i] as number), 0)), []),
  backward: (_g, { params: d }) => [d.clone()],
};

for (const dtype of ["float32", "float64"] as const) {
  const round = (v: number): number => (dtype === "float32" ? Math.fround(v) : v);

  describe(`a graph built on p.grad (${dtype})`, () => {
    const views: [string, (g: Tensor) => Tensor][] = [
      ["p.grad itself", (g) => g],
      ["its detach", (g) => g.detach()],
      ["a reshape of it", (g) => g.reshape([SIZE / 2, 2])],
    ];
    for (const [name, view] of views) {
      it(`reads the values it was built with (${name}), after another backward and after a zeroGrad in place`, () => {
        const { p, optimizer } = leafWithGradInPlace(1, dtype);
        const w = randomLeaf(2, dtype);
        const built = values(p.grad);
        const held = p.grad as Tensor;
        // dy/dw = the gradient as it was when y was built. Written in place, the backward of
        // p.mul(10) would make it 2p + 10 (and the zeroGrad below, zeros) before y runs.
        const y = view(held).mul(w.reshape(view(held).shape)).sum();
        p.mul(10).sum().backward();
        expect(values(p.grad)).toEqual(built.map((v) => round(v + 10)));
        optimizer.zeroGrad({ setToNone: false });
        expect(values(p.grad).every((v) => v === 0)).toBe(true);
        y.backward();
        expect(values(w.grad)).toEqual(built);
        expect(values(held)).toEqual(built); // the held tensor was replaced, not written
        p.mul(3).sum().backward(); // and the replacement is written in place again
        expect(values(p.grad).every((v) => v === 3)).toBe(true);
      });
    }

    const asParameter: [string, (g: Tensor, w: Tensor) => Tensor, (built: number[]) => number[]][] = [
      // where(p.grad, w, 2w): dy/dw is 1 where the gradient was non-zero when y was built, else 2.
      ["where's condition", (g, w) => where(g, w, w.mul(2)).sum(), (built) => built.map((v) => (v !== 0 ? 1 : 2))],
      ["a user's op's constant", (g, w) => apply(dot, [w], g.value), (built) => built],
    ];
    for (const [name, build, expected] of asParameter) {
      it(`reads the values it was built with as an op's array parameter (${name})`, () => {
        const { p, optimizer } = leafWithGradInPlace(3, dtype);
        const w = randomLeaf(4, dtype);
        const built = values(p.grad);
        const y = build(p.grad as Tensor, w);
        optimizer.zeroGrad({ setToNone: false });
        p.mul(0).sum().backward(); // written in place, y would read these zeros
        y.backward();
        expect(values(w.grad)).toEqual(expected(built));
      });
    }
  });

  describe(`backward given p.grad as its gradient (${dtype})`, () => {
    it("reads it intact in every node ([g, g] to two branches that both reach p)", () => {
      const { p } = leafWithGradInPlace(5, dtype);
      const g = values(p.grad);
      // s = 1·p + 3·p; ds/dp · G = 4G, onto G: 5G. Written in place after the 3·p branch, the
      // 1·p branch would read 4G as its upstream gradient and give 8G.
      p.mul(1).add(p.mul(3)).backward(p.grad as Tensor);
      expect(values(p.grad)).toEqual(g.map((v) => round(round(v + round(3 * v)) + v)));
    });
  });

  describe(`a gradient reached some other way (${dtype})`, () => {
    it("by a user's op that returns it from a closure: no writing in place in that pass", () => {
      const { p } = leafWithGradInPlace(9, dtype);
      const held = p.grad as Tensor;
      const g = values(held);
      const leak: OpDef<[NDArray], undefined> = {
        name: "leak", broadcasts: false,
        forward: ([x]) => new NDArray(x.data.slice(0, 1).fill(0), []),
        backward: () => [held.value], // the leaf's own array, reached by a closure
      };
      // k's gradient is held's array, kept by the map while p.mul(2) (created later, so visited
      // first) adds 2 to p: written in place, k would pass on G + 2 and p end at 2G + 4.
      const k = p.mul(1);
      apply(leak, [k], undefined).add(p.mul(2).sum()).backward();
      expect(values(held)).toEqual(g);
      expect(values(p.grad)).toEqual(g.map((v) => round(round(v + 2) + v)));
    });

    it("by an assignment of a view of it (q.grad = p.grad.reshape(...)): never written in place", () => {
      const { p, optimizer } = leafWithGradInPlace(10, dtype);
      const q = tensor(Array.from({ length: SIZE }, () => 0), { shape: [SIZE / 2, 2], dtype, requiresGrad: true });
      q.grad = (p.grad as Tensor).reshape([SIZE / 2, 2]);
      const shared = values(q.grad);
      optimizer.zeroGrad({ setToNone: false });
      p.mul(5).sum().backward();
      expect(values(q.grad)).toEqual(shared);
      expect(values(p.grad).every((v) => v === 5)).toBe(true);
    });
  });

  describe(`zeros from a zeroGrad in place that a pass does not write into (${dtype})`, () => {
    const signed = tensor(Array.from({ length: SIZE }, (_, i) => (i % 3 === 0 ? -0 : i % 3 === 1 ? 0 : 1)), { dtype });
    const expectSigned = (grad: Tensor | null): void => {
      const data = (grad as Tensor).data;
      expect(Object.is(data[0], -0)).toBe(true);
      expect(Object.is(data[1], 0)).toBe(true);
      expect(data[2]).toBe(1);
    };

    it("count as no gradient when a user's op is in the graph: -0 kept, as on the default path", () => {
      const { p, optimizer } = leafWithGradInPlace(6, dtype);
      optimizer.zeroGrad({ setToNone: false });
      apply(identity, [p.mul(signed)], undefined).sum().backward(); // dL/dp = c: -0 at every third
      expectSigned(p.grad);
    });

    it("count as no gradient when a graph holds them: -0 kept, and the graph's zeros untouched", () => {
      const { p, optimizer } = leafWithGradInPlace(7, dtype);
      const w = randomLeaf(8, dtype);
      optimizer.zeroGrad({ setToNone: false });
      const zeros = p.grad as Tensor;
      const y = zeros.mul(w).sum(); // holds the zeros: p's gradient cannot be written into them
      p.mul(signed).sum().backward();
      expectSigned(p.grad);
      y.backward();
      expect(values(w.grad).every((v) => Object.is(v, 0))).toBe(true);
      expect(values(zeros).every((v) => Object.is(v, 0))).toBe(true);
    });
  });
}
