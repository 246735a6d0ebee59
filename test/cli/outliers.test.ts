/**
 * `elbo train --exclude-labels` and `elbo outliers` end to end: a run trained without class 9
 * records the exclusion and tests without it; scoring class 9 against the rest writes the
 * summary (three score functions, AUROC and AUPRC) and four PNGs; bad --out-of values name
 * the flag.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const work = mkdtempSync(join(tmpdir(), "elbo-outliers-"));

function elbo(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(join(root, "node_modules", ".bin", "tsx"), [join(root, "src/cli/main.ts"), ...args], { cwd: work, encoding: "utf8", timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("elbo train --exclude-labels, elbo outliers", () => {
  let train: ReturnType<typeof elbo>;
  beforeAll(() => {
    train = elbo("train", "--hidden", "64", "--latent", "4", "--epochs", "1", "--exclude-labels", "9", "--out", "no9", "--threads", "1");
  }, 120_000);

  it("trains without the class and records it", () => {
    expect(train.stderr).toBe("");
    expect(train.status).toBe(0);
    // 9,000 training and 1,000 test digits of which about a tenth are nines.
    const [, trainCount, testCount] = /on (\d+) mnist examples \(without class 9\), testing on (\d+)/.exec(train.stdout) ?? [];
    expect(Number(trainCount)).toBeGreaterThan(7800);
    expect(Number(trainCount)).toBeLessThan(8400);
    expect(Number(testCount)).toBeLessThan(950);
    const config = JSON.parse(readFileSync(join(work, "no9", "config.json"), "utf8")) as { training: { excludeLabels: number[] } };
    expect(config.training.excludeLabels).toEqual([9]);
  });

  it("scores the held-out class against the rest and writes the summary and pictures", () => {
    const run = elbo("outliers", "--run", "no9", "--out-of", "9", "--k", "5", "--n", "300", "--out", "o9");
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).not.toMatch(/Note: the run was trained on class 9/);
    expect(run.stdout).toMatch(/^IWAE log p\(x\) +0\.\d{3} +0\.\d{3}/m);
    const summary = JSON.parse(readFileSync(join(work, "o9", "summary.json"), "utf8")) as { in: { count: number }; out: { count: number; data: string }; scores: { key: string; auroc: number; auprc: number }[] };
    expect(summary.in.count).toBe(300);
    expect(summary.out.data).toMatch(/class 9/);
    expect(summary.out.count).toBeGreaterThan(50);
    expect(summary.scores.map((s) => s.key)).toEqual(["elbo", "logPx", "complexityCorrected"]);
    for (const s of summary.scores) {
      expect(s.auroc).toBeGreaterThanOrEqual(0);
      expect(s.auroc).toBeLessThanOrEqual(1);
      expect(s.auprc).toBeGreaterThan(0);
    }
    for (const name of ["roc.png", "histogram.png", "histogram-corrected.png", "lowest.png"]) {
      expect(readFileSync(join(work, "o9", name)).subarray(1, 4).toString("latin1")).toBe("PNG");
    }
    // lowest.png: 32 digits of 56 px in rows of 8, with 1 px borders.
    const lowest = readFileSync(join(work, "o9", "lowest.png"));
    expect([lowest.readUInt32BE(16), lowest.readUInt32BE(20)]).toEqual([8 * 57 + 1, 4 * 57 + 1]);
  });

  it("names the problem with --out-of", () => {
    const missing = elbo("outliers", "--run", "no9", "--out", "x");
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--out-of is required/);
    const nowhere = elbo("outliers", "--run", "no9", "--out-of", "./no-such-dir", "--out", "x");
    expect(nowhere.status).not.toBe(0);
    expect(nowhere.stderr).toMatch(/no-such-dir/);
  });
});
