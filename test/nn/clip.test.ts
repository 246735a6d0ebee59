/**
 * clipGradNorm against torch.nn.utils.clip_grad_norm_: the norm of all gradients viewed as one
 * vector; scaling by c = maxNorm / (norm + 1e-6) exactly when c < 1; null grads skipped.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { tensor, type Tensor } from "../../src/autograd/index.js";
import { clipGradNorm, gradNorm } from "../../src/nn/index.js";

/** Parameters with the given gradients (float64), one per list; null for no gradient. */
function withGrads(grads: (number[] | null)[]): Tensor[] {
  return grads.map((g) => {
    const p = tensor(new Float64Array(g?.length ?? 2), { requiresGrad: true });
    p.grad = g === null ? null : tensor(Float64Array.from(g));
    return p;
  });
}

const gradValues = (params: Tensor[]): number[][] => params.map((p) => (p.grad ? [...p.grad.data] : []));

describe("clipGradNorm", () => {
  it("returns the total 2-norm over all gradients and scales by maxNorm / (norm + 1e-6)", () => {
    const params = withGrads([[3, 4], [12], null]);
    const before = gradValues(params);
    const norm = clipGradNorm(params, 6.5);
    expect(norm).toBe(13); // √(9 + 16 + 144)
    const c = 6.5 / (13 + 1e-6);
    expect(gradValues(params)).toEqual(before.map((g) => g.map((x) => x * c)));
    expect(params[2]?.grad).toBeNull();
    expect(gradNorm(params)).toBeCloseTo(6.5, 6);
    expect(gradNorm(params)).toBeLessThan(6.5);
  });

  it("leaves the gradients bit-identical when the norm is below maxNorm", () => {
    const params = withGrads([[0.1, -0.2], [0.3, 0.4, -0.5]]);
    const before = gradValues(params);
    const norm = clipGradNorm(params, 1);
    expect(norm).toBeCloseTo(Math.sqrt(0.55), 15);
    expect(gradValues(params)).toEqual(before);
  });

  it("scales (barely) when the norm equals maxNorm, as torch's min(c, 1) does", () => {
    const params = withGrads([[3, 4]]);
    expect(clipGradNorm(params, 5)).toBe(5);
    expect(gradValues(params)).toEqual([[3 * (5 / (5 + 1e-6)), 4 * (5 / (5 + 1e-6))]]);
  });

  it("supports the ∞-norm and other p-norms", () => {
    const inf = withGrads([[1, -7], [3]]);
    expect(clipGradNorm(inf, 3.5, { normType: Infinity })).toBe(7);
    expect(gradValues(inf)).toEqual([[3.5 / (7 + 1e-6), -7 * (3.5 / (7 + 1e-6))], [3 * (3.5 / (7 + 1e-6))]]);
    const one = withGrads([[1, -2], [3]]);
    expect(clipGradNorm(one, 100, { normType: 1 })).toBe(6);
    expect(gradNorm(withGrads([[1, 2], [2]]), 3)).toBeCloseTo(Math.cbrt(17), 14);
  });

  it("returns 0 and changes nothing when there are no gradients", () => {
    const params = withGrads([null, null]);
    expect(clipGradNorm(params, 1)).toBe(0);
    expect(params.map((p) => p.grad)).toEqual([null, null]);
  });

  it("reports a non-finite norm only when asked to", () => {
    expect(clipGradNorm(withGrads([[Infinity, 1]]), 1)).toBe(Infinity);
    expect(() => clipGradNorm(withGrads([[Number.NaN]]), 1, { errorIfNonfinite: true })).toThrow(/total norm of order 2 of the gradients is NaN/);
    expect(() => clipGradNorm(withGrads([[1]]), -1)).toThrow(/maxNorm must be >= 0/);
    expect(() => gradNorm(withGrads([[1]]), 0)).toThrow(/normType must be > 0/);
  });

  it("property: the norm is the 2-norm of the concatenation; after clipping it is at most maxNorm; directions are kept", () => {
    const grads = fc.array(fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(grads, fc.double({ min: 0.01, max: 50, noNaN: true }), (g, maxNorm) => {
        const params = withGrads(g);
        const all = g.flat();
        const expected = Math.sqrt(all.reduce((s, x) => s + x * x, 0));
        const norm = clipGradNorm(params, maxNorm);
        expect(Math.abs(norm - expected)).toBeLessThanOrEqual(1e-12 * Math.max(1, expected));
        const c = Math.min(1, maxNorm / (expected + 1e-6));
        const after = gradValues(params).flat();
        after.forEach((x, i) => expect(Math.abs(x - (all[i] as number) * c)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(all[i] as number))));
        expect(gradNorm(params)).toBeLessThanOrEqual(Math.max(maxNorm, expected) * (1 + 1e-12));
        if (expected > maxNorm) expect(gradNorm(params)).toBeLessThanOrEqual(maxNorm * (1 + 1e-12));
      }),
      { seed: 20240611, numRuns: 200 },
    );
  });
});
