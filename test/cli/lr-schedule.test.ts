/**
 * `elbo train --lr-schedule iwae --adam-eps E` (the IWAE paper's optimizer settings) and `elbo
 * score --count N`, as a user runs them: the rate of each epoch, resume across a stage boundary,
 * what --resume may and may not change.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSafetensors } from "../../src/io/files.js";
import { runElbo, writeTinyIdx } from "../support/cli.js";

const work = mkdtempSync(join(tmpdir(), "elbo-lr-schedule-"));
const data = writeTinyIdx(join(work, "tiny"));
const small = ["--data", data, "--hidden", "16", "--latent", "2", "--batch-size", "50", "--threads", "1", "--lr", "0.01", "--lr-schedule", "iwae", "--adam-eps", "1e-4"];
const json = (path: string): unknown => JSON.parse(readFileSync(join(work, path), "utf8"));
const bytes = (run: string): Buffer => readFileSync(join(work, run, "model.safetensors"));
/** The optimizer entry of a run's checkpoint: its lr and hyper-parameters. */
const optimizerOf = (run: string): { lr: number; hyperParameters: { eps: number } } => JSON.parse(loadSafetensors(join(work, run, "model.safetensors")).metadata.optimizer as string);

describe("elbo train --lr-schedule iwae --adam-eps", () => {
  it("trains each epoch at the paper's stage rate, and a run resumed across the stage boundaries is byte-identical to an uninterrupted one", () => {
    const full = runElbo(work, ["train", ...small, "--epochs", "5", "--out", "full"]);
    expect(full.status, full.stderr).toBe(0);
    // Stage lengths 1, 3, 9: epoch 1 is stage 0, epochs 2-4 stage 1, epoch 5 stage 2.
    const stages = [0, 1, 1, 1, 2];
    const lrs = (json("full/metrics.json") as { lr: number }[]).map((m) => m.lr);
    expect(lrs).toEqual(stages.map((i) => 0.01 * 10 ** (-i / 7)));
    expect(full.stdout).toContain("lr 7.20e-3");
    expect(optimizerOf("full")).toMatchObject({ lr: 0.01 * 10 ** (-2 / 7), hyperParameters: { eps: 1e-4 } });

    // Stopped after epoch 1 (stage 0), resumed to 5: it crosses both boundaries.
    expect(runElbo(work, ["train", ...small, "--epochs", "1", "--out", "part"]).status).toBe(0);
    const resumed = runElbo(work, ["train", "--out", "part", "--resume", "--epochs", "5"]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(bytes("part").equals(bytes("full"))).toBe(true);
    expect((json("part/metrics.json") as { lr: number }[]).map((m) => m.lr)).toEqual(lrs);
    expect(json("part/config.json")).toMatchObject({ training: { lrSchedule: "iwae", adamEps: 1e-4, lr: 0.01 } });

    // Without the schedule every epoch has --lr, and the weights differ.
    expect(runElbo(work, ["train", ...small.slice(0, -4), "--adam-eps", "1e-4", "--epochs", "5", "--out", "constant"]).status).toBe(0);
    expect((json("constant/metrics.json") as { lr: number }[]).map((m) => m.lr)).toEqual([0.01, 0.01, 0.01, 0.01, 0.01]);
    expect(bytes("constant").equals(bytes("full"))).toBe(false);
  });

  it("--resume may change --adam-eps (applied from the next epoch, recorded in config.json) but not --lr-schedule", () => {
    expect(runElbo(work, ["train", ...small, "--epochs", "1", "--out", "eps"]).status).toBe(0);
    expect(optimizerOf("eps").hyperParameters.eps).toBe(1e-4);
    const changed = runElbo(work, ["train", "--out", "eps", "--resume", "--epochs", "2", "--adam-eps", "1e-3"]);
    expect(changed.status, changed.stderr).toBe(0);
    expect(changed.stdout).toContain("--adam-eps 0.001 from epoch 2 on (was 0.0001); recorded in config.json");
    expect(optimizerOf("eps").hyperParameters.eps).toBe(1e-3);
    expect(json("eps/config.json")).toMatchObject({ training: { adamEps: 1e-3 }, changes: [{ fromEpoch: 2, flag: "--adam-eps", from: 1e-4, to: 1e-3 }, { fromEpoch: 2, flag: "--epochs", from: 1, to: 2 }] });

    const schedule = runElbo(work, ["train", "--out", "eps", "--resume", "--epochs", "3", "--lr-schedule", "constant"]);
    expect(schedule.status).toBe(2);
    expect(schedule.stderr).toContain("--lr-schedule constant: the run in eps was trained with --lr-schedule iwae");
    const gan = runElbo(work, ["train", "--model", "gan", "--data", data, "--adam-eps", "1e-4", "--epochs", "1", "--out", "gan"]);
    expect(gan.status).toBe(2);
    expect(gan.stderr).toContain("--adam-eps: not supported with --model gan");
  });
});

describe("elbo score --count", () => {
  it("scores the first N test images, and names the test set's size when N is larger", () => {
    const scored = runElbo(work, ["score", "--run", "full", "--k", "10", "--count", "30", "--out", "first30.csv"]);
    expect(scored.status, scored.stderr).toBe(0);
    expect(scored.stdout).toContain("k = 10, 30 images;");
    const rows = readFileSync(join(work, "first30.csv"), "utf8").trim().split("\n").slice(1);
    expect(rows.map((row) => Number(row.split(",")[0])).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    const tooMany = runElbo(work, ["score", "--run", "full", "--k", "10", "--count", "101"]);
    expect(tooMany.status).toBe(2);
    expect(tooMany.stderr).toContain("--count 101: the test set has 100 images");
  });
});
