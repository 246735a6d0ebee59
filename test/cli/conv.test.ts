/**
 * `elbo train --arch conv` end to end on a small IDX folder (192 training digits, 32 test):
 * a resumed run is bit-identical to an uninterrupted one, the checkpoint's tensors are the
 * PyTorch ConvVAE's state_dict (plus Adam's state), and every command works on the run.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadBundledMnist } from "../../src/data/mnist.js";
import { decodeSafetensors } from "../../src/io/safetensors.js";
import { encodeIdx } from "../data/idx-helpers.js";

const root = join(import.meta.dirname, "..", "..");
const work = mkdtempSync(join(tmpdir(), "elbo-conv-"));
const torchStateDict = JSON.parse(readFileSync(join(root, "test/fixtures/conv-vae-torch-state-dict.json"), "utf8")) as Record<string, number[]>;

function elbo(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(join(root, "node_modules", ".bin", "tsx"), [join(root, "src/cli/main.ts"), ...args], { cwd: work, encoding: "utf8", timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Digits [from, from + count) of the bundled set as an IDX image/label pair named `prefix`. */
function writeIdx(dir: string, prefix: string, from: number, count: number): void {
  const digits = loadBundledMnist();
  const pixels = Array.from(digits.images.subarray(from * 784, (from + count) * 784), (v) => Math.round(v * 255));
  writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), encodeIdx("ubyte", [count, 28, 28], pixels));
  writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), encodeIdx("ubyte", [count], Array.from(digits.labels.subarray(from, from + count))));
}

const flags = ["--arch", "conv", "--data", "./digits", "--batch-size", "64", "--seed", "2"];
const ok = (r: { status: number | null; stderr: string }): void => {
  expect(r.stderr).not.toMatch(/Error/);
  expect(r.status).toBe(0);
};

describe("elbo train --arch conv", () => {
  let full: ReturnType<typeof elbo>;
  beforeAll(() => {
    mkdirSync(join(work, "digits"));
    writeIdx(join(work, "digits"), "train", 0, 192);
    writeIdx(join(work, "digits"), "t10k", 192, 32);
    full = elbo("train", ...flags, "--epochs", "2", "--out", "full", "--threads", "2");
  }, 120_000);

  it("trains the Keras example's networks and logs them", () => {
    ok(full);
    const parameters = Object.values(torchStateDict).reduce((sum, shape) => sum + shape.reduce((a, b) => a * b, 1), 0);
    expect(full.stdout).toContain(`Training a 784-conv32-conv64-16-20 VAE (${parameters.toLocaleString("en-US")} parameters) on 192 ./digits examples, testing on 32`);
    const metrics = JSON.parse(readFileSync(join(work, "full", "metrics.json"), "utf8")) as { testElbo: number }[];
    expect(metrics).toHaveLength(2);
    // Two epochs of 3 steps from the initial ≈ -543 nats: the ELBO rose.
    expect((metrics[1] as { testElbo: number }).testElbo).toBeGreaterThan((metrics[0] as { testElbo: number }).testElbo);
  });

  it("writes the PyTorch ConvVAE's state_dict under model.*, with Adam's moments beside it", () => {
    const { tensors } = decodeSafetensors(readFileSync(join(work, "full", "model.safetensors")));
    const model = [...tensors].filter(([name]) => name.startsWith("model.")).map(([name, t]) => [name.slice(6), [...t.shape]]);
    expect(model).toEqual(Object.entries(torchStateDict));
    expect(tensors.get("optimizer.exp_avg.decoder.3.weight")?.shape).toEqual([64, 64, 3, 3]);
  });

  it("takes Adam's ε as 1e-8 / batch size unless --adam-eps is given (the dense networks: 1e-8), in config.json and the checkpoint", () => {
    const epsOf = (run: string): { recorded: unknown; used: unknown } => {
      const config = JSON.parse(readFileSync(join(work, run, "config.json"), "utf8")) as { training: { adamEps: unknown } };
      const optimizer = JSON.parse(decodeSafetensors(readFileSync(join(work, run, "model.safetensors"))).metadata.optimizer as string) as { hyperParameters: { eps: unknown } };
      return { recorded: config.training.adamEps, used: optimizer.hyperParameters.eps };
    };
    expect(epsOf("full")).toEqual({ recorded: 1e-8 / 64, used: 1e-8 / 64 });
    ok(elbo("train", ...flags, "--epochs", "1", "--adam-eps", "1e-6", "--out", "eps-given", "--threads", "1"));
    expect(epsOf("eps-given")).toEqual({ recorded: 1e-6, used: 1e-6 });
    ok(elbo("train", ...flags.filter((flag) => flag !== "--arch" && flag !== "conv"), "--hidden", "16", "--latent", "2", "--epochs", "1", "--out", "dense", "--threads", "1"));
    expect(epsOf("dense")).toEqual({ recorded: 1e-8, used: 1e-8 });
  });

  it("resumes bit-identically to the uninterrupted run, on another thread count", () => {
    ok(elbo("train", ...flags, "--epochs", "1", "--out", "resumed", "--threads", "1"));
    const resumed = elbo("train", "--epochs", "2", "--out", "resumed", "--resume", "--threads", "2");
    ok(resumed);
    expect(resumed.stdout).toMatch(/Resuming .* after epoch 1/);
    expect(readFileSync(join(work, "resumed", "model.safetensors")).equals(readFileSync(join(work, "full", "model.safetensors")))).toBe(true);
  });

  it("sample, reconstruct, encode and score work on the conv run", () => {
    for (const args of [
      ["sample", "--n", "16", "--out", "s.png"],
      ["reconstruct", "--n", "8", "--out", "r.png"],
      ["encode", "--out", "z.csv"],
      ["score", "--k", "4", "--out", "scores.csv"],
    ]) ok(elbo(args[0] as string, "--run", "full", ...args.slice(1)));
    expect(readFileSync(join(work, "z.csv"), "utf8").trim().split("\n")).toHaveLength(33);
    expect(readFileSync(join(work, "scores.csv"), "utf8").trim().split("\n")).toHaveLength(33);
  });
});
