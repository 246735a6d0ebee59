/**
 * The ELBO of one batch, term by term (docs/elbo.md, eqs. 6-8, 13-15): a freshly initialized
 * VAE on 32 bundled MNIST digits.
 *
 *   npx tsx examples/05-elbo-terms.ts
 */
import { Generator, noGrad, tensor } from "../src/index.js";
import { loadBundledMnist } from "../src/data/index.js";
import { elbo, gaussianKL, iwaeBound, VAE } from "../src/vae/index.js";

const data = loadBundledMnist();
const pixels = data.height * data.width;
const batchSize = 32;
// Every 300th digit: a few of each class (the bundled set is sorted by label).
const images = new Float32Array(batchSize * pixels);
for (let i = 0; i < batchSize; i++) images.set(data.images.subarray(i * 300 * pixels, (i * 300 + 1) * pixels), i * pixels);
const x = tensor(images, { shape: [batchSize, pixels] });

const model = new VAE({ inputSize: pixels, hiddenSizes: [200], latentSize: 8, generator: new Generator(0) });
const terms = elbo(model, x, { beta: 2, generator: new Generator(1) });

console.log(`batch of ${batchSize} digits, ${pixels} pixels each, Bernoulli decoder, 8 latent dimensions`);
console.log(`reconstruction E_q[log p(x|z)] = ${terms.reconstruction.item().toFixed(2)} nats per example (one sample of z)`);
console.log(`KL(q(z|x) || p(z))             = ${terms.kl.item().toFixed(3)} nats per example (closed form)`);
console.log(`ELBO = reconstruction - KL     = ${terms.elbo.item().toFixed(2)} nats per example`);
console.log(`KL per latent dimension: [${Array.from(terms.klPerDimension.data, (v) => v.toFixed(3)).join(", ")}]`);
console.log(`loss with beta = 2: -(reconstruction - 2 KL) = ${terms.loss.item().toFixed(2)}`);

// The KL of each example from eq. 8; `elbo` reports their mean.
const { mu, logVar } = noGrad(() => model.encode(x));
const perExample = gaussianKL(mu, logVar);
console.log(`KL of the first 4 examples: [${Array.from(perExample.data.subarray(0, 4), (v) => v.toFixed(3)).join(", ")}]`);

// An untrained decoder outputs logits near 0, so each pixel costs about log 2 nats.
console.log(`for scale: ${pixels} pixels x log 2 = ${(pixels * Math.log(2)).toFixed(1)} nats`);

// The importance-weighted bound tightens with k (eq. 15).
for (const k of [1, 10, 100]) {
  console.log(`IWAE bound L_${k} = ${iwaeBound(model, x, k, { generator: new Generator(2) }).mean().item().toFixed(2)} nats per example`);
}
