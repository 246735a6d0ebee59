/**
 * The length of an image after lossless compression, the "input complexity" L(x) of Serrà et
 * al. 2020 ("Input complexity and out-of-distribution detection with likelihood-based
 * generative models", ICLR): its 8-bit pixels deflated at level 9, as a PNG holds them.
 */
import { deflateSync } from "node:zlib";
import { toByte } from "./png.js";

/** Bits of the deflated 8-bit pixels of one grayscale image (intensities in [0, 1]). */
export function compressedBits(pixels: ArrayLike<number>): number {
  return 8 * deflateSync(Uint8Array.from({ length: pixels.length }, (_, i) => toByte(pixels[i] as number)), { level: 9 }).length;
}
