/** `Generator`: xoshiro128** reference outputs, seeding, state round-trips and the distributions. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Generator } from "../../src/tensor/index.js";
import { runs } from "../support/arbitraries.js";

const draws = (g: Generator, n: number, draw: (g: Generator) => number): number[] => Array.from({ length: n }, () => draw(g));

describe("Generator", () => {
  it("matches the xoshiro128** reference outputs from state [1, 2, 3, 4]", () => {
    const g = new Generator();
    g.setState({ words: [1, 2, 3, 4], spareNormal: null });
    expect(draws(g, 6, (r) => r.nextUint32())).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it("gives the same stream for the same seed and different streams for different seeds", () => {
    fc.assert(
      fc.property(fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER - 1 }), (seed) => {
        const a = draws(new Generator(seed), 8, (r) => r.nextUint32());
        expect(draws(new Generator(seed), 8, (r) => r.nextUint32())).toEqual(a);
        expect(draws(new Generator(seed + 1), 8, (r) => r.nextUint32())).not.toEqual(a);
      }),
      runs(30),
    );
    // Seeds that differ only above 32 bits give different streams too.
    expect(draws(new Generator(2 ** 32), 4, (r) => r.nextUint32())).not.toEqual(draws(new Generator(0), 4, (r) => r.nextUint32()));
  });

  it("resumes exactly from getState/setState, including a pending spare normal", () => {
    const g = new Generator(42);
    g.normal(); // leaves the second Box-Muller value pending
    const state = g.getState();
    expect(state.spareNormal).not.toBeNull();
    const mixed = (r: Generator): number[] => [r.normal(), r.normal(), r.uniform(), r.nextUint32(), r.normal(), r.integer(7)];
    const first = mixed(g);
    const resumed = new Generator(0);
    resumed.setState(state);
    expect(mixed(resumed)).toEqual(first);
    // The returned state is a snapshot: drawing more does not change it.
    expect(g.getState()).not.toEqual(state);
  });

  it("refuses invalid states", () => {
    const g = new Generator();
    expect(() => g.setState({ words: [0, 0, 0, 0], spareNormal: null })).toThrow(/all-zero state/);
    expect(() => g.setState({ words: [1, 2, 3, 2 ** 32], spareNormal: null })).toThrow(/unsigned 32-bit/);
    expect(() => g.setState({ words: [1, 2, 3, -1], spareNormal: null })).toThrow(/unsigned 32-bit/);
    expect(() => new Generator(0.5)).toThrow(/safe integer/);
  });

  it("draws normals with mean 0 and variance 1 (within 4 standard errors over 1e5 draws)", () => {
    const n = 100_000;
    const xs = draws(new Generator(7), n, (r) => r.normal());
    const mean = xs.reduce((a, b) => a + b, 0) / n;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
    expect(Math.abs(mean)).toBeLessThan(4 * Math.sqrt(1 / n));
    // The sample variance of N(0, 1) has standard error sqrt(2 / n).
    expect(Math.abs(variance - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
    // Both tails are reached (the transform does not truncate).
    expect(Math.min(...xs)).toBeLessThan(-3.5);
    expect(Math.max(...xs)).toBeGreaterThan(3.5);
  });

  it("draws uniforms in [0, 1) with mean 1/2", () => {
    const n = 100_000;
    const us = draws(new Generator(11), n, (r) => r.uniform());
    expect(us.every((u) => u >= 0 && u < 1)).toBe(true);
    const mean = us.reduce((a, b) => a + b, 0) / n;
    expect(Math.abs(mean - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / n));
    // Each tenth of the interval gets its share (within 5 standard errors of a binomial count).
    const bins = new Array<number>(10).fill(0);
    for (const u of us) {
      const bin = Math.floor(u * 10);
      bins[bin] = (bins[bin] as number) + 1;
    }
    for (const count of bins) expect(Math.abs(count - n / 10)).toBeLessThan(5 * Math.sqrt(n * 0.1 * 0.9));
  });

  it("fills arrays with uniform and normal draws from the same stream", () => {
    const out = new Float64Array(5);
    new Generator(3).fillUniform(out, -2, 2);
    const g = new Generator(3);
    expect(Array.from(out)).toEqual(draws(g, 5, (r) => -2 + 4 * r.uniform()));
    const normals = new Float64Array(5);
    new Generator(3).fillNormal(normals, 1, 3);
    const h = new Generator(3);
    expect(Array.from(normals)).toEqual(draws(h, 5, (r) => 1 + 3 * r.normal()));
  });

  it("fills normals as calls of normal() would, whatever spare is pending and whatever the length's parity", () => {
    for (const [pending, length] of [[false, 0], [false, 1], [false, 6], [true, 1], [true, 6], [true, 7], [false, 7]] as const) {
      const [filler, caller] = [new Generator(9), new Generator(9)];
      if (pending) [filler.normal(), caller.normal()];
      const out = filler.fillNormal(new Float32Array(length), -1, 0.5);
      expect(Array.from(out)).toEqual(Array.from(Float32Array.from(draws(caller, length, (r) => -1 + 0.5 * r.normal()))));
      // Both leave the same stream and the same spare behind.
      expect(filler.getState()).toEqual(caller.getState());
    }
  });

  it("draws integers in [0, n)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.nat(), (n, seed) => {
        const g = new Generator(seed);
        for (const k of draws(g, 50, (r) => r.integer(n))) {
          expect(Number.isInteger(k) && k >= 0 && k < n).toBe(true);
        }
      }),
      runs(30),
    );
    expect(() => new Generator().integer(0)).toThrow(/n must be an integer/);
    expect(() => new Generator().integer(2.5)).toThrow(/n must be an integer/);
  });

  it("draws permutations: every value of 0..n-1 exactly once", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.nat(), (n, seed) => {
        const p = Array.from(new Generator(seed).permutation(n));
        expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      }),
      runs(30),
    );
    // Not the identity (the chance of drawing it for n = 20 is 1/20!).
    expect(Array.from(new Generator(5).permutation(20))).not.toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});
