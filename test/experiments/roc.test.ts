/**
 * AUROC, the ROC curve and AUPRC: a case worked by hand (with ties), and properties over
 * random scores: invariance to strictly increasing transforms, 1 − AUROC when the labels swap,
 * 0.5 (within sampling error) when both sets come from one distribution, and agreement with
 * the definition P(s⁺ > s⁻) + ½ P(s⁺ = s⁻) counted pair by pair.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { auprc, auroc, rocCurve } from "../../src/experiments/roc.js";
import { Generator } from "../../src/tensor/index.js";

// Positives 0.9, 0.8, 0.4, 0.4 against negatives 0.7, 0.4, 0.2.
const positives = [0.9, 0.8, 0.4, 0.4];
const negatives = [0.7, 0.4, 0.2];

/** P(s⁺ > s⁻) + ½ P(s⁺ = s⁻), pair by pair. */
function pairwise(pos: readonly number[], neg: readonly number[]): number {
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}

const scoreList = fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 40 });

describe("AUROC, ROC curve and AUPRC by hand", () => {
  it("AUROC counts the 12 pairs: 0.9 and 0.8 beat all 3, each 0.4 beats 0.2 and ties 0.4: 9/12", () => {
    expect(auroc(positives, negatives)).toBe(0.75);
  });

  it("the curve steps once per distinct score, ties together", () => {
    const curve = rocCurve(positives, negatives);
    expect(curve.thresholds).toEqual([Infinity, 0.9, 0.8, 0.7, 0.4, 0.2]);
    expect(curve.truePositiveRate).toEqual([0, 0.25, 0.5, 0.5, 1, 1]);
    expect(curve.falsePositiveRate).toEqual([0, 0, 0, 1 / 3, 2 / 3, 1]);
    expect(curve.precision).toEqual([1, 1, 1, 2 / 3, 4 / 6, 4 / 7]);
  });

  it("AUPRC is Σ (ΔR) P = 0.25·1 + 0.25·1 + 0.5·(4/6) = 5/6", () => {
    expect(auprc(positives, negatives)).toBeCloseTo(5 / 6, 14);
  });

  it("perfect and reversed scores give 1 and 0; infinities sort", () => {
    expect(auroc([3, 4, Infinity], [-Infinity, 1, 2])).toBe(1);
    expect(auprc([3, 4, Infinity], [-Infinity, 1, 2])).toBe(1);
    expect(auroc([-Infinity, 1], [3, Infinity])).toBe(0);
  });

  it("names the empty or NaN input", () => {
    expect(() => auroc([], [1])).toThrow(/auroc: no positive scores/);
    expect(() => auprc([1], [2, Number.NaN])).toThrow(/rocCurve: negative score 1 is NaN/);
  });
});

describe("AUROC properties", () => {
  it("equals the pairwise definition, ties included", () => {
    fc.assert(fc.property(scoreList, scoreList, (pos, neg) => {
      expect(auroc(pos, neg)).toBeCloseTo(pairwise(pos, neg), 12);
    }));
  });

  it("is unchanged by strictly increasing transforms of the scores (AUPRC and the curve too)", () => {
    const transforms = [(s: number) => 3 * s - 7, (s: number) => s ** 3, (s: number) => Math.exp(s / 10), (s: number) => Math.atan(s / 20)];
    fc.assert(fc.property(scoreList, scoreList, fc.integer({ min: 0, max: transforms.length - 1 }), (pos, neg, which) => {
      const f = transforms[which] as (s: number) => number;
      expect(auroc(pos.map(f), neg.map(f))).toBe(auroc(pos, neg));
      expect(auprc(pos.map(f), neg.map(f))).toBe(auprc(pos, neg));
      expect(rocCurve(pos.map(f), neg.map(f)).truePositiveRate).toEqual(rocCurve(pos, neg).truePositiveRate);
    }));
  });

  it("is 1 − AUROC when positives and negatives swap", () => {
    fc.assert(fc.property(scoreList, scoreList, (pos, neg) => {
      expect(auroc(neg, pos)).toBeCloseTo(1 - auroc(pos, neg), 12);
    }));
  });

  it("is 0.5 within sampling error when both sets are drawn from one distribution", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 200, max: 2000 }), fc.integer({ min: 200, max: 2000 }), (seed, nPos, nNeg) => {
        const generator = new Generator(seed);
        const draw = (n: number): Float64Array => Float64Array.from({ length: n }, () => generator.normal() * 3 + 1);
        // Under H0, AUROC has mean 1/2 and variance (n⁺ + n⁻ + 1) / (12 n⁺ n⁻) (Mann-Whitney).
        const sd = Math.sqrt((nPos + nNeg + 1) / (12 * nPos * nNeg));
        expect(Math.abs(auroc(draw(nPos), draw(nNeg)) - 0.5)).toBeLessThan(5 * sd);
      }),
      { numRuns: 50 },
    );
  });

  it("the curve's trapezoid area equals AUROC, and AUPRC lies in (0, 1]", () => {
    fc.assert(fc.property(scoreList, scoreList, (pos, neg) => {
      const { falsePositiveRate: x, truePositiveRate: y } = rocCurve(pos, neg);
      let area = 0;
      for (let t = 1; t < x.length; t++) area += ((x[t] as number) - (x[t - 1] as number)) * ((y[t] as number) + (y[t - 1] as number)) / 2;
      expect(area).toBeCloseTo(auroc(pos, neg), 12);
      expect(x.at(-1)).toBe(1);
      expect(y.at(-1)).toBe(1);
      const ap = auprc(pos, neg);
      expect(ap).toBeGreaterThan(0);
      expect(ap).toBeLessThanOrEqual(1 + 1e-12);
    }));
  });
});
