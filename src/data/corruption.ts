/**
 * Corruptions of images in [0, 1] for the denoising (V)AE (Vincent et al. 2008): the encoder
 * sees a corrupted copy, the reconstruction is scored against the clean image. Written as
 * "kind:level" on the command line:
 *
 *   gaussian:σ     x + σ·ε, ε ~ N(0, 1) per pixel, clipped to [0, 1] (the pixels' range)
 *   saltpepper:p   each pixel with probability p set to 0 or 1 (a fair coin), else kept
 *   mask:p         each pixel with probability p set to 0 (masking noise), else kept
 *
 * Every draw comes from the caller's `Generator`: one per pixel, in pixel order. Pure.
 */
import type { Generator } from "../tensor/random.js";

export type CorruptionKind = "gaussian" | "saltpepper" | "mask";

export interface Corruption {
  kind: CorruptionKind;
  /** σ for gaussian (> 0), the probability p for saltpepper and mask (in (0, 1]). */
  level: number;
}

const KINDS: readonly CorruptionKind[] = ["gaussian", "saltpepper", "mask"];

/** "gaussian:0.5" → { kind: "gaussian", level: 0.5 }; a RangeError naming the bad part otherwise. */
export function parseCorruption(spec: string): Corruption {
  const [kind, level, ...rest] = spec.split(":");
  const bad = (what: string): RangeError => new RangeError(`"${spec}": ${what} (expected gaussian:σ, saltpepper:p or mask:p, e.g. gaussian:0.5)`);
  if (!KINDS.includes(kind as CorruptionKind)) throw bad(`unknown corruption "${kind}"`);
  if (level === undefined || level.trim() === "") throw bad(`"${kind}" needs a level after the colon`);
  if (rest.length > 0) throw bad(`unexpected ":${rest.join(":")}" after the level`);
  const value = Number(level);
  if (!Number.isFinite(value)) throw bad(`level "${level}" is not a number`);
  if (kind === "gaussian" ? !(value > 0) : !(value > 0 && value <= 1)) {
    throw bad(`level ${level} is out of range: ${kind === "gaussian" ? "σ must be above 0" : "p must be in (0, 1]"}`);
  }
  return { kind: kind as CorruptionKind, level: value };
}

export function formatCorruption(corruption: Corruption): string {
  return `${corruption.kind}:${corruption.level}`;
}

/** A corrupted copy of `images` (any number of images back to back, pixels in [0, 1]). */
export function corruptImages(images: ArrayLike<number>, corruption: Corruption, generator: Generator): Float32Array {
  const out = Float32Array.from(images);
  const { kind, level } = corruption;
  for (let i = 0; i < out.length; i++) {
    if (kind === "gaussian") {
      out[i] = Math.min(1, Math.max(0, (out[i] as number) + level * generator.normal()));
      continue;
    }
    const u = generator.uniform();
    if (u >= level) continue;
    // Salt or pepper by which half of [0, p) the same draw fell in: one draw per pixel.
    out[i] = kind === "mask" || u < level / 2 ? 0 : 1;
  }
  return out;
}
