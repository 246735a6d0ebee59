/**
 * The reuse of dead gradient arrays (tensor/reuse.ts, fed by backward.ts): the pool's bounds, and
 * that no gradient a leaf holds, no forward value and no array shared by two gradients is ever
 * handed out again, checked on graphs whose gradients alias each other (g itself, reshapes of g,
 * [g, g], slices, broadcasts), with arrays above the pool's 4096 elements.
 */
import { describe, expect, it } from "vitest";
import { apply, bceWithLogits, concat, tensor, type OpDef, type Tensor } from "../../src/autograd/index.js";
import { allocateOverwritten, binary, Generator, NDArray, recycle } from "../../src/tensor/index.js";

const ROWS = 64;
const COLS = 128; // 8192 elements: pooled

describe("allocateOverwritten and recycle", () => {
  it("hand a recycled array back once, of its length and dtype only", () => {
    const dead = new Float32Array(5000);
    recycle(dead);
    expect(allocateOverwritten("float64", 5000)).not.toBe(dead);
    expect(allocateOverwritten("float32", 5001)).not.toBe(dead);
    expect(allocateOverwritten("float32", 5000)).toBe(dead);
    expect(allocateOverwritten("float32", 5000)).not.toBe(dead);
  });

  it("keep no views into a larger buffer, no small arrays, no array twice and at most four of a length", () => {
    const whole = new Float32Array(12000);
    recycle(whole.subarray(0, 6000));
    recycle(whole.subarray(6000));
    expect(allocateOverwritten("float32", 6000).buffer).not.toBe(whole.buffer);
    const small = new Float32Array(100);
    recycle(small);
    expect(allocateOverwritten("float32", 100)).not.toBe(small);
    const twice = new Float64Array(7000);
    recycle(twice);
    recycle(twice);
    expect(allocateOverwritten("float64", 7000)).toBe(twice);
    expect(allocateOverwritten("float64", 7000)).not.toBe(twice);
    const five = Array.from({ length: 5 }, () => new Float32Array(7001));
    five.forEach(recycle);
    const back = Array.from({ length: 5 }, () => allocateOverwritten("float32", 7001));
    expect(back.filter((a) => (five as Float32Array<ArrayBufferLike>[]).includes(a as Float32Array))).toHaveLength(4);
  });
});

/** A graph whose gradients alias one another in the ways ops return them. */
function graph(x: Tensor, w: Tensor, b: Tensor, t: Tensor): Tensor {
  const h = x.matmul(w, { bias: b }).relu(); // bias: the gradient g itself, summed back
  const twice = h.add(h); // [g, g] to one tensor
  const flat = twice.reshape([ROWS * COLS]).reshape([ROWS, COLS]); // reshapes of g
  const halves = flat.split(COLS / 2, 1); // slices
  const joined = concat([halves[1] as Tensor, halves[0] as Tensor], 1);
  const scaled = joined.mul(x.sum(1, true)); // broadcast [ROWS, 1]
  return bceWithLogits(scaled.sub(x), t).sum(1).mean().add(x.expand([2, ROWS, COLS]).square().mean());
}

function gradients(seed: number): Float32Array[] {
  const generator = new Generator(seed);
  const make = (shape: number[], requiresGrad: boolean, std = 1): Tensor =>
    tensor(generator.fillNormal(new Float32Array(shape.reduce((p, q) => p * q, 1)), 0, std), { shape, requiresGrad });
  const x = make([ROWS, COLS], true);
  const w = make([COLS, COLS], true, 0.1);
  const b = make([COLS], true);
  const t = tensor(generator.fillUniform(new Float32Array(ROWS * COLS)), { shape: [ROWS, COLS] });
  graph(x, w, b, t).backward();
  return [x, w, b].map((p) => (p.grad as Tensor).data as Float32Array);
}

