/**
 * Factor analysis two ways (docs/elbo.md, section 11): EM with closed-form E and M steps
 * (eqs. 17-19), and a linear VAE with a learned diagonal output variance trained by Adam on its
 * closed-form ELBO (eq. 20). The data: 1,000 points in 6 dimensions from 2 factors, with noise
 * variances from 0.1 to 0.85 (so not pPCA's isotropic noise).
 *
 *   npx tsx examples/08-factor-analysis.ts
 */
import { Generator, randn, tensor, type Tensor } from "../src/index.js";
import { Adam } from "../src/nn/index.js";
import { factorAnalysisLogLikelihood, fitFactorAnalysis, linearElbo, momentMatchedPoints, VAE } from "../src/vae/index.js";

const d = 6;
const q = 2;
const n = 1000;
const generator = new Generator(1);
const trueLoadings = randn([d, q], { dtype: "float64", generator });
const trueNoise = Float64Array.from({ length: d }, (_, i) => 0.1 + 0.15 * i);
const z = randn([n, q], { dtype: "float64", generator });
const noise = randn([n, d], { dtype: "float64", generator }).mul(tensor(trueNoise.map(Math.sqrt)));
const x = z.matmul(trueLoadings, { transposeB: true }).add(noise).add(tensor(Float64Array.from({ length: d }, (_, i) => 0.3 * i)));

const list = (t: ArrayLike<number>): string => `[${Array.from(t, (v) => v.toFixed(4)).join(", ")}]`;
const outer = (m: Tensor): Tensor => m.matmul(m, { transposeB: true });
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return worst / scale;
}

// EM: every iteration raises the log-likelihood (eq. 17), and stops when ψ stops moving.
const em = fitFactorAnalysis(x, q);
const ll = em.logLikelihoods;
console.log(`EM: ${ll.length} iterations, log-likelihood ${(ll[0] as number).toFixed(4)} → ${(ll.at(-1) as number).toFixed(10)} nats per example`);
console.log(`EM noise variances ψ      ${list(em.model.noiseVariance.data)} (generated with ${list(trueNoise)})`);

// The linear VAE: x | z ~ N(W z + m, diag ψ), q(z|x) linear in x. Its ELBO depends on the data
// only through their mean and covariance at the optimum, so it trains on 2d = 12 points with
// exactly those (momentMatchedPoints), full batch.
const points = momentMatchedPoints(x);
const steps = 4000;
function trainLinearVae(outputLogVar: "learned-diagonal" | "learned"): VAE {
  const vae = new VAE({ inputSize: d, hiddenSizes: [], latentSize: q, likelihood: "gaussian", outputLogVar, dtype: "float64", generator: new Generator(2) });
  const optimizer = new Adam(vae.parameters(), { lr: (t) => 0.05 * 0.01 ** (t / steps) });
  for (let step = 0; step < steps; step++) {
    optimizer.zeroGrad();
    linearElbo(vae, points).mean().neg().backward();
    optimizer.step();
  }
  return vae;
}
const model = trainLinearVae("learned-diagonal");
const psi = model.outputLogVar.exp();
console.log(`linear VAE noise variances ${list(psi.data)} (${steps} Adam steps)`);

const w = model.outputLayer.weight;
console.log(`noise variances, VAE vs EM: max relative difference ${relativeError(psi.data, em.model.noiseVariance.data).toExponential(2)}`);
console.log(`loadings up to rotation, W Wᵀ vs Λ Λᵀ: max relative difference ${relativeError(outer(w).data, outer(em.model.loadings).data).toExponential(2)}`);
const bound = linearElbo(model, x).mean().item();
const own = factorAnalysisLogLikelihood({ mean: model.outputLayer.bias as Tensor, loadings: w, noiseVariance: psi }, x).mean().item();
console.log(`log-likelihood: EM ${(ll.at(-1) as number).toFixed(10)}, VAE's ELBO ${bound.toFixed(10)}, exact at the VAE's (W, ψ) ${own.toFixed(10)} nats per example`);
console.log(`ELBO − EM log-likelihood: ${(bound - (ll.at(-1) as number)).toExponential(2)} nats (the bound is tight: q(z|x) is the exact posterior)`);
// The rotation the ELBO picks: WᵀΨ⁻¹W diagonal, so the posterior covariance (I + WᵀΨ⁻¹W)⁻¹ is too.
const precision = w.div(psi.reshape([-1, 1])).matmul(w, { transposeA: true }).data;
console.log(`WᵀΨ⁻¹W = ${list(precision)}: off-diagonal / diagonal ${(Math.abs(precision[1] as number) / Math.sqrt((precision[0] as number) * (precision[3] as number))).toExponential(2)}`);

// pPCA is the isotropic case (one ψ for every dimension): on these data it fits worse.
const ppca = trainLinearVae("learned");
console.log(`pPCA (one learned σ² = ${Math.exp(ppca.outputLogVar.item()).toFixed(4)}): ELBO ${linearElbo(ppca, x).mean().item().toFixed(4)} nats per example, ${(bound - linearElbo(ppca, x).mean().item()).toFixed(4)} below factor analysis`);
