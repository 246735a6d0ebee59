/**
 * `elbo train --model gan` end to end: per-epoch sample grids, both losses in metrics.json and
 * curves.png, and a resumed run whose checkpoint is bit-identical to an uninterrupted one.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const work = mkdtempSync(join(tmpdir(), "elbo-gan-"));

function elbo(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(join(root, "node_modules", ".bin", "tsx"), [join(root, "src/cli/main.ts"), ...args], { cwd: work, encoding: "utf8", timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const small = ["--model", "gan", "--hidden", "32", "--latent", "8", "--batch-size", "200", "--seed", "4"];

describe("elbo train --model gan", () => {
  let full: ReturnType<typeof elbo>;
  beforeAll(() => {
    full = elbo("train", ...small, "--epochs", "3", "--out", "full", "--threads", "2");
  }, 120_000);

  it("trains with Adam (0.5, 0.999), logs both losses and writes the pictures", () => {
    expect(full.stderr).toBe("");
    expect(full.status).toBe(0);
    expect(full.stdout).toMatch(/Adam lr 0\.0002 betas \(0\.5, 0\.999\)/);
    expect(full.stdout).toMatch(/epoch 3\/3: D loss \d+\.\d{3}, G loss \d+\.\d{3}/);
    const metrics = JSON.parse(readFileSync(join(work, "full", "metrics.json"), "utf8")) as { discriminatorLoss: number; generatorLoss: number; step: number }[];
    expect(metrics.map((m) => m.step)).toEqual([45, 90, 135]); // 9,000 digits in batches of 200
    for (const m of metrics) {
      expect(m.discriminatorLoss).toBeGreaterThan(0);
      expect(m.generatorLoss).toBeGreaterThan(0);
    }
    for (const name of ["samples-epoch-1.png", "samples-epoch-3.png", "samples.png", "curves.png"]) {
      expect(readFileSync(join(work, "full", name)).subarray(1, 4).toString("latin1")).toBe("PNG");
    }
    expect(existsSync(join(work, "full", "samples-epoch-4.png"))).toBe(false);
  });

  it("resumes bit-identically, and --resume finds the GAN without --model", () => {
    expect(elbo("train", ...small, "--epochs", "2", "--out", "resumed", "--threads", "1").status).toBe(0);
    const resumed = elbo("train", "--epochs", "3", "--out", "resumed", "--resume", "--threads", "2");
    expect(resumed.stderr).toBe("");
    expect(resumed.stdout).toMatch(/Resuming resumed after epoch 2 \(step 90\)/);
    expect(readFileSync(join(work, "resumed", "model.safetensors")).equals(readFileSync(join(work, "full", "model.safetensors")))).toBe(true);
    expect(readFileSync(join(work, "resumed", "samples.png")).equals(readFileSync(join(work, "full", "samples.png")))).toBe(true);
  });

  it("resumes honestly: a changed --latent is refused, --lr is applied and recorded, --epochs not above the run's changes no file", () => {
    const before = readFileSync(join(work, "resumed", "config.json"));
    const latent = elbo("train", "--epochs", "4", "--out", "resumed", "--resume", "--latent", "3");
    expect(latent.status).toBe(2);
    expect(latent.stderr).toMatch(/--latent 3: the run in resumed was trained with --latent 8, and a flag that shapes the model or the data cannot change on --resume/);
    const nothing = elbo("train", "--epochs", "3", "--out", "resumed", "--resume");
    expect(nothing.status).toBe(0);
    expect(nothing.stdout).toMatch(/Nothing to train: resumed has finished 3 epochs, and --epochs 3 asks for no more/);
    expect(readFileSync(join(work, "resumed", "config.json")).equals(before)).toBe(true);
    const lr = elbo("train", "--epochs", "4", "--out", "resumed", "--resume", "--lr", "0.001", "--threads", "2");
    expect(lr.status).toBe(0);
    expect(lr.stdout).toContain("--lr 0.001 from epoch 4 on (was 0.0002); recorded in config.json");
    const config = JSON.parse(readFileSync(join(work, "resumed", "config.json"), "utf8")) as { training: { lr: number }; changes: { flag: string }[] };
    expect(config.training.lr).toBe(0.001);
    expect(config.changes.map((c) => c.flag)).toEqual(["--epochs", "--threads", "--lr", "--epochs"]);
  });

  it("refuses a VAE-only flag instead of ignoring it", () => {
    const bad = elbo("train", ...small, "--exclude-labels", "9", "--out", "bad");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--exclude-labels.*--model gan/);
  });
});