describe("backward's reuse of dead gradients", () => {
  it("never hands out an array a leaf's gradient holds: gradients kept from one pass are unchanged by later passes, which repeat them", () => {
    const first = gradients(1);
    const copies = first.map((g) => g.slice());
    for (let pass = 0; pass < 4; pass++) {
      const again = gradients(1);
      again.forEach((g, i) => expect(Array.from(g), `pass ${pass}, leaf ${i}`).toEqual(Array.from(copies[i] as Float32Array)));
      // Different inputs in between, drawing on the same pool.
      gradients(2 + pass);
    }
    first.forEach((g, i) => expect(Array.from(g), `leaf ${i}`).toEqual(Array.from(copies[i] as Float32Array)));
  });

  it("never reuses a gradient that another still shares: [g, g] of add, or a reshape of g, while an op between allocates", () => {
    const generator = new Generator(5);
    const data = generator.fillNormal(new Float32Array(ROWS * COLS));
    const x = tensor(data, { shape: [ROWS * COLS], requiresGrad: true });
    // add hands one g to a and b; b's backward (the later node) allocates before a's runs.
    const [a, b] = [x.mul(2), x.mul(3)];
    a.add(b).sum().backward();
    expect(Array.from(x.grad?.data ?? [])).toEqual(Array.from(data, () => 5));
    // r's gradient reaches a2 as a reshape of it; c's backward (between them) allocates.
    const y = tensor(data, { shape: [ROWS * COLS], requiresGrad: true });
    const a2 = y.mul(2);
    const c = y.mul(5);
    const r = a2.reshape([ROWS, COLS]);
    r.mul(c.reshape([ROWS, COLS])).sum().backward(); // d/dy (2y · 5y) = 20y
    (y.grad?.data ?? []).forEach((v, i) => expect(Math.abs(v - 20 * (data[i] as number)), `${i}`).toBeLessThanOrEqual(1e-5 * Math.abs(20 * (data[i] as number))));
  });

  it("never hands out a forward value: the values of a graph are unchanged by its backward and by later passes", () => {
    const generator = new Generator(3);
    const x = tensor(generator.fillNormal(new Float32Array(ROWS * COLS)), { shape: [ROWS, COLS], requiresGrad: true });
    const h = x.mul(2).relu();
    const y = h.mul(h).add(x);
    const values = [h, y].map((v) => v.data.slice());
    y.sum().backward();
    gradients(4);
    [h, y].forEach((v, i) => expect(Array.from(v.data)).toEqual(Array.from(values[i] as Float32Array)));
  });

  it("gives an intermediate result's gradient back once its node used it: the next array of its length holds its values", () => {
    const length = 6007; // a length no other test pools
    for (let i = 0; i < 4; i++) allocateOverwritten("float32", length); // empty the pool of it
    expect(Array.from(allocateOverwritten("float32", length)).every((v) => v === 0)).toBe(true); // fresh
    const x = tensor(new Float32Array(length).fill(1), { shape: [length], requiresGrad: true });
    x.mul(2).mul(3).sum().backward(); // the gradients of the two products (1s, then 3s) die in backward
    const reused = allocateOverwritten("float32", length);
    expect(reused.some((v) => v === 1 || v === 3)).toBe(true);
    expect(x.grad?.data).not.toBe(reused);
  });

  describe("a user's op (apply is public): its arrays are never recycled", () => {
    const N = ROWS * COLS;
    const ramp = (period: number): Float32Array => Float32Array.from({ length: N }, (_, i) => (i % period) + 1);
    const ones = (): Tensor => tensor(new Float32Array(N).fill(1), { shape: [N], requiresGrad: true });

    it("a constant its backward returns stays intact", () => {
      // sum(x · d) for a fixed direction d: under a scalar loss its VJP is d itself.
      const probe: OpDef<[NDArray], NDArray> = {
        name: "probe", broadcasts: false,
        forward: ([x], d) => new NDArray(Float32Array.of(Array.from(x.data).reduce((s, v, i) => s + v * (d.data[i] as number), 0)), []),
        backward: (_g, { params: d }) => [d],
      };
      const d = new NDArray(ramp(5), [N]);
      const before = Array.from(d.data);
      for (let step = 0; step < 2; step++) {
        apply(probe, [ones().mul(2)], d).backward();
        ones().mul(3).mul(4).sum().backward(); // other passes that allocate arrays of N
      }
      expect(Array.from(d.data)).toEqual(before);
    });

    it("one fresh array returned for two inputs gives both their gradient", () => {
      // y = 2(h + k), whose backward computes 2g once and returns it for both; h already has a gradient.
      const twice: OpDef<[NDArray, NDArray], undefined> = {
        name: "twiceSum", broadcasts: false,
        forward: ([a, b]) => binary("mul", binary("add", a, b), NDArray.full([], 2, a.dtype)),
        backward: (g) => {
          const t = binary("mul", g, NDArray.full([], 2, g.dtype));
          return [t, t];
        },
      };
      const [x, y] = [ones(), ones()];
      const k = y.mul(1); // created first: its backward runs last
      const h = x.mul(1);
      const c = tensor(ramp(7), { shape: [N] });
      apply(twice, [h, k], undefined).add(h.mul(3)).mul(c).sum().backward();
      expect(Array.from(x.grad?.data ?? [])).toEqual(Array.from(ramp(7), (v) => 5 * v));
      expect(Array.from(y.grad?.data ?? [])).toEqual(Array.from(ramp(7), (v) => 2 * v));
    });

    it("an upstream gradient it keeps is not overwritten by later passes", () => {
      const seen: NDArray[] = [];
      const hook: OpDef<[NDArray], undefined> = {
        name: "hook", broadcasts: false, forward: ([x]) => x,
        backward: (g) => {
          seen.push(g);
          return [binary("mul", g, NDArray.full([], 1, g.dtype))];
        },
      };
      const c = tensor(ramp(3), { shape: [N] });
      apply(hook, [ones().mul(2)], undefined).mul(c).sum().backward();
      const kept = Array.from(seen[0]?.data ?? []);
      expect(kept).toEqual(Array.from(ramp(3)));
      ones().mul(7).mul(7).sum().backward();
      expect(Array.from(seen[0]?.data ?? [])).toEqual(kept);
    });
  });
});
