/**
 * The latent commands and the AE as a user runs them, on 1,000 real digits written as IDX files:
 * `train --model ae` resumes bit-identically, every command works on an AE run and says where it
 * means something different, manifold, traverse, attribute and sample --draw write PNGs, quality
 * judges a run, an experiment writes its figure and summary.json; bad flags are named. The runs
 * are trained once (beforeAll); independent commands run at once.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeCli, type CliResult } from "../support/cli.js";
import { writeMnistSlice } from "../support/mnist-slice.js";

const work = mkdtempSync(join(tmpdir(), "elbo-latent-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** `elbo ...args` in the work folder, as its own node process. */
function elbo(...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeCli, ...args], { cwd: work, timeout: 60_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** Every command succeeds with nothing on stderr. */
async function allSucceed(...commands: string[][]): Promise<CliResult[]> {
  const results = await Promise.all(commands.map((args) => elbo(...args)));
  results.forEach((result, i) => expect({ command: commands[i]?.join(" "), stderr: result.stderr, status: result.status }).toEqual({ command: commands[i]?.join(" "), stderr: "", status: 0 }));
  return results;
}

/** The PNG's width, after checking its signature. */
function pngWidth(path: string): number {
  const bytes = readFileSync(join(work, path));
  expect([...bytes.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  return bytes.readUInt32BE(16);
}

const small = ["--data", "digits", "--hidden", "64", "--latent", "2", "--batch-size", "100", "--seed", "1", "--threads", "1"];
const judge = ["--judge", "judge.safetensors"];

beforeAll(async () => {
  writeMnistSlice(join(work, "digits"), 1000, 200);
  await allSucceed(
    ["train", "--model", "ae", ...small, "--epochs", "2", "--out", "ae2"],
    ["train", "--model", "ae", ...small, "--epochs", "1", "--out", "ae-resumed"],
    ["train", ...small, "--latent", "3", "--epochs", "1", "--out", "vae"],
  );
  await allSucceed(["train", "--resume", "--epochs", "2", "--out", "ae-resumed"]);
}, 60_000);

describe("an AE run", () => {
  it("trains with the reconstruction term only, its loss falling, and resumes bit for bit", () => {
    const metrics = JSON.parse(readFileSync(join(work, "ae2", "metrics.json"), "utf8")) as { trainReconstruction: number; testKl: number | null }[];
    expect(metrics).toHaveLength(2);
    expect(metrics[1]?.trainReconstruction).toBeGreaterThan(metrics[0]?.trainReconstruction as number);
    expect(metrics.map((m) => m.testKl)).toEqual([null, null]);
    expect(readFileSync(join(work, "ae-resumed", "model.safetensors")).equals(readFileSync(join(work, "ae2", "model.safetensors")))).toBe(true);
    expect(JSON.parse(readFileSync(join(work, "ae2", "config.json"), "utf8")).model.kind).toBe("ae");
  });

  it("samples from a Gaussian fitted to its training codes and says so; encodes one code per image; refuses to score", async () => {
    const [sample, encode, score] = await Promise.all([
      elbo("sample", "--run", "ae2", "--n", "16", "--out", "ae-samples.png"),
      elbo("encode", "--run", "ae2", "--out", "ae.csv", "--plot", "ae-latent.png"),
      elbo("score", "--run", "ae2"),
    ]);
    expect(sample.status).toBe(0);
    expect(sample.stdout).toMatch(/no prior: its codes are drawn from a Gaussian \(mean and full covariance\) fitted to the codes of its 1000 training images/);
    expect(pngWidth("ae-samples.png")).toBeGreaterThan(100);
    expect(encode.status).toBe(0);
    const rows = readFileSync(join(work, "ae.csv"), "utf8").trim().split("\n");
    expect(rows[0]).toBe("label,z0,z1");
    expect(rows).toHaveLength(201);
    expect(score.status).toBe(2);
    expect(score.stderr).toContain("holds an autoencoder, which has no density p(x) to score");
  });

  it("draws the latent map over the codes' bounding box, traversals, attribute vectors, reconstructions, interpolations", async () => {
    const commands = [
      ["manifold", "--run", "ae2", "--n", "8", "--out", "m.png"],
      ["traverse", "--run", "ae2", "--out", "t.png"],
      ["attribute", "--run", "ae2", "--from", "1", "--to", "7", "--out", "a.png"],
      ["reconstruct", "--run", "ae2", "--out", "r.png"],
      ["interpolate", "--run", "ae2", "--out", "i.png"],
    ];
    const [, traverse, attribute] = await allSucceed(...commands);
    for (const args of commands) expect(pngWidth(args[args.length - 1] as string)).toBeGreaterThan(50);
    expect(traverse?.stdout).toMatch(/[0-2] of 2 dimensions are active units/);
    expect(attribute?.stdout).toMatch(/Attribute vector 1 -> 7: norm \d+\.\d{3}, from the class means of 200 test codes/);
  });

  it("is judged by quality: samples from the fitted Gaussian, numbers in range", async () => {
    const [quality] = await allSucceed(["quality", "--run", "ae2", "--n", "200", ...judge]);
    const out = quality?.stdout ?? "";
    expect(out).toContain("200 samples (z ~ Gaussian fitted to the training codes)");
    const top = Number(/mean top-class probability (\d\.\d+)/.exec(out)?.[1]);
    const entropy = Number(/class-histogram entropy (\d\.\d+) nats/.exec(out)?.[1]);
    const classes = (/classes: ([\d ]+)/.exec(out)?.[1] ?? "").trim().split(" ").map(Number);
    const accuracy = Number(/classified as their own label: (\d+\.\d)% of 200 test images/.exec(out)?.[1]);
    expect(top).toBeGreaterThanOrEqual(0.1);
    expect(top).toBeLessThanOrEqual(1);
    expect(entropy).toBeLessThanOrEqual(Math.log(10) + 1e-3);
    expect(classes).toHaveLength(10);
    expect(classes.reduce((a, b) => a + b, 0)).toBe(200);
    expect(accuracy).toBeGreaterThanOrEqual(0);
    expect(accuracy).toBeLessThanOrEqual(100);
  });
});

describe("a VAE run", () => {
  it("draws x ~ p(x|z) with --draw (binary pixels for the Bernoulli decoder), the mean without", async () => {
    await allSucceed(["sample", "--run", "vae", "--n", "16", "--draw", "--out", "drawn.png"], ["sample", "--run", "vae", "--n", "16", "--out", "mean.png"]);
    expect(pngWidth("drawn.png")).toBeGreaterThan(100);
    expect(readFileSync(join(work, "drawn.png")).equals(readFileSync(join(work, "mean.png")))).toBe(false);
  });

  it("puts a 3-D latent's map in the principal plane, and says so", async () => {
    const [manifold] = await allSucceed(["manifold", "--run", "vae", "--n", "6", "--out", "m3.png"]);
    expect(manifold?.stdout).toContain("the grid lies in the plane of the first two principal directions");
    expect(pngWidth("m3.png")).toBeGreaterThan(50);
  });

  it("names bad flags", async () => {
    const [dims, to, betas] = await Promise.all([
      elbo("traverse", "--run", "vae", "--dims", "0,5"),
      elbo("attribute", "--run", "vae", "--from", "1", "--to", "x"),
      elbo("experiment", "beta-sweep", "--data", "digits", "--betas", "1,-2", ...judge),
    ]);
    expect([dims.status, to.status, betas.status]).toEqual([2, 2, 2]);
    expect(dims.stderr).toContain('--dims: "5" is not a dimension in 0..2');
    expect(to.stderr).toContain('--to: expected a label 0-9, got "x"');
    expect(betas.stderr).toContain('--betas: expected comma-separated numbers ≥ 0 such as 0.5,1,4,8, got "1,-2"');
  });
});

describe("an experiment from the command line", () => {
  it("ae-vs-vae writes its figure and summary.json into --out and prints where", async () => {
    const [run] = await allSucceed(["experiment", "ae-vs-vae", "--data", "digits", "--epochs", "1", "--batch-size", "100", "--train-size", "500", "--threads", "1", ...judge, "--out", "exp"]);
    expect(run?.stdout).toContain("Wrote exp/{ae-vs-vae.png,summary.json}");
    expect(run?.stdout).toMatch(/^AE +reconstruction -\d+\.\d\d; samples: top-class p \d\.\d{3}/m);
    expect(pngWidth("exp/ae-vs-vae.png")).toBeGreaterThan(1000);
    const summary = JSON.parse(readFileSync(join(work, "exp", "summary.json"), "utf8")) as { epochs: number; lr: number; batchSize: number; trainCount: number; latentSize: number; ae: { kl: number | null }; vae: { kl: number; samples: { count: number } } };
    // --epochs, --batch-size and --train-size reach the models; --lr keeps its default.
    expect([summary.epochs, summary.batchSize, summary.trainCount, summary.lr, summary.latentSize, summary.ae.kl, summary.vae.samples.count]).toEqual([1, 100, 500, 0.003, 2, null, 1000]);
    expect(summary.vae.kl).toBeGreaterThan(0);
  }, 60_000);
});
