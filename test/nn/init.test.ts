/**
 * Initializers: fans computed like torch (`_calculate_fan_in_and_fan_out`), and the drawn
 * values' bounds, mean and second moment checked on large tensors within 4 standard errors.
 */
import { describe, expect, it } from "vitest";
import { zeros, type Tensor } from "../../src/autograd/index.js";
import { Generator } from "../../src/tensor/index.js";
import { init, Linear } from "../../src/nn/index.js";

const big = (shape: number[] = [400, 500]): Tensor => zeros(shape, { dtype: "float64" });

/**
 * Check that the draws have mean `mean` and E[(x - mean)²] = `variance`, each within 4
 * standard errors. `fourthMoment` is E[(x - mean)⁴] of the distribution (for the SE of the
 * second moment).
 */
function expectMoments(t: Tensor, mean: number, variance: number, fourthMoment: number): void {
  const n = t.size;
  let sum = 0;
  let squares = 0;
  for (const x of t.data) {
    sum += x - mean;
    squares += (x - mean) ** 2;
  }
  const meanError = Math.abs(sum / n);
  expect(meanError).toBeLessThan(4 * Math.sqrt(variance / n));
  const secondError = Math.abs(squares / n - variance);
  expect(secondError).toBeLessThan(4 * Math.sqrt((fourthMoment - variance ** 2) / n));
}

/** U(-h, h): variance h²/3, fourth moment h⁴/5. */
function expectUniform(t: Tensor, halfWidth: number, center = 0): void {
  let min = Infinity;
  let max = -Infinity;
  for (const x of t.data) {
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  expect(min).toBeGreaterThanOrEqual(center - halfWidth);
  expect(max).toBeLessThan(center + halfWidth);
  // The draws reach the ends of the interval (n ≥ 20,000 draws).
  expect(min).toBeLessThan(center - 0.999 * halfWidth);
  expect(max).toBeGreaterThan(center + 0.999 * halfWidth);
  expectMoments(t, center, halfWidth ** 2 / 3, halfWidth ** 4 / 5);
}

/** N(μ, σ²): fourth central moment 3σ⁴. */
function expectNormal(t: Tensor, mean: number, std: number): void {
  expectMoments(t, mean, std ** 2, 3 * std ** 4);
}

describe("fans", () => {
  it("follows torch: fan_in = in·receptive, fan_out = out·receptive", () => {
    expect(init.fans([20, 50])).toEqual([50, 20]);
    expect(init.fans([16, 8, 3, 3])).toEqual([72, 144]);
    expect(init.fans([4, 2, 5])).toEqual([10, 20]);
    expect(() => init.fans([5])).toThrow(/need at least 2 dimensions, got shape \[5\]/);
  });

  it("gives the leaky-ReLU gain √(2 / (1 + a²))", () => {
    expect(init.leakyReluGain()).toBe(Math.SQRT2);
    expect(init.leakyReluGain(Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 15);
    expect(init.leakyReluGain(0.2)).toBeCloseTo(Math.sqrt(2 / 1.04), 15);
  });
});

describe("initializers draw from the stated distribution", () => {
  const generator = (): { generator: Generator } => ({ generator: new Generator(1234) });

  it("uniform(low, high)", () => {
    expectUniform(init.uniform(big(), -0.5, 2.5, generator()), 1.5, 1);
  });

  it("normal(mean, std)", () => {
    expectNormal(init.normal(big(), 0.3, 2, generator()), 0.3, 2);
  });

  it("zeros", () => {
    const t = init.uniform(big([3, 3]), 1, 2);
    expect([...init.zeros(t).data]).toEqual(new Array<number>(9).fill(0));
  });

  it("xavierUniform: U(±gain·√(6 / (fan_in + fan_out)))", () => {
    expectUniform(init.xavierUniform(big(), generator()), Math.sqrt(6 / 900));
    expectUniform(init.xavierUniform(big([64, 32, 3, 3]), { gain: 2, ...generator() }), 2 * Math.sqrt(6 / (288 + 576)));
  });

  it("xavierNormal: N(0, gain²·2 / (fan_in + fan_out))", () => {
    expectNormal(init.xavierNormal(big(), { gain: 0.5, ...generator() }), 0, 0.5 * Math.sqrt(2 / 900));
  });

  it("kaimingUniform: U(±gain·√(3 / fan_in)), gain = √(2 / (1 + a²))", () => {
    expectUniform(init.kaimingUniform(big(), generator()), Math.sqrt(6 / 500));
    expectUniform(init.kaimingUniform(big([64, 32, 3, 3]), { a: Math.sqrt(5), ...generator() }), 1 / Math.sqrt(288));
  });

  it("kaimingNormal: N(0, gain² / fan_in)", () => {
    expectNormal(init.kaimingNormal(big(), generator()), 0, Math.sqrt(2 / 500));
    expectNormal(init.kaimingNormal(big([64, 32, 3, 3]), { a: 0.1, ...generator() }), 0, Math.sqrt(2 / 1.01) / Math.sqrt(288));
  });

  it("Linear's default: weight and bias U(±1/√fan_in), as PyTorch", () => {
    const layer = new Linear(500, 400, { dtype: "float64", ...generator() });
    expectUniform(layer.weight, 1 / Math.sqrt(500));
    const wide = new Linear(50, 20_000, { dtype: "float64", ...generator() });
    expectUniform(wide.bias as Tensor, 1 / Math.sqrt(50));
  });

  it("is deterministic for a seed and draws from the default generator otherwise", () => {
    const a = init.normal(big([10, 10]), 0, 1, { generator: new Generator(9) });
    const b = init.normal(big([10, 10]), 0, 1, { generator: new Generator(9) });
    expect([...a.data]).toEqual([...b.data]);
    const c = init.normal(big([10, 10]));
    const d = init.normal(big([10, 10]));
    expect([...c.data]).not.toEqual([...d.data]);
  });
});
