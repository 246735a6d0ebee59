/**
 * The VAE's Gaussian pieces against their closed forms: the engine's gradients of the KL and
 * of the reparameterized sample must equal the analytic derivatives, and the closed-form KL must
 * agree with a Monte Carlo estimate.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assertGradcheck, Generator, tensor, type Tensor } from "../../src/index.js";
import { gaussianKL, gaussianKLPerDimension, reparameterize } from "../../src/vae/index.js";

const vector = (length: number, min: number, max: number) =>
  fc.array(fc.double({ min, max, noNaN: true }), { minLength: length, maxLength: length });

/** Random (mu, logVar, eps) triples of one random length. */
const triple = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc.tuple(vector(n, -4, 4), vector(n, -6, 4), vector(n, -3, 3)),
);

const leaf = (values: number[]): Tensor => tensor(values, { dtype: "float64", requiresGrad: true });

function expectClose(actual: Tensor | null, expected: number[], tolerance = 1e-12): void {
  expect(actual).not.toBeNull();
  const values = Array.from((actual as Tensor).data);
  values.forEach((v, i) => expect(Math.abs(v - (expected[i] as number))).toBeLessThanOrEqual(tolerance * (1 + Math.abs(expected[i] as number))));
}

describe("closed-form KL(N(mu, sigma^2) || N(0, 1))", () => {
  it("dKL/dmu = mu and dKL/dlogVar = 0.5 (exp(logVar) - 1)", () => {
    fc.assert(
      fc.property(triple, ([mu, logVar]) => {
        const m = leaf(mu);
        const lv = leaf(logVar);
        gaussianKL(m, lv).backward();
        expectClose(m.grad, mu);
        expectClose(lv.grad, logVar.map((v) => 0.5 * (Math.exp(v) - 1)));
      }),
    );
  });

  it("equals 0.5 (mu^2 + sigma^2 - log sigma^2 - 1) per dimension and is never negative", () => {
    fc.assert(
      fc.property(triple, ([mu, logVar]) => {
        const perDimension = gaussianKLPerDimension(leaf(mu), leaf(logVar));
        const expected = mu.map((m, i) => 0.5 * (m * m + Math.exp(logVar[i] as number) - (logVar[i] as number) - 1));
        expectClose(perDimension, expected);
        // Non-negative up to rounding (e^v - v - 1 cancels for tiny v).
        for (const v of perDimension.data) expect(v).toBeGreaterThanOrEqual(-1e-15);
      }),
    );
  });

  it("passes gradcheck in float64", () => {
    fc.assert(
      fc.property(triple, ([mu, logVar]) => {
        assertGradcheck((m, lv) => gaussianKL(m, lv).add(1).square().mean(), [leaf(mu), leaf(logVar)]);
      }),
      { numRuns: 30 },
    );
  });

  it("agrees with a Monte Carlo estimate of E_q[log q(z) - log p(z)] (1e5 draws) within 4 standard errors", () => {
    const generator = new Generator(2024);
    for (const [mu, logVar] of [[0.7, -1.2], [-1.5, 0.8], [0, 0], [2.5, -3]] as const) {
      const sigma = Math.exp(0.5 * logVar);
      const draws = 100_000;
      let total = 0;
      let totalSquared = 0;
      for (let i = 0; i < draws; i++) {
        const eps = generator.normal();
        const z = mu + sigma * eps;
        // log q(z) - log p(z) for one dimension; the log 2π terms cancel.
        const term = -0.5 * eps * eps - 0.5 * logVar + 0.5 * z * z;
        total += term;
        totalSquared += term * term;
      }
      const mean = total / draws;
      const standardError = Math.sqrt((totalSquared / draws - mean * mean) / draws);
      const closedForm = gaussianKL(tensor([mu], { dtype: "float64" }), tensor([logVar], { dtype: "float64" })).item();
      // With q = p (mu = 0, logVar = 0) every draw is exactly 0 and so must the difference be.
      expect(Math.abs(mean - closedForm)).toBeLessThanOrEqual(4 * standardError + 1e-15);
    }
  });
});

describe("reparameterize: z = mu + exp(0.5 logVar) eps", () => {
  it("dz/dmu = 1 and dz/dlogVar = 0.5 exp(0.5 logVar) eps (per element, via a one-hot upstream)", () => {
    fc.assert(
      fc.property(triple, ([mu, logVar, eps]) => {
        const m = leaf(mu);
        const lv = leaf(logVar);
        const e = tensor(eps, { dtype: "float64" });
        const z = reparameterize(m, lv, e);
        expectClose(z, mu.map((v, i) => v + Math.exp(0.5 * (logVar[i] as number)) * (eps[i] as number)));
        // The sum's gradient is the diagonal of the (diagonal) Jacobian.
        z.sum().backward();
        expectClose(m.grad, mu.map(() => 1));
        expectClose(lv.grad, logVar.map((v, i) => 0.5 * Math.exp(0.5 * v) * (eps[i] as number)));
        expect(e.grad).toBeNull();
      }),
    );
  });

  it("passes gradcheck in float64 with a non-uniform upstream gradient", () => {
    fc.assert(
      fc.property(triple, ([mu, logVar, eps]) => {
        const e = tensor(eps, { dtype: "float64" });
        assertGradcheck((m, lv) => reparameterize(m, lv, e).add(1).square().mean(), [leaf(mu), leaf(logVar)]);
      }),
      { numRuns: 30 },
    );
  });

  it("has no gradient with respect to the noise: eps is a constant leaf", () => {
    const e = tensor([0.3, -0.2], { dtype: "float64" });
    const z = reparameterize(leaf([1, 2]), leaf([0, 0]), e);
    expect(e.requiresGrad).toBe(false);
    expect(z.requiresGrad).toBe(true);
  });
});
