/**
 * The latent map the explorer draws: `vae.latentMap` (the experiments' decoded grid, Kingma &
 * Welling 2014, Fig. 4) over the cell centres of an n × n grid on [-range, range]², in
 * (z₀, z₁) for a 2-D latent, else in the principal plane of the given codes, tiled into one
 * gray image (row 0 at the top, the largest second coordinate).
 */
import { type Tensor, vae } from "elbo";
import { grayBytes } from "./pixels.js";

export interface MapImage {
  /** Gray bytes, row-major [n * height, n * width]. */
  gray: Uint8ClampedArray;
  width: number;
  height: number;
  /** The map's axes: "z1, z2" or "PC 1, PC 2". */
  axes: [string, string];
}

/** The unit vectors the map's axes follow in latent space. */
export interface MapPlane {
  first: Float64Array;
  second: Float64Array;
}

/** The plane of a map: (z₀, z₁) for a 2-D latent, else the codes' two principal directions. */
export function mapPlane(latentSize: number, codes?: Tensor): MapPlane {
  if (latentSize > 2 && codes) {
    const { first, second } = vae.principalPlane(codes);
    return { first, second };
  }
  const unit = (axis: number): Float64Array => Float64Array.from({ length: latentSize }, (_, d) => (d === axis ? 1 : 0));
  return { first: unit(0), second: unit(1) };
}

export function mapImage(model: vae.VAE, n: number, range: number, side: { height: number; width: number }, codes?: Tensor): MapImage {
  const centres = vae.linspace(-range + range / n, range - range / n, n);
  const map = vae.latentMap(model, { xValues: centres, yValues: centres, ...(codes ? { codes } : {}) });
  const cells = grayBytes(map.images.data);
  const { height, width } = side;
  const gray = new Uint8ClampedArray(n * height * n * width);
  for (let cell = 0; cell < n * n; cell++) {
    const top = Math.floor(cell / n) * height;
    const left = (cell % n) * width;
    for (let y = 0; y < height; y++) {
      gray.set(cells.subarray((cell * height + y) * width, (cell * height + y + 1) * width), (top + y) * n * width + left);
    }
  }
  return { gray, width: n * width, height: n * height, axes: map.axes };
}
