/** VAEConfig.activation: tanh hidden layers (Burda et al.'s networks) with the same parameter names and draws as ReLU. */
import { describe, expect, it } from "vitest";
import { Generator, randn, tensor } from "../../src/index.js";
import { VAE } from "../../src/vae/index.js";

describe("VAE activation", () => {
  it('"tanh" computes tanh(W x + b) in every dense hidden layer, with the same parameters as "relu"', () => {
    const config = { inputSize: 6, hiddenSizes: [5, 4], latentSize: 3, dtype: "float64" as const };
    const tanhModel = new VAE({ ...config, activation: "tanh", generator: new Generator(1) });
    const reluModel = new VAE({ ...config, generator: new Generator(1) });
    expect(tanhModel.activation).toBe("tanh");
    expect(reluModel.activation).toBe("relu");
    const names = (m: VAE): string[] => m.namedParameters().map(([name]) => name);
    expect(names(tanhModel)).toEqual(names(reluModel));
    tanhModel.namedParameters().forEach(([, p], i) => expect(p.data).toEqual(reluModel.parameters()[i]?.data));

    // The encoder by hand: two tanh layers, then the mean head.
    const x = randn([2, 6], { dtype: "float64", generator: new Generator(2) });
    const [w0, b0, w1, b1] = ["encoder.0.weight", "encoder.0.bias", "encoder.2.weight", "encoder.2.bias"].map((n) => tanhModel.namedParameters().find(([name]) => name === n)?.[1]);
    const layer = (input: Float64Array, w: typeof w0, b: typeof w0, rows: number, inSize: number, outSize: number): Float64Array => {
      const out = new Float64Array(rows * outSize);
      for (let r = 0; r < rows; r++) {
        for (let o = 0; o < outSize; o++) {
          let total = b?.data[o] as number;
          for (let i = 0; i < inSize; i++) total += (w?.data[o * inSize + i] as number) * (input[r * inSize + i] as number);
          out[r * outSize + o] = Math.tanh(total);
        }
      }
      return out;
    };
    const hidden = layer(layer(Float64Array.from(x.data), w0, b0, 2, 6, 5), w1, b1, 2, 5, 4);
    const viaModel = tanhModel.encoder.forward(x);
    Array.from(viaModel.data).forEach((v, i) => expect(v).toBeCloseTo(hidden[i] as number, 12));
    expect(Array.from(reluModel.encoder.forward(x).data).every((v) => v >= 0)).toBe(true);
    expect(Array.from(viaModel.data).some((v) => v < 0)).toBe(true);
    // The decoder too.
    const decoded = tanhModel.decoder.forward(tensor(new Float64Array(3).fill(-3), { shape: [1, 3] }));
    expect(Array.from(decoded.data).every((v) => Math.abs(v) < 1)).toBe(true);
  });

  it("rejects an unknown activation", () => {
    expect(() => new VAE({ inputSize: 4, activation: "gelu" as "relu" })).toThrow('VAE: activation must be "relu" or "tanh", got gelu');
  });
});
