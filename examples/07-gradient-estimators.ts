/**
 * Why the reparameterization trick (docs/elbo.md, section 10): two unbiased estimators of the
 * ELBO's gradient with respect to the encoder, and their variance measured on the same model and
 * the same batch.
 *
 * 1. A linear Gaussian VAE, where the exact gradient has a closed form (eq. 20): both estimators
 *    average to it; the score function's draws scatter far more.
 * 2. A VAE trained briefly on bundled MNIST digits: the same comparison where it matters.
 *
 *   npx tsx examples/07-gradient-estimators.ts
 */
import { Generator, randn, tensor } from "../src/index.js";
import { binarizeDataset, loadBundledMnist, subset } from "../src/data/index.js";
import { Adam } from "../src/nn/index.js";
import { elboObjective, encoderParameters, gradientStatistics, linearElbo, trainEpoch, VAE, type GradientStatistics } from "../src/vae/index.js";

/** Largest |mean − exact| over the coordinates, in units of the mean's standard error. */
function worstError(stats: GradientStatistics, exact: Float64Array): number {
  let worst = 0;
  stats.mean.forEach((m, i) => (worst = Math.max(worst, Math.abs(m - (exact[i] as number)) / Math.sqrt((stats.variance[i] as number) / stats.draws))));
  return worst;
}

// 1. Closed form: linear encoder and decoder, Gaussian p(x|z) with σ² = e^−0.5.
const linear = new VAE({ inputSize: 4, hiddenSizes: [], latentSize: 2, likelihood: "gaussian", outputLogVar: -0.5, dtype: "float64", generator: new Generator(5) });
const small = randn([6, 4], { dtype: "float64", generator: new Generator(6) });
linear.zeroGrad();
linearElbo(linear, small).mean().neg().backward();
const exact = Float64Array.from(encoderParameters(linear).flatMap((p) => Array.from(p.grad?.data ?? [])));
console.log("1. linear Gaussian VAE (4 inputs, 2 latents, 6 examples): exact encoder gradient from the closed-form ELBO");
const closedForm = { reparameterized: gradientStatistics(linear, small, "reparameterized", { draws: 2000, generator: new Generator(7) }), "score-function": gradientStatistics(linear, small, "score-function", { draws: 2000, generator: new Generator(8) }) };
for (const [name, stats] of Object.entries(closedForm)) {
  console.log(`   ${name.padEnd(16)} mean of ${stats.draws} draws within ${worstError(stats, exact).toFixed(2)} standard errors of exact; total variance ${stats.totalVariance.toExponential(3)}`);
}
console.log(`   variance ratio (score function / reparameterized): ${(closedForm["score-function"].totalVariance / closedForm.reparameterized.totalVariance).toFixed(1)}`);

// 2. MNIST: a 784-200-10 VAE after one epoch on 2,000 binarized digits, and a batch of 32.
const generator = new Generator(0);
const all = loadBundledMnist();
const train = binarizeDataset(subset(all, generator.permutation(all.count).subarray(0, 2000)));
const pixels = all.height * all.width;
const model = new VAE({ inputSize: pixels, hiddenSizes: [200], latentSize: 10, generator });
trainEpoch(model, new Adam(model.parameters(), { lr: 2e-3 }), train, { objective: elboObjective(), batchSize: 100, generator, startStep: 0 });
const batch = tensor(train.images.slice(0, 32 * pixels), { shape: [32, pixels] });
const mnist = { reparameterized: gradientStatistics(model, batch, "reparameterized", { draws: 100, generator: new Generator(9) }), "score-function": gradientStatistics(model, batch, "score-function", { draws: 100, generator: new Generator(10) }) };
console.log(`2. MNIST VAE (784-200-10, one epoch on 2,000 digits), batch of 32, ${encoderParameters(model).reduce((n, p) => n + p.size, 0)} encoder parameters`);
for (const [name, stats] of Object.entries(mnist)) {
  const norm = Math.sqrt(stats.mean.reduce((a, b) => a + b * b, 0));
  // The mean of the draws carries noise of norm about √(total variance / draws).
  console.log(`   ${name.padEnd(16)} |mean of ${stats.draws} draws| ${norm.toExponential(3)} (noise in it ≈ ${Math.sqrt(stats.totalVariance / stats.draws).toExponential(3)}); total variance of one draw ${stats.totalVariance.toExponential(3)}`);
}
console.log(`   variance ratio (score function / reparameterized), MNIST: ${(mnist["score-function"].totalVariance / mnist.reparameterized.totalVariance).toFixed(0)}`);
console.log(`   draws of the score function needed to match one reparameterized draw: about ${Math.ceil(mnist["score-function"].totalVariance / mnist.reparameterized.totalVariance)}`);
