/**
 * The latent commands and the AE as a user runs them: `train --model ae` resumes bit-identically,
 * every command works on an AE run and says where it means something different, and manifold,
 * traverse, attribute and sample --draw write titled PNGs; bad flags are named.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const work = mkdtempSync(join(tmpdir(), "elbo-latent-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function elbo(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(join(root, "node_modules", ".bin", "tsx"), [join(root, "src/cli/main.ts"), ...args], { cwd: work, encoding: "utf8", timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function pngWidth(path: string): number {
  const bytes = readFileSync(join(work, path));
  expect([...bytes.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  return bytes.readUInt32BE(16);
}

const small = ["--hidden", "64", "--latent", "2", "--test-size", "500", "--batch-size", "100", "--seed", "1", "--threads", "1"];

describe("an AE run", () => {
  beforeAll(() => {
    expect(elbo("train", "--model", "ae", ...small, "--epochs", "2", "--out", "ae2").status).toBe(0);
    expect(elbo("train", "--model", "ae", ...small, "--epochs", "1", "--out", "ae-resumed").status).toBe(0);
    expect(elbo("train", "--resume", "--epochs", "2", "--out", "ae-resumed").status).toBe(0);
  }, 120_000);

  it("trains with the reconstruction term only, its loss falling, and resumes bit for bit", () => {
    const metrics = JSON.parse(readFileSync(join(work, "ae2", "metrics.json"), "utf8")) as { trainReconstruction: number; testKl: number | null }[];
    expect(metrics).toHaveLength(2);
    expect(metrics[1]?.trainReconstruction).toBeGreaterThan(metrics[0]?.trainReconstruction as number);
    expect(readFileSync(join(work, "ae-resumed", "model.safetensors")).equals(readFileSync(join(work, "ae2", "model.safetensors")))).toBe(true);
    expect(JSON.parse(readFileSync(join(work, "ae2", "config.json"), "utf8")).model.kind).toBe("ae");
  });

  it("samples from a Gaussian fitted to its training codes, and says so", () => {
    const run = elbo("sample", "--run", "ae2", "--n", "16", "--out", "ae-samples.png");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/no prior: its codes are drawn from a Gaussian \(mean and full covariance\) fitted to the codes of its \d+ training images/);
    expect(pngWidth("ae-samples.png")).toBeGreaterThan(100);
  });

  it("encodes to one code per image, and refuses to score", () => {
    const run = elbo("encode", "--run", "ae2", "--out", "ae.csv", "--plot", "ae-latent.png");
    expect(run.status).toBe(0);
    expect(readFileSync(join(work, "ae.csv"), "utf8").split("\n")[0]).toBe("label,z0,z1");
    const score = elbo("score", "--run", "ae2");
    expect(score.status).toBe(2);
    expect(score.stderr).toContain("holds an autoencoder, which has no density p(x) to score");
  });

  it("draws the latent map over the codes' bounding box, traversals and attribute vectors", () => {
    for (const args of [
      ["manifold", "--run", "ae2", "--n", "8", "--out", "m.png"],
      ["traverse", "--run", "ae2", "--out", "t.png"],
      ["attribute", "--run", "ae2", "--from", "1", "--to", "7", "--out", "a.png"],
      ["reconstruct", "--run", "ae2", "--out", "r.png"],
      ["interpolate", "--run", "ae2", "--out", "i.png"],
    ]) {
      const run = elbo(...args);
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      expect(pngWidth(args[args.length - 1] as string)).toBeGreaterThan(50);
    }
  });
});

describe("a VAE run", () => {
  beforeAll(() => {
    expect(elbo("train", ...small, "--latent", "3", "--epochs", "1", "--out", "vae").status).toBe(0);
  }, 120_000);

  it("draws x ~ p(x|z) with --draw: binary pixels for the Bernoulli decoder", () => {
    expect(elbo("sample", "--run", "vae", "--n", "16", "--draw", "--out", "drawn.png").status).toBe(0);
    expect(elbo("sample", "--run", "vae", "--n", "16", "--out", "mean.png").status).toBe(0);
    expect(pngWidth("drawn.png")).toBeGreaterThan(100);
    expect(readFileSync(join(work, "drawn.png")).equals(readFileSync(join(work, "mean.png")))).toBe(false);
  });

  it("puts a 3-D latent's map in the principal plane, and says so", () => {
    const run = elbo("manifold", "--run", "vae", "--n", "6", "--out", "m3.png");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("the grid lies in the plane of the first two principal directions");
  });

  it("names bad flags", () => {
    expect(elbo("traverse", "--run", "vae", "--dims", "0,5").stderr).toContain('--dims: "5" is not a dimension in 0..2');
    expect(elbo("attribute", "--run", "vae", "--from", "1", "--to", "x").stderr).toContain('--to: expected a label 0-9, got "x"');
  });
});
