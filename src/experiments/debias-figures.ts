/** The debias experiment's picture: the training images DB-VAE draws most and least often. */
import { subset } from "../data/index.js";
import { imageGridPng } from "../io/grid.js";
import type { DebiasResult } from "./debias.js";

/**
 * Rows 1-2: the 16 training images with the highest sampling probability, highest first;
 * rows 3-4: the 16 with the lowest, lowest last. A gray line of border separates the halves.
 */
export function resampledExtremesPng(result: DebiasResult, perHalf = 16): Uint8Array {
  const { data, probabilities } = result.last;
  const order = Array.from(probabilities.keys()).sort((a, b) => (probabilities[b] as number) - (probabilities[a] as number));
  const chosen = subset(data, [...order.slice(0, perHalf), ...order.slice(-perHalf)]);
  return imageGridPng({ data: chosen.images, count: chosen.count, height: data.height, width: data.width }, { cols: 8, scale: 2 });
}
