/** The denoising VAE's corruptions: parsing with errors that name the bad part, seeded draws, and each kind's rate and range. */
import { describe, expect, it } from "vitest";
import { corruptImages, formatCorruption, parseCorruption } from "../../src/data/corruption.js";
import { Generator } from "../../src/tensor/index.js";

const gray = new Float32Array(20_000).fill(0.5);

describe("parseCorruption", () => {
  it("reads kind:level and writes it back canonically", () => {
    expect(parseCorruption("gaussian:0.5")).toEqual({ kind: "gaussian", level: 0.5 });
    expect(formatCorruption(parseCorruption("saltpepper:.20"))).toBe("saltpepper:0.2");
    expect(parseCorruption("mask:1")).toEqual({ kind: "mask", level: 1 });
  });

  it.each([
    ["blur:1", 'unknown corruption "blur"'],
    ["gaussian", '"gaussian" needs a level'],
    ["gaussian:", '"gaussian" needs a level'],
    ["gaussian:x", 'level "x" is not a number'],
    ["gaussian:0", "σ must be above 0"],
    ["mask:1.5", "p must be in (0, 1]"],
    ["saltpepper:-0.1", "p must be in (0, 1]"],
    ["mask:0.2:3", 'unexpected ":3"'],
  ])("%s is refused: %s", (spec, part) => {
    expect(() => parseCorruption(spec)).toThrow(part);
    expect(() => parseCorruption(spec)).toThrow(`"${spec}"`);
  });
});

describe("corruptImages", () => {
  it("is a function of the generator's state, and leaves its input alone", () => {
    const a = corruptImages(gray, parseCorruption("gaussian:0.3"), new Generator(7));
    const b = corruptImages(gray, parseCorruption("gaussian:0.3"), new Generator(7));
    const c = corruptImages(gray, parseCorruption("gaussian:0.3"), new Generator(8));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(gray.every((v) => v === 0.5)).toBe(true);
  });

  it("gaussian: x + σε clipped to [0, 1], with the noise's spread", () => {
    const out = corruptImages(gray, { kind: "gaussian", level: 0.1 }, new Generator(1));
    expect(out.every((v) => v >= 0 && v <= 1)).toBe(true);
    const residuals = Array.from(out, (v) => v - 0.5);
    const sd = Math.sqrt(residuals.reduce((s, r) => s + r * r, 0) / residuals.length);
    expect(sd).toBeGreaterThan(0.097); // σ = 0.1; clipping at ±5σ changes nothing
    expect(sd).toBeLessThan(0.103);
    const wide = corruptImages(gray, { kind: "gaussian", level: 2 }, new Generator(1));
    expect(wide.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(wide.filter((v) => v === 0 || v === 1).length).toBeGreaterThan(0.7 * wide.length); // P(|ε| > 0.25) ≈ 0.80
  });

  it("mask and saltpepper change a share p of the pixels (within 4 sd), to 0 or to 0/1 evenly", () => {
    const p = 0.25;
    const n = gray.length;
    const sd = Math.sqrt(n * p * (1 - p));
    const mask = corruptImages(gray, { kind: "mask", level: p }, new Generator(2));
    const zeros = mask.filter((v) => v === 0).length;
    expect(Math.abs(zeros - n * p)).toBeLessThan(4 * sd);
    expect(mask.every((v) => v === 0 || v === 0.5)).toBe(true);
    const salt = corruptImages(gray, { kind: "saltpepper", level: p }, new Generator(3));
    const [black, white] = [salt.filter((v) => v === 0).length, salt.filter((v) => v === 1).length];
    expect(Math.abs(black + white - n * p)).toBeLessThan(4 * sd);
    expect(Math.abs(black - white)).toBeLessThan(4 * Math.sqrt(n * p));
  });
});
