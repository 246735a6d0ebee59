/**
 * The latent map of a model: decoded means on an n × n grid of latent points over
 * [-range, range]² in dimensions 0 and 1 (the others held at `fixed`), as one image of
 * n × n digits, the top row at z₁ = +range (up is positive, as on a plot).
 */
import { noGrad, tensor, type vae } from "elbo";
import { grayBytes } from "./pixels.js";

export interface LatentMap {
  /** Gray bytes, row-major [n * height, n * width]. */
  gray: Uint8ClampedArray;
  width: number;
  height: number;
}

/** The latent point of grid cell (row, column): cell centres, spaced evenly over [-range, range]. */
export function gridPoint(row: number, column: number, n: number, range: number): [number, number] {
  const at = (i: number): number => -range + (2 * range * (i + 0.5)) / n;
  return [at(column), -at(row)];
}

export function latentMap(model: vae.VAE, n: number, range: number, fixed: Float32Array, side: { height: number; width: number }): LatentMap {
  const latent = model.latentSize;
  const points = new Float32Array(n * n * latent);
  for (let row = 0; row < n; row++) {
    for (let column = 0; column < n; column++) {
      const offset = (row * n + column) * latent;
      points.set(fixed, offset);
      points.set(gridPoint(row, column, n, range), offset);
    }
  }
  const means = noGrad(() => model.decodeMean(tensor(points, { shape: [n * n, latent], dtype: model.dtype }))).data;
  const cells = grayBytes(means);
  const { height, width } = side;
  const gray = new Uint8ClampedArray(n * height * n * width);
  for (let cell = 0; cell < n * n; cell++) {
    const top = Math.floor(cell / n) * height;
    const left = (cell % n) * width;
    for (let y = 0; y < height; y++) {
      gray.set(cells.subarray((cell * height + y) * width, (cell * height + y + 1) * width), (top + y) * n * width + left);
    }
  }
  return { gray, width: n * width, height: n * height };
}
