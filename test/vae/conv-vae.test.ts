/**
 * The conv VAE (`arch: "conv"`, the Keras example's shape): its parameters are those of the
 * equivalent PyTorch module (bench/peers/conv_vae.py's state_dict, in
 * test/fixtures/conv-vae-torch-state-dict.json), shapes through the networks, a checkpoint
 * round trip through safetensors bytes, and a float64 gradcheck of its ELBO.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { gradcheck, rand, randn, tensor, type Tensor } from "../../src/autograd/index.js";
import { decodeSafetensors, encodeSafetensors } from "../../src/io/safetensors.js";
import { Adam, captureCheckpoint, restoreCheckpoint } from "../../src/nn/index.js";
import { Generator } from "../../src/tensor/index.js";
import { elbo, VAE } from "../../src/vae/index.js";

const torchStateDict = JSON.parse(readFileSync(new URL("../fixtures/conv-vae-torch-state-dict.json", import.meta.url), "utf8")) as Record<string, number[]>;

describe("conv VAE", () => {
  it("has exactly the state_dict of the PyTorch ConvVAE: names, order and shapes", () => {
    const model = new VAE({ inputSize: 784, arch: "conv", latentSize: 20, generator: new Generator(0) });
    expect(model.namedParameters().map(([name, p]) => [name, [...p.shape]])).toEqual(Object.entries(torchStateDict));
  });

  it("encodes [N, 784] to μ, log σ² [N, latent] and decodes z to [N, 784] logits; needs sides that are multiples of 4", () => {
    const model = new VAE({ inputSize: 784, arch: "conv", latentSize: 3, generator: new Generator(1) });
    const x = rand([5, 784], { generator: new Generator(2) });
    const { mu, logVar } = model.encode(x);
    expect([[...mu.shape], [...logVar.shape]]).toEqual([[5, 3], [5, 3]]);
    expect([...model.decode(mu).shape]).toEqual([5, 784]);
    expect([...model.sample(4, { generator: new Generator(3) }).shape]).toEqual([4, 784]);
    expect(() => new VAE({ inputSize: 900, arch: "conv" })).toThrow("VAE: the conv architecture halves the image twice, so its height and width must be multiples of 4, got 30x30");
    expect(() => new VAE({ inputSize: 784, arch: "conv", height: 14, width: 28 })).toThrow("height × width (14x28) must equal inputSize 784");
  });

  it("round-trips a checkpoint (weights, Adam's moments, generator) through safetensors bytes", () => {
    const make = (): VAE => new VAE({ inputSize: 784, arch: "conv", latentSize: 4, generator: new Generator(4) });
    const model = make();
    const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
    const generator = new Generator(5);
    const x = rand([8, 784], { generator: new Generator(6) });
    const step = (m: VAE, o: Adam, g: Generator): number => {
      o.zeroGrad();
      const terms = elbo(m, x, { generator: g });
      terms.loss.backward();
      o.step();
      return terms.loss.item();
    };
    step(model, optimizer, generator);
    const saved = captureCheckpoint({ model, optimizer, generator, metadata: { epoch: "1" } });
    const bytes = encodeSafetensors(saved.tensors, saved.metadata);
    const restored = make();
    const restoredOptimizer = new Adam(restored.parameters(), { lr: 1e-3 });
    const restoredGenerator = new Generator(99);
    restoreCheckpoint(decodeSafetensors(bytes), { model: restored, optimizer: restoredOptimizer, generator: restoredGenerator });
    // The next step from the restored state is the same, bit for bit, as the original's.
    expect(step(restored, restoredOptimizer, restoredGenerator)).toBe(step(model, optimizer, generator));
    const after = restored.namedParameters();
    model.namedParameters().forEach(([name, p], i) => expect(Array.from((after[i] as [string, Tensor])[1].data), name).toEqual(Array.from(p.data)));
  });

  it("its ELBO passes gradcheck in every parameter (float64, 4x4 images, fixed ε)", () => {
    const generator = new Generator(7);
    const model = new VAE({ inputSize: 16, arch: "conv", hiddenSizes: [5], latentSize: 2, dtype: "float64", generator });
    const x = tensor(generator.fillUniform(new Float64Array(2 * 16), 0.05, 0.95), { shape: [2, 16] });
    const eps = randn([2, 2], { dtype: "float64", generator });
    const named = model.namedParameters();
    const inputs = named.map(([, p]) => tensor(Float64Array.from(p.data), { shape: p.shape, requiresGrad: true }));
    const loss = (...params: Tensor[]): Tensor => model.withParameters(new Map(named.map(([name], i) => [name, params[i] as Tensor])), () => elbo(model, x, { eps }).loss);
    const report = gradcheck(loss, inputs, { directions: 3, maxJacobianInputs: 16 });
    const failed = report.inputs.filter((r) => !r.ok).map((r) => named[r.input]?.[0]);
    expect(failed).toEqual([]);
    expect(report.ok).toBe(true);
  });
});
