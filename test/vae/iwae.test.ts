/**
 * The IWAE objective (Burda et al. 2016): its gradient in float64 against central differences,
 * the self-normalized importance-weighted form of that gradient, and k = 1 against the one-sample
 * ELBO (eq. 4) draw by draw, and against the closed-form-KL ELBO in expectation.
 */
import { describe, expect, it } from "vitest";
import { assertGradcheck, Generator, randn, tensor, type Tensor } from "../../src/index.js";
import { elbo, gaussianLogDensity, iwae, iwaeBound, iwaeLogWeights, iwaeObjective, reparameterize, standardNormalLogDensity, trainEpoch, VAE } from "../../src/vae/index.js";
import { Adam } from "../../src/nn/index.js";

type Config = { likelihood: "bernoulli" | "gaussian"; outputLogVar: number | "learned"; activation: "relu" | "tanh" };

function smallVae(seed: number, config: Config = { likelihood: "bernoulli", outputLogVar: 0, activation: "tanh" }): VAE {
  return new VAE({ inputSize: 6, hiddenSizes: [5, 4], latentSize: 3, ...config, dtype: "float64", generator: new Generator(seed) });
}

function pixels(rows: number, cols: number, seed: number): Tensor {
  const x = randn([rows, cols], { dtype: "float64", generator: new Generator(seed) });
  return tensor(Float64Array.from(x.data, (v) => 1 / (1 + Math.exp(-2 * v))), { shape: [rows, cols] });
}

/** The gradient of `loss` with respect to every parameter, flattened in parameter order. */
function gradientOf(model: VAE, loss: () => Tensor): Float64Array {
  model.zeroGrad();
  loss().backward();
  return Float64Array.from(model.parameters().flatMap((p) => Array.from(p.grad?.data ?? new Float64Array(p.size))));
}

/** log w = log p(x|z) + log p(z) − log q(z|x) at z = μ + σ ε for ε [batch, latent]: eq. 4's integrand, one per example. */
function oneSampleLogWeight(model: VAE, x: Tensor, eps: Tensor): Tensor {
  const { mu, logVar } = model.encode(x);
  const z = reparameterize(mu, logVar, eps);
  return model.logLikelihood(model.decode(z), x).add(standardNormalLogDensity(z)).sub(gaussianLogDensity(z, mu, logVar));
}

