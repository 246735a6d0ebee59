/**
 * `elbo/testing` as a user meets it: the README's example (a custom op checked in a few lines)
 * passes, and a wrong backward, a wrong broadcast gradient or a non-deterministic one fails with
 * the op named.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { apply, NDArray, type OpDef, type Tensor } from "../../src/index.js";
import { arbitraries, checkGradients, checkOpGradients } from "../../src/testing.js";

// The README's custom op: x³, forward and vector-Jacobian product side by side.
const cubeOp: OpDef<[NDArray], undefined> = {
  name: "cube",
  broadcasts: false,
  forward: ([x]) => new NDArray(x.data.map((v) => v ** 3), x.shape),
  backward: (g, { inputs: [x] }) => [new NDArray(g.data.map((gi, i) => 3 * (x.data[i] as number) ** 2 * gi), x.shape)],
};
const cube = (x: Tensor): Tensor => apply(cubeOp, [x], undefined);
const arb = arbitraries(fc);

describe("elbo/testing", () => {
  it("passes a correct custom op, alone and in a broadcast product (the README's example)", () => {
    checkGradients(fc, { run: cube, inputs: fc.tuple(arb.tensor(arb.shape())) });
    checkGradients(fc, { run: (a, b) => cube(a).mul(b), inputs: arb.broadcastTensors(2) });
  });

  it("fails a wrong backward, naming the op and the worst element", () => {
    const wrong: OpDef<[NDArray], undefined> = { ...cubeOp, backward: (g, { inputs: [x] }) => [new NDArray(g.data.map((gi, i) => 2 * (x.data[i] as number) ** 2 * gi), x.shape)] };
    const run = (x: Tensor): Tensor => apply(wrong, [x], undefined);
    expect(() => checkOpGradients(fc, { run, inputs: fc.tuple(arb.tensor([3])) }, { name: "cube", numRuns: 5, seed: 1 })).toThrow(/cube on the op: gradcheck FAILED[\s\S]*MISMATCH/);
  });

  it("fails a backward that differs between two runs", () => {
    let calls = 0;
    const flaky: OpDef<[NDArray], undefined> = { ...cubeOp, backward: (g, context) => (calls++ % 2 === 0 ? cubeOp.backward(g, context) : [g]) };
    const run = (x: Tensor): Tensor => apply(flaky, [x], undefined);
    expect(() => checkOpGradients(fc, { run, inputs: fc.tuple(arb.tensor([2])) }, { numRuns: 3, seed: 1 })).toThrow(/backward run twice gave different gradients/);
  });

  it("draws broadcast pairs: shapes that differ yet broadcast, with values in the range and off zero", () => {
    const pairs = fc.sample(arb.broadcastTensors(2, { low: -1, high: 1, awayFromZero: 0.1 }), { numRuns: 200, seed: 3 });
    expect(pairs.some(([a, b]) => a?.shape.join() !== b?.shape.join())).toBe(true);
    for (const tensors of pairs) {
      for (const t of tensors) {
        expect(t.requiresGrad && t.dtype === "float64").toBe(true);
        expect(t.data.every((v) => Math.abs(v) >= 0.1 && Math.abs(v) <= 1)).toBe(true);
      }
    }
  });
});
