/**
 * Class names in titles (Fashion-MNIST's, or the digit), and where a decoded latent map's grid lies: the prior's quantiles for a VAE trained with the KL
 * term, the codes' bounding box for an autoencoder or a VAE trained without it (β = 0), whose
 * codes nothing pulls towards the prior (note 002's reconstruction-only panel).
 */
import { describe, expect, it } from "vitest";
import { tensor } from "../../src/autograd/index.js";
import { FASHION_MNIST_CLASSES } from "../../src/data/index.js";
import { className, latentGridFor, modelLatentMap } from "../../src/experiments/latent-figures.js";
import { Generator } from "../../src/tensor/index.js";
import { Autoencoder, inverseNormalCdf, VAE } from "../../src/vae/index.js";

const settings = { inputSize: 4, hiddenSizes: [3], latentSize: 2, generator: new Generator(0) };
// Codes that spread far beyond the prior's ±1.64, as a reconstruction-only model's do.
const codes = tensor(Float32Array.from([-12, 3, 5, -7, 15, 0.5, 0, 9]), { shape: [4, 2] });

describe("className", () => {
  it("names a Fashion-MNIST class by its name, a digit by itself", () => {
    expect(className(6, FASHION_MNIST_CLASSES)).toBe("Shirt");
    expect(className(3, FASHION_MNIST_CLASSES)).toBe("Dress");
    expect(className(6)).toBe("6");
  });
});

describe("latentGridFor", () => {
  it("is the prior for a VAE with a KL term, the codes' box for an AE and for a VAE trained with beta 0", () => {
    const vae = new VAE(settings);
    expect(latentGridFor(vae)).toBe("prior");
    expect(latentGridFor(vae, 1)).toBe("prior");
    expect(latentGridFor(vae, 4)).toBe("prior");
    expect(latentGridFor(vae, 0)).toBe("codes");
    expect(latentGridFor(new Autoencoder(settings), 1)).toBe("codes");
  });
});

describe("modelLatentMap", () => {
  it("on the codes grid spans the codes' bounding box, and says the VAE had no KL term", () => {
    const { map, spacing } = modelLatentMap(new VAE(settings), codes, 5, { grid: "codes" });
    expect(map.xValues[0]).toBeCloseTo(-12, 5);
    expect(map.xValues[4]).toBeCloseTo(15, 5);
    expect(map.xValues[2]).toBeCloseTo(1.5, 5);
    // Rows run top to bottom: the largest second coordinate first.
    expect(map.yValues[0]).toBeCloseTo(9, 5);
    expect(map.yValues[4]).toBeCloseTo(-7, 5);
    expect(map.images.shape).toEqual([25, 4]);
    expect(spacing).toMatch(/bounding box.*no KL term/);
  });

  it("on the prior grid ignores where the codes lie: the quantiles 0.05..0.95 by default", () => {
    const { map, spacing } = modelLatentMap(new VAE(settings), codes, 5);
    expect(map.xValues[0]).toBeCloseTo(inverseNormalCdf(0.05), 12);
    expect(map.xValues[4]).toBeCloseTo(inverseNormalCdf(0.95), 12);
    expect(spacing).toMatch(/inverse Gaussian CDF/);
  });

  it("for an AE spans its codes' box without mentioning a KL term", () => {
    const { map, spacing } = modelLatentMap(new Autoencoder(settings), codes, 3);
    expect([map.xValues[0], map.xValues[2]]).toEqual([-12, 15]);
    expect(spacing).toBe("even grid over the codes' bounding box");
  });
});
