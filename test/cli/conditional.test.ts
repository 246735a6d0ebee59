/**
 * `elbo train --conditional` and `--corrupt` end to end on a small IDX folder of real digits
 * (every class: the bundled set is sorted by label, so the slice takes every 40th digit):
 * resumes are bit-identical, the conv CVAE's dense layers take the one-hot, sample --label and
 * the commands that read labels from the data work, bad flags are clear errors, and
 * `elbo denoise` prints BCE and PSNR and writes its figure.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadBundledMnist } from "../../src/data/mnist.js";
import { decodeSafetensors } from "../../src/io/safetensors.js";
import { encodeIdx } from "../data/idx-helpers.js";
import { runElbo } from "../support/cli.js";

const work = mkdtempSync(join(tmpdir(), "elbo-cvae-"));
const elbo = (...args: string[]) => runElbo(work, args);
const ok = (r: { status: number | null; stderr: string }): void => {
  expect(r.stderr).not.toMatch(/Error/);
  expect(r.status).toBe(0);
};

/** Every `step`-th bundled digit from `from`, `count` of them, as an IDX pair named `prefix`. */
function writeIdx(dir: string, prefix: string, from: number, count: number, step: number): void {
  const digits = loadBundledMnist();
  const rows = Array.from({ length: count }, (_, i) => from + i * step);
  const pixels = rows.flatMap((r) => Array.from(digits.images.subarray(r * 784, (r + 1) * 784), (v) => Math.round(v * 255)));
  writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), encodeIdx("ubyte", [count, 28, 28], pixels));
  writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), encodeIdx("ubyte", [count], rows.map((r) => digits.labels[r] as number)));
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(path: string): { width: number; height: number } {
  const bytes = readFileSync(join(work, path));
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

const mlp = ["--data", "./digits", "--hidden", "64", "--latent", "4", "--batch-size", "50", "--seed", "3"];

describe("elbo train --conditional", () => {
  let full: ReturnType<typeof elbo>;
  beforeAll(() => {
    mkdirSync(join(work, "digits"));
    writeIdx(join(work, "digits"), "train", 0, 250, 40);
    writeIdx(join(work, "digits"), "t10k", 20, 50, 200);
    full = elbo("train", ...mlp, "--conditional", "--epochs", "2", "--out", "cvae", "--threads", "2");
  }, 120_000);

  it("trains a CVAE whose first encoder and decoder layers take the one-hot label", () => {
    ok(full);
    expect(full.stdout).toContain("Training a 784-64-4 conditional (10 classes) VAE");
    const config = JSON.parse(readFileSync(join(work, "cvae", "config.json"), "utf8")) as { model: { classes: number } };
    expect(config.model.classes).toBe(10);
    const { tensors } = decodeSafetensors(readFileSync(join(work, "cvae", "model.safetensors")));
    expect(tensors.get("model.encoder.0.weight")?.shape).toEqual([64, 784 + 10]);
    expect(tensors.get("model.decoder.0.weight")?.shape).toEqual([64, 4 + 10]);
    expect(tensors.get("model.priorMean")?.shape).toEqual([10, 4]);
    expect(tensors.get("model.priorLogVar")?.shape).toEqual([10, 4]);
  });

  it("resumes bit-identically to the uninterrupted run", () => {
    ok(elbo("train", ...mlp, "--conditional", "--epochs", "1", "--out", "resumed", "--threads", "1"));
    ok(elbo("train", "--epochs", "2", "--out", "resumed", "--resume"));
    expect(readFileSync(join(work, "resumed", "model.safetensors")).equals(readFileSync(join(work, "cvae", "model.safetensors")))).toBe(true);
    const refused = elbo("train", "--epochs", "3", "--out", "resumed", "--resume", "--conditional", "false");
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain("--conditional false: the run in resumed was trained with --conditional true");
  });

  it("sample --label k and --label all, and the commands that take labels from the data", () => {
    ok(elbo("sample", "--run", "cvae", "--label", "3", "--n", "9", "--out", "three.png"));
    // A 3 x 3 grid of 57-px cells under its title (which names the class), at least as wide as the grid.
    expect(pngSize("three.png").width).toBeGreaterThanOrEqual(3 * (28 * 2 + 1) + 1);
    ok(elbo("sample", "--run", "cvae", "--label", "all", "--per-class", "6", "--out", "all.png"));
    const all = pngSize("all.png");
    expect(all.height).toBeGreaterThan(10 * (28 * 2 + 1));
    for (const args of [["reconstruct", "--n", "8", "--out", "r.png"], ["encode", "--out", "z.csv"], ["score", "--k", "4", "--out", "scores.csv"]]) {
      ok(elbo(args[0] as string, "--run", "cvae", ...args.slice(1)));
    }
    const csv = readFileSync(join(work, "z.csv"), "utf8").trim().split("\n");
    expect(csv).toHaveLength(51);
    expect(readFileSync(join(work, "scores.csv"), "utf8").trim().split("\n")).toHaveLength(51);
  });

  it("refuses --label out of range or on an unconditional run, --conditional on one class or with the GAN", () => {
    const range = elbo("sample", "--run", "cvae", "--label", "10");
    expect(range.status).toBe(2);
    expect(range.stderr).toContain("--label 10: expected a class 0-9 of the run in cvae, or all");
    ok(elbo("train", ...mlp, "--epochs", "1", "--out", "plain"));
    const plain = elbo("sample", "--run", "plain", "--label", "3");
    expect(plain.status).toBe(2);
    expect(plain.stderr).toContain("--label 3: the run in plain is not conditional");
    mkdirSync(join(work, "zeros"));
    writeIdx(join(work, "zeros"), "train", 0, 40, 1); // the first 40 bundled digits: all zeros
    writeIdx(join(work, "zeros"), "t10k", 40, 10, 1);
    const one = elbo("train", "--data", "./zeros", "--conditional", "--out", "z1");
    expect(one.status).toBe(2);
    expect(one.stderr).toContain("--conditional: every ./zeros training example has label 0");
    const gan = elbo("train", "--model", "gan", "--conditional", "--out", "g1");
    expect(gan.status).toBe(2);
    expect(gan.stderr).toContain("--conditional: is for the VAE");
    const interpolate = elbo("interpolate", "--run", "cvae");
    expect(interpolate.status).toBe(2);
  });

  it("experiment cvae judges each class's samples with a classifier trained on the run's data", () => {
    const judged = elbo("experiment", "cvae", "--run", "cvae", "--per-class", "5", "--judge", "judge.safetensors");
    ok(judged);
    const match = /([\d.]+)% of 50 samples of p\(x \| z, y\) are classified as their y/.exec(judged.stdout);
    expect(match, judged.stdout).not.toBeNull();
    expect(judged.stdout).toMatch(/per class: 0 \d+%, 1 \d+%, .*, 9 \d+%/);
    const plain = elbo("experiment", "cvae", "--run", "plain", "--judge", "judge.safetensors");
    expect(plain.status).toBe(2);
    expect(plain.stderr).toContain("--run plain: not a conditional run");
  });

  it("trains the conv CVAE: the one-hot joins the flattened features and z", () => {
    const conv = elbo("train", "--data", "./digits", "--arch", "conv", "--conditional", "--epochs", "1", "--batch-size", "125", "--out", "conv");
    ok(conv);
    const { tensors } = decodeSafetensors(readFileSync(join(work, "conv", "model.safetensors")));
    expect(tensors.get("model.encoder.0.weight")?.shape).toEqual([16, 64 * 7 * 7 + 10]);
    expect(tensors.get("model.decoder.0.weight")?.shape).toEqual([64 * 7 * 7, 20 + 10]);
    ok(elbo("sample", "--run", "conv", "--label", "all", "--out", "conv-all.png"));
  }, 120_000);
});

describe("elbo train --corrupt and elbo denoise", () => {
  const flags = [...mlp, "--corrupt", "gaussian:0.5"];

  it("resumes a denoising run bit-identically (the corruption's draws are in the checkpointed generator)", () => {
    ok(elbo("train", ...flags, "--epochs", "2", "--out", "dvae"));
    ok(elbo("train", ...flags, "--epochs", "1", "--out", "dvae-resumed"));
    ok(elbo("train", "--epochs", "2", "--out", "dvae-resumed", "--resume"));
    expect(readFileSync(join(work, "dvae-resumed", "model.safetensors")).equals(readFileSync(join(work, "dvae", "model.safetensors")))).toBe(true);
    const config = JSON.parse(readFileSync(join(work, "dvae", "config.json"), "utf8")) as { training: { corrupt: string } };
    expect(config.training.corrupt).toBe("gaussian:0.5");
  }, 120_000);

  it("denoise prints BCE and PSNR of both and writes the three-row figure", () => {
    const result = elbo("denoise", "--run", "dvae", "--n", "5", "--out", "denoise.png");
    ok(result);
    const [corrupted, denoised] = ["corrupted vs clean", "denoised vs clean"].map((what) => {
      const match = new RegExp(`${what}: +BCE ([\\d.]+) nats/image, PSNR ([\\d.]+) dB`).exec(result.stdout);
      expect(match, result.stdout).not.toBeNull();
      return { bce: Number(match?.[1]), psnr: Number(match?.[2]) };
    });
    // σ = 0.5 noise, clipped: about 9 dB; two epochs of denoising on 250 digits already beat it.
    expect(corrupted?.psnr).toBeGreaterThan(7);
    expect(corrupted?.psnr).toBeLessThan(12);
    expect(denoised?.bce).toBeLessThan(corrupted?.bce as number);
    const figure = pngSize("denoise.png");
    expect(figure.height).toBeGreaterThan(3 * (28 * 2 + 1));
  });

  it("names the flag and the bad part of a corruption", () => {
    for (const [spec, part] of [["blur:1", 'unknown corruption "blur"'], ["mask:1.5", "level 1.5 is out of range"], ["gaussian:abc", 'level "abc" is not a number'], ["mask", '"mask" needs a level']]) {
      const result = elbo("train", ...mlp, "--corrupt", spec as string, "--out", "bad");
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(`--corrupt "${spec}": ${part}`);
    }
    const plain = elbo("denoise", "--run", "plain");
    expect(plain.status).toBe(2);
    expect(plain.stderr).toContain("--corrupt: the run in plain was trained without one");
  });
});
