/**
 * `elbo train --objective iwae --k K`, `--preset iwae-1layer`, `--likelihood gaussian
 * --learned-variance`, and `elbo score` on a dynamically binarized run, as a user runs them.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSafetensors } from "../../src/io/files.js";
import { runElbo, writeTinyIdx } from "../support/cli.js";

const work = mkdtempSync(join(tmpdir(), "elbo-iwae-cli-"));
const data = writeTinyIdx(join(work, "tiny"));
const small = ["--data", data, "--hidden", "16", "--latent", "2", "--batch-size", "50", "--threads", "1"];
const json = (path: string): unknown => JSON.parse(readFileSync(join(work, path), "utf8"));

interface Metrics { trainBound?: number; testBound?: number; testElbo: number; trainElbo: number }

describe("elbo train --objective iwae", () => {
  it("trains on L_k, records the objective, reports L_k beside the ELBO, and refuses another k on --resume", () => {
    const run = runElbo(work, ["train", ...small, "--objective", "iwae", "--k", "4", "--binarize", "dynamic", "--epochs", "2", "--out", "iw"]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/epoch 2\/2: train L_4 -?[\d.]+, test L_4 -?[\d.]+, train ELBO/);
    const config = json("iw/config.json") as { training: { objective: string; k: number } };
    expect([config.training.objective, config.training.k]).toEqual(["iwae", 4]);
    const metrics = json("iw/metrics.json") as Metrics[];
    for (const m of metrics) {
      // L_4 >= ELBO in expectation; the test set is the same digits, binarized once.
      expect(m.testBound).toBeGreaterThan(m.testElbo - 0.5);
      expect(Number.isFinite(m.trainBound)).toBe(true);
    }
    const again = runElbo(work, ["train", "--out", "iw", "--resume", "--epochs", "3", "--k", "8"]);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain("--k 8: the run in iw was trained with --k 4");
  });

  it("refuses --k without --objective iwae, and --beta or --warmup with it, naming the flag", () => {
    const k = runElbo(work, ["train", ...small, "--k", "5", "--epochs", "1", "--out", "bad1"]);
    expect(k.status).toBe(2);
    expect(k.stderr).toContain("--k 5: importance samples are for --objective iwae");
    const beta = runElbo(work, ["train", ...small, "--objective", "iwae", "--k", "5", "--beta", "2", "--epochs", "1", "--out", "bad2"]);
    expect(beta.status).toBe(2);
    expect(beta.stderr).toContain("--beta 2: weights the ELBO's KL term, which --objective iwae does not have");
    expect(existsSync(join(work, "bad1", "model.safetensors")) || existsSync(join(work, "bad2", "model.safetensors"))).toBe(false);
  });

  it("scores a dynamically binarized run on one fixed binarization of the test set: the same file twice, with a standard error", () => {
    const first = runElbo(work, ["score", "--run", "iw", "--k", "20", "--out", "a.csv"]);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/log p\(x\) ≈ -[\d.]+ ± [\d.]+ nats per image on average \(IWAE, k = 20, 100 images; ± is the standard error over the images, the Monte Carlo error of the mean is [\d.]+\): NLL [\d.]+/);
    expect(runElbo(work, ["score", "--run", "iw", "--k", "20", "--out", "b.csv"]).status).toBe(0);
    expect(readFileSync(join(work, "b.csv"), "utf8")).toBe(readFileSync(join(work, "a.csv"), "utf8"));
    const mean = Number(/log p\(x\) ≈ (-[\d.]+)/.exec(first.stdout)?.[1]);
    const last = (json("iw/metrics.json") as Metrics[])[1] as Metrics;
    // L_20 on the same test digits is above the run's test L_4 (up to sampling error).
    expect(mean).toBeGreaterThan((last.testBound as number) - 0.5);
  });
});

describe("elbo train --preset iwae-1layer and --learned-variance", () => {
  it("fills the paper's settings that are not given, and lists the preset and mnist-full in --help", () => {
    const run = runElbo(work, ["train", "--preset", "iwae-1layer", "--data", data, "--hidden", "12", "--epochs", "1", "--threads", "1", "--out", "preset"]);
    expect(run.status, run.stderr).toBe(0);
    const config = json("preset/config.json") as { model: { hiddenSizes: number[]; latentSize: number; activation: string; likelihood: string }; training: { binarize: string; batchSize: number; data: string } };
    expect(config.model).toMatchObject({ hiddenSizes: [12], latentSize: 50, activation: "tanh", likelihood: "bernoulli" });
    expect(config.training).toMatchObject({ binarize: "dynamic", batchSize: 20, data });
    const help = runElbo(work, ["train", "--help"]);
    expect(help.stdout).toContain("--preset");
    expect(help.stdout).toContain("iwae-1layer: Burda et al. 2016");
    expect(help.stdout).toContain('"mnist-full"');
  });

  it("learns the Gaussian decoder's log-variance, and needs --likelihood gaussian for it", () => {
    const run = runElbo(work, ["train", ...small, "--likelihood", "gaussian", "--learned-variance", "--lr", "0.02", "--epochs", "2", "--out", "sigma"]);
    expect(run.status, run.stderr).toBe(0);
    expect((json("sigma/config.json") as { model: { outputLogVar?: string } }).model.outputLogVar).toBe("learned");
    const logVar = loadSafetensors(join(work, "sigma", "model.safetensors")).tensors.get("model.outputLogVar");
    expect(logVar?.shape).toEqual([]);
    // Pixels in [0, 1] are far closer to the decoder's means than σ = 1 allows: σ² falls (Adam moves it at most 0.02 a step, 24 steps).
    expect(logVar?.data[0] as number).toBeLessThan(-0.2);
    const bad = runElbo(work, ["train", ...small, "--learned-variance", "--epochs", "1", "--out", "sigma-bad"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--learned-variance: learns the Gaussian decoder's variance, so it needs --likelihood gaussian");
  });
});
