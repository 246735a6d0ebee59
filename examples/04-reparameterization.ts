/**
 * The reparameterization trick (docs/elbo.md, eqs. 11-12): gradients through a sample.
 *
 * 1. One sample z = μ + exp(½ log σ²) · ε: backward() gives ∂z/∂μ = 1 and ∂z/∂log σ² = ½ σ ε,
 *    exactly the analytic values.
 * 2. The gradient of an expectation: for f(z) = z², E_q[z²] = μ² + σ², so
 *    ∂/∂μ E = 2μ and ∂/∂log σ² E = σ². Averaging the gradients of many reparameterized samples
 *    gives the same numbers, up to Monte Carlo noise.
 *
 *   npx tsx examples/04-reparameterization.ts
 */
import { Generator, tensor } from "../src/index.js";
import { reparameterize, sampleEpsilon } from "../src/vae/index.js";

const muValues = [0.5, -1.0, 2.0];
const logVarValues = [0.0, -1.0, 0.7];
const generator = new Generator(0);

// 1. One sample, one backward per latent dimension (z.sum() has ∂/∂z_j = 1 for each j).
const mu = tensor(muValues, { dtype: "float64", requiresGrad: true });
const logVar = tensor(logVarValues, { dtype: "float64", requiresGrad: true });
const eps = sampleEpsilon([3], generator, "float64");
const z = reparameterize(mu, logVar, eps);
z.sum().backward();
console.log("one sample:");
for (let j = 0; j < 3; j++) {
  const sigma = Math.exp(0.5 * (logVarValues[j] as number));
  const e = eps.data[j] as number;
  console.log(
    `  z[${j}] = ${(z.data[j] as number).toFixed(4)}: dz/dmu = ${(mu.grad?.data[j] as number).toFixed(4)} (analytic 1), ` +
      `dz/dlogVar = ${(logVar.grad?.data[j] as number).toFixed(4)} (analytic 0.5·sigma·eps = ${(0.5 * sigma * e).toFixed(4)})`,
  );
}
console.log(`eps requires grad: ${eps.requiresGrad} (a constant leaf: the randomness is outside the graph)`);

// 2. ∇ E_q[z²] from n samples at once: eps is [n, 3], mu and logVar broadcast over the rows.
const n = 200_000;
const mu2 = tensor(muValues, { dtype: "float64", requiresGrad: true });
const logVar2 = tensor(logVarValues, { dtype: "float64", requiresGrad: true });
const manyEps = sampleEpsilon([n, 3], generator, "float64");
reparameterize(mu2, logVar2, manyEps).square().mean(0).sum().backward();
console.log(`gradient of E[z^2], averaged over ${n} samples:`);
let worst = 0;
for (let j = 0; j < 3; j++) {
  const m = muValues[j] as number;
  const variance = Math.exp(logVarValues[j] as number);
  const gMu = mu2.grad?.data[j] as number;
  const gLogVar = logVar2.grad?.data[j] as number;
  worst = Math.max(worst, Math.abs(gMu - 2 * m), Math.abs(gLogVar - variance));
  console.log(
    `  dim ${j}: d/dmu ${gMu.toFixed(4)} (analytic 2·mu = ${(2 * m).toFixed(4)}), ` +
      `d/dlogVar ${gLogVar.toFixed(4)} (analytic sigma^2 = ${variance.toFixed(4)})`,
  );
}
console.log(`largest Monte Carlo error: ${worst.toFixed(4)}`);