describe("iwae (the IWAE objective)", () => {
  it("gradcheck of −L_5 against every parameter (float64, fixed ε): Bernoulli, and Gaussian with a learned variance", () => {
    const configs: Config[] = [
      { likelihood: "bernoulli", outputLogVar: 0, activation: "tanh" },
      { likelihood: "gaussian", outputLogVar: "learned", activation: "relu" },
    ];
    for (const config of configs) {
      const model = smallVae(7, config);
      const x = pixels(4, 6, 1);
      const eps = randn([5, 4, 3], { dtype: "float64", generator: new Generator(2) });
      const named = model.namedParameters();
      const inputs = named.map(([, p]) => tensor(Float64Array.from(p.data), { shape: p.shape, requiresGrad: true }));
      const report = assertGradcheck(
        (...params) => model.withParameters(new Map(named.map(([name], i) => [name, params[i] as Tensor])), () => iwae(model, x, 5, { eps }).loss),
        inputs,
      );
      expect(report.inputs).toHaveLength(named.length);
    }
  });

  it("its gradient is Σ_i w̃_i ∇ log w_i with the self-normalized weights w̃_i = w_i / Σ_j w_j", () => {
    const model = smallVae(3);
    const x = pixels(1, 6, 4);
    const k = 6;
    const eps = randn([k, 1, 3], { dtype: "float64", generator: new Generator(5) });
    const logWeights = Array.from(iwaeLogWeights(model, x, k, { eps }).data);
    const max = Math.max(...logWeights);
    const total = logWeights.reduce((s, lw) => s + Math.exp(lw - max), 0);
    const normalized = logWeights.map((lw) => Math.exp(lw - max) / total);
    // The weights are far from uniform, so the check is not the plain average of the per-sample gradients.
    expect(Math.max(...normalized) / Math.min(...normalized)).toBeGreaterThan(2);
    const combined = new Float64Array(gradientOf(model, () => iwae(model, x, k, { eps }).loss).length);
    for (let i = 0; i < k; i++) {
      const eps1 = eps.slice([i, 0, 0], [i + 1, 1, 3]).reshape([1, 3]).detach();
      const perSample = gradientOf(model, () => oneSampleLogWeight(model, x, eps1).sum().neg());
      perSample.forEach((g, j) => (combined[j] = (combined[j] as number) + (normalized[i] as number) * g));
    }
    const autodiff = gradientOf(model, () => iwae(model, x, k, { eps }).loss);
    let worst = 0;
    autodiff.forEach((g, j) => (worst = Math.max(worst, Math.abs(g - (combined[j] as number)) / (1e-12 + Math.abs(g)))));
    expect(worst).toBeLessThan(1e-9);
  });

  it("with k = 1 equals the one-sample ELBO of eq. 4, value and gradient, bit for bit", () => {
    const model = smallVae(9, { likelihood: "gaussian", outputLogVar: "learned", activation: "tanh" });
    const x = pixels(5, 6, 6);
    const eps = randn([1, 5, 3], { dtype: "float64", generator: new Generator(8) });
    const elboLoss = (): Tensor => oneSampleLogWeight(model, x, eps.reshape([5, 3]).detach()).mean().neg();
    expect(iwae(model, x, 1, { eps }).loss.item()).toBe(elboLoss().item());
    expect(Array.from(gradientOf(model, () => iwae(model, x, 1, { eps }).loss))).toEqual(Array.from(gradientOf(model, elboLoss)));
  });

  it("with k = 1 has the gradient of the closed-form-KL ELBO in expectation (within 4 standard errors, 400 draws)", () => {
    const model = smallVae(12);
    const x = pixels(4, 6, 13);
    const generator = new Generator(14);
    const draws = 400;
    const size = gradientOf(model, () => elbo(model, x, { generator }).loss).length;
    const sum = new Float64Array(size);
    const sumSquares = new Float64Array(size);
    for (let r = 0; r < draws; r++) {
      const eps = randn([1, 4, 3], { dtype: "float64", generator });
      const diff = gradientOf(model, () => iwae(model, x, 1, { eps }).loss);
      const closed = gradientOf(model, () => elbo(model, x, { eps: eps.reshape([4, 3]) }).loss);
      diff.forEach((g, j) => {
        const d = g - (closed[j] as number);
        sum[j] = (sum[j] as number) + d;
        sumSquares[j] = (sumSquares[j] as number) + d * d;
      });
    }
    let worst = 0;
    let differing = 0;
    sum.forEach((s, j) => {
      const mean = s / draws;
      const variance = ((sumSquares[j] as number) / draws - mean * mean) * (draws / (draws - 1));
      if (variance > 1e-20) {
        differing++;
        worst = Math.max(worst, Math.abs(mean) / Math.sqrt(variance / draws));
      }
    });
    // Draw by draw the two gradients differ (the encoder's, through the sampled KL) ...
    expect(differing).toBeGreaterThan(0);
    // ... but not on average.
    expect(worst).toBeLessThan(4);
  });

  it("reports L_k (as iwaeBound), the reconstruction of the same draws and the closed-form KL", () => {
    const model = smallVae(2);
    const x = pixels(3, 6, 3);
    const eps = randn([4, 3, 3], { dtype: "float64", generator: new Generator(4) });
    const terms = iwae(model, x, 4, { eps });
    expect(terms.bound.item()).toBeCloseTo(iwaeBound(model, x, 4, { eps }).mean().item(), 12);
    expect(terms.loss.item()).toBe(-terms.bound.item());
    expect(terms.elbo.item()).toBeCloseTo(terms.reconstruction.item() - terms.kl.item(), 12);
    const { mu, logVar } = model.encode(x);
    const z = reparameterize(mu, logVar, eps);
    expect(terms.reconstruction.item()).toBeCloseTo(model.logLikelihood(model.decode(z), x).mean().item(), 12);
    expect(() => iwae(model, x, 0)).toThrow("iwae: k must be a positive integer, got 0");
    expect(() => iwae(model, x, 2, { eps })).toThrow(/iwae/);
  });

  it("as the trainer's iwaeObjective: the same loss and terms for the same draws, L_k averaged per epoch", () => {
    const model = smallVae(21);
    const x = pixels(6, 6, 22);
    const batch = iwaeObjective(3)(model, x, { step: 0, generator: new Generator(23) });
    const direct = iwae(model, x, 3, { generator: new Generator(23) });
    expect(batch.loss.item()).toBe(direct.loss.item());
    expect(Object.fromEntries(Object.entries(batch.terms).map(([name, t]) => [name, t.item()]))).toEqual({
      reconstruction: direct.reconstruction.item(),
      kl: direct.kl.item(),
      elbo: direct.elbo.item(),
      bound: direct.bound.item(),
    });
    expect(batch.codes?.shape).toEqual([6, 3]);
    expect(() => iwaeObjective(0)).toThrow("iwaeObjective: k must be a positive integer, got 0");
    // Two patterns (the first or last three pixels on): a structure the model can learn.
    const images = Float32Array.from({ length: 40 * 6 }, (_, i) => (Math.floor(i / 6) % 2 === 0) === (i % 6 < 3) ? 0.95 : 0.05);
    const data = { images, labels: new Uint8Array(40), count: 40, height: 2, width: 3, name: "patterns" };
    const optimizer = new Adam(model.parameters(), { lr: 1e-2 });
    const first = trainEpoch(model, optimizer, data, { objective: iwaeObjective(5), batchSize: 10, generator: new Generator(25), startStep: 0 });
    let last = first;
    for (let epoch = 1; epoch < 30; epoch++) last = trainEpoch(model, optimizer, data, { objective: iwaeObjective(5), batchSize: 10, generator: new Generator(25 + epoch), startStep: 4 * epoch });
    expect(Object.keys(first).sort()).toEqual(["bound", "elbo", "kl", "reconstruction", "skipped", "steps"]);
    // Training raises L_5 (measured: −4.29 nats in the first epoch, −1.96 in the 30th).
    expect(last.bound).toBeGreaterThan(first.bound + 1);
  });
});
