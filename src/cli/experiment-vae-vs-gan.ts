/**
 * `elbo experiment vae-vs-gan`: the canonical VAE and an MLP GAN trained on the same digits
 * for the same epochs (experiments/vae-vs-gan.ts); one figure of their samples side by side at
 * a few epochs, each judged by the digit classifier of experiments/judge.ts (mean top-class
 * probability and Inception Score, experiments/sample-quality.ts).
 */
import { join } from "node:path";
import { loadOrTrainJudge } from "../experiments/judge.js";
import { sampleQuality } from "../experiments/sample-quality.js";
import { vaeVsGan, vaeVsGanPng } from "../experiments/vae-vs-gan.js";
import { writeFileAtomicSync } from "../io/files.js";
import { flagNumber, flagString, type FlagSpec, type ParsedFlags } from "./args.js";
import { ensureDir, writeJson } from "./run-folder.js";
import { loadSplits } from "./splits.js";

export const vaeVsGanFlags: Record<string, FlagSpec> = {
  data: { type: "string", default: "mnist", help: 'dataset: "mnist" or "fashion-mnist" (the judge is trained on it)' },
  epochs: { type: "int", default: 10, min: 1, help: "epochs for each model" },
  seed: { type: "int", default: 0, min: 0, help: "seed of weights, batches and noise" },
  judge: { type: "string", help: "the judge's cache file (default: runs/classifier-<data>/model.safetensors)" },
  out: { type: "string", default: "runs/vae-vs-gan", output: "folder", help: "folder for vae-vs-gan.png and summary.json" },
};

export function runVaeVsGan(flags: ParsedFlags, log: (line: string) => void): void {
  const data = flagString(flags, "data");
  const epochs = flagNumber(flags, "epochs");
  log(`Loading ${data} ...`);
  const { train, test } = loadSplits(data, 1000, 0);
  const judgePath = typeof flags.judge === "string" ? flags.judge : join("runs", `classifier-${data}`, "model.safetensors");
  const judge = loadOrTrainJudge(train, test, { path: judgePath, log });
  log(`judge: ${(100 * judge.testAccuracy).toFixed(2)}% test accuracy (${judge.cached ? "cached" : "trained now"}, ${judge.path})`);
  const snapshotEpochs = [...new Set([1, Math.ceil(epochs / 2), epochs])];
  const snapshots = vaeVsGan(train, {
    epochs,
    snapshotEpochs,
    seed: flagNumber(flags, "seed"),
    quality: (images) => sampleQuality(judge.classifier, images).meanTopProbability,
    onEpoch: log,
  });
  for (const s of snapshots) log(`epoch ${s.epoch}: mean top-class probability VAE ${s.vae.quality.toFixed(3)}, GAN ${s.gan.quality.toFixed(3)}`);
  const dir = flagString(flags, "out");
  ensureDir(dir);
  writeFileAtomicSync(join(dir, "vae-vs-gan.png"), vaeVsGanPng(snapshots, train, "top-class p"));
  writeJson(join(dir, "summary.json"), { data, epochs, judge: { path: judge.path, testAccuracy: judge.testAccuracy }, snapshots: snapshots.map((s) => ({ epoch: s.epoch, vae: s.vae.quality, gan: s.gan.quality })) });
  log(`Wrote ${dir}/{vae-vs-gan.png,summary.json}`);
}
