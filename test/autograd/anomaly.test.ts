/**
 * Anomaly mode: inside detectAnomaly, a NaN or ±∞ out of an op's forward, or out of its
 * backward, throws naming the op, its input shapes, the pass and where the op was created;
 * outside, nothing is checked or captured.
 */
import { describe, expect, it } from "vitest";
import { AnomalyError, detectAnomaly, isAnomalyEnabled, tensor } from "../../src/autograd/index.js";

function thrownBy(fn: () => unknown): AnomalyError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AnomalyError) return error;
    throw error;
  }
  throw new Error("expected an AnomalyError");
}

describe("detectAnomaly", () => {
  it("names the op whose forward produced a NaN, its input shapes and where it was created", () => {
    const x = tensor([[1, -2, 3], [4, 5, -6]], { requiresGrad: true });
    const error = thrownBy(() => detectAnomaly(() => x.mul(2).log().sum()));
    expect(error.op).toBe("log");
    expect(error.pass).toBe("forward");
    expect(error.inputShapes).toEqual([[2, 3]]);
    expect(error.message).toMatch(/^anomaly: op "log" \(inputs \[2,3\]\) produced 2 NaN or infinite values of 6 in \[2,3\] \(first at flat index 1: NaN\)/);
    expect(error.creation).toMatch(/anomaly\.test\.ts/);
    expect(error.message).toContain("created at:");
  });

  it("names the op whose backward returned an infinite gradient, with the stack of its forward", () => {
    const x = tensor([0, 4, 9], { requiresGrad: true });
    // √x is finite at 0, but d√x/dx = 1/(2√x) is +∞ there.
    const error = thrownBy(() => detectAnomaly(() => x.sqrt().mul(tensor([1, 2, 3])).sum().backward()));
    expect(error.op).toBe("sqrt");
    expect(error.pass).toBe("backward");
    expect(error.message).toMatch(/^anomaly: op "sqrt" \(inputs \[3\]\) returned in backward 1 NaN or infinite value of 3 in \[3\] \(first at flat index 0: Infinity\) for input 0/);
    expect(error.creation).toMatch(/anomaly\.test\.ts/);
    expect(x.grad).toBeNull();
  });

  it("checks nothing and captures nothing when off, and is off again after it returns or throws", () => {
    const x = tensor([-1, 0], { requiresGrad: true });
    const y = x.log();
    expect(Number.isNaN(y.data[0])).toBe(true);
    expect(y.node?.creation).toBeUndefined();
    expect(() => detectAnomaly(() => x.log())).toThrow(AnomalyError);
    expect(isAnomalyEnabled()).toBe(false);
    const inside = detectAnomaly(() => detectAnomaly(() => x.add(1)).node?.creation);
    expect(inside).toMatch(/anomaly\.test\.ts/);
    expect(isAnomalyEnabled()).toBe(false);
  });

  it("stays on across an async function's awaits until its promise settles, resolved or rejected", async () => {
    const x = tensor([-1, 0], { requiresGrad: true });
    const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
    const running = detectAnomaly(async () => {
      await pause();
      return isAnomalyEnabled();
    });
    expect(isAnomalyEnabled()).toBe(true);
    expect(await running).toBe(true);
    expect(isAnomalyEnabled()).toBe(false);
    const failing = detectAnomaly(async () => {
      await pause();
      return x.log();
    });
    await expect(failing).rejects.toThrow(AnomalyError);
    expect(isAnomalyEnabled()).toBe(false);
  });

  it("lets finite computations through unchanged", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const loss = detectAnomaly(() => {
      const l = x.square().mean();
      l.backward();
      return l;
    });
    expect(loss.item()).toBeCloseTo(14 / 3, 6);
    expect([...(x.grad?.data ?? [])]).toEqual([2 / 3, 4 / 3, 2].map(Math.fround));
  });
});
