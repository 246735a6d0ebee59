/**
 * The latent tools behind the notes' pictures: the inverse normal CDF against known quantiles,
 * the decoded grid's layout, traversals that hold the other dimensions fixed, and attribute
 * arithmetic checked through a decoder that is a known linear map.
 */
import { describe, expect, it } from "vitest";
import { tensor, type Tensor } from "../../src/autograd/index.js";
import { attributeCodes, classMean, inverseNormalCdf, latentMap, linspace, normalQuantileGrid, traversalCodes } from "../../src/vae/latent-map.js";
import { principalPlane, projectTo2D } from "../../src/vae/latent.js";
import { Autoencoder } from "../../src/vae/autoencoder.js";
import { Generator } from "../../src/tensor/index.js";

/** A "decoder" x = A z with a known A ([latent → 3 pixels]): decoded points can be read back. */
function linearDecoder(latent: number): { latentSize: number; dtype: "float64"; decodeMean(z: Tensor): Tensor } {
  const a = Array.from({ length: 3 * latent }, (_, i) => (i % (latent + 1) === 0 ? 1 : 0.5 * ((i % 3) - 1)));
  const matrix = tensor(Float64Array.from(a), { shape: [3, latent], dtype: "float64" });
  return { latentSize: latent, dtype: "float64", decodeMean: (z) => z.matmul(matrix, { transposeB: true }) };
}

describe("inverseNormalCdf", () => {
  it("matches known quantiles of N(0, 1)", () => {
    const known: [number, number][] = [
      [0.5, 0],
      [0.975, 1.959963984540054],
      [0.95, 1.6448536269514722],
      [0.05, -1.6448536269514722],
      [0.8413447460685429, 1],
      [0.001, -3.090232306167813],
      [1e-10, -6.361340902404056],
    ];
    for (const [p, x] of known) expect(inverseNormalCdf(p)).toBeCloseTo(x, 11);
    expect(() => inverseNormalCdf(1)).toThrow("inverseNormalCdf: p must lie in (0, 1), got 1");
  });

  it("spaces the VAE's grid by the prior's mass, symmetric about 0", () => {
    const grid = normalQuantileGrid(5);
    expect(grid[0]).toBeCloseTo(-1.6448536269514722, 11);
    expect(grid[2]).toBeCloseTo(0, 12);
    expect(grid[3]).toBeCloseTo(-(grid[1] as number), 12);
    expect(grid[1]).toBeCloseTo(inverseNormalCdf(0.275), 12);
    expect(linspace(-1, 1, 3)).toEqual([-1, 0, 1]);
  });
});

describe("latentMap", () => {
  it("lays a 2-D grid out with z1 across and z2 decreasing down the rows", () => {
    const decoder = linearDecoder(2);
    const map = latentMap(decoder, { xValues: [-1, 0, 1], yValues: [-2, 2] });
    expect(map.axes).toEqual(["z1", "z2"]);
    expect(map.yValues).toEqual([2, -2]);
    expect(map.images.shape).toEqual([6, 3]);
    // Row 1 (z2 = -2), column 2 (z1 = 1): the decoded point is A [1, -2].
    const expected = decoder.decodeMean(tensor([[1, -2]], { dtype: "float64" })).data;
    expect(Array.from(map.images.data.subarray(5 * 3, 6 * 3))).toEqual(Array.from(expected));
  });

  it("puts the grid of a wider latent in the codes' principal plane", () => {
    const generator = new Generator(1);
    // Codes spread mostly along e2, then e0: the plane is spanned by those two.
    const codes = tensor(Float64Array.from({ length: 200 * 3 }, (_, i) => generator.normal() * [2, 0.01, 5][i % 3]!), { shape: [200, 3], dtype: "float64" });
    const plane = principalPlane(codes);
    expect(Math.abs(plane.first[2] as number)).toBeGreaterThan(0.999);
    expect(Math.abs(plane.second[0] as number)).toBeGreaterThan(0.999);
    const map = latentMap(linearDecoder(3), { xValues: [1], yValues: [0], codes });
    expect(map.axes).toEqual(["PC 1", "PC 2"]);
    const expected = linearDecoder(3).decodeMean(tensor([Array.from(plane.first)], { dtype: "float64" })).data;
    Array.from(expected).forEach((v, i) => expect(map.images.data[i]).toBeCloseTo(v, 12));
    expect(projectTo2D(codes)).toHaveLength(200);
    expect(() => latentMap(linearDecoder(3), { xValues: [0], yValues: [0] })).toThrow("latentMap: a 3-D latent needs codes");
  });
});

describe("traversalCodes", () => {
  it("sweeps one dimension per row and holds the others at the base code", () => {
    const base = tensor([0.5, -1, 2], { dtype: "float64" });
    const codes = traversalCodes(base, [2, 0], [-3, 0, 3]);
    expect(codes.shape).toEqual([6, 3]);
    expect(Array.from(codes.data)).toEqual([0.5, -1, -3, 0.5, -1, 0, 0.5, -1, 3, -3, -1, 2, 0, -1, 2, 3, -1, 2]);
    // Decoding the same code twice gives the same image: the held dimensions do not drift.
    const model = new Autoencoder({ inputSize: 4, hiddenSizes: [5], latentSize: 3, dtype: "float64", generator: new Generator(0) });
    const decoded = model.decodeMean(codes).data;
    const again = model.decodeMean(tensor([[0.5, -1, 0]], { dtype: "float64" })).data;
    expect(Array.from(decoded.subarray(4, 8))).toEqual(Array.from(again));
    expect(() => traversalCodes(base, [3], [0])).toThrow("traversalCodes: dimension 3 is not in [0, 3)");
  });
});

describe("attribute vectors", () => {
  it("moves codes along z̄_target − z̄_source, and decodes to x + α A(z̄_t − z̄_s) through a linear decoder", () => {
    const codes = tensor([[0, 0], [2, 0], [4, 4], [6, 4]], { dtype: "float64" });
    const labels = [1, 1, 7, 7];
    const source = classMean(codes, labels, 1);
    const target = classMean(codes, labels, 7);
    expect(Array.from(source.data)).toEqual([1, 0]);
    expect(Array.from(target.data)).toEqual([5, 4]);
    const vector = target.sub(source);
    const moved = attributeCodes(codes.slice([0], [1]), vector, [0, 0.5, 1]);
    expect(Array.from(moved.data)).toEqual([0, 0, 2, 2, 4, 4]);
    const decoder = linearDecoder(2);
    const x0 = decoder.decodeMean(codes.slice([0], [1])).data;
    const shift = decoder.decodeMean(vector.reshape([1, 2])).data;
    const decoded = decoder.decodeMean(moved).data;
    for (let p = 0; p < 3; p++) expect(decoded[2 * 3 + p]).toBeCloseTo((x0[p] as number) + (shift[p] as number), 12);
    expect(() => classMean(codes, labels, 3)).toThrow("classMean: no example has label 3");
  });
});
