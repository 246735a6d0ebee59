/**
 * `elbo experiment cvae`: how often a conditional run's samples are the class asked for, by the
 * digit classifier of experiments/judge.ts (trained on the run's own training split, cached):
 * per class and overall (experiments/conditional-accuracy.ts).
 */
import { join } from "node:path";
import { conditionalSampleAccuracy } from "../experiments/conditional-accuracy.js";
import { loadOrTrainJudge } from "../experiments/judge.js";
import { flagNumber, flagString, UsageError, type FlagSpec, type ParsedFlags } from "./args.js";
import { loadRun } from "./run-folder.js";
import { loadSplits } from "./splits.js";

export const cvaeFlags: Record<string, FlagSpec> = {
  run: { type: "string", default: "runs/latest", help: "a run trained with elbo train --conditional" },
  "per-class": { type: "int", default: 100, min: 1, help: "samples judged per class" },
  seed: { type: "int", default: 0, min: 0, help: "seed of the samples' z" },
  judge: { type: "string", help: "the judge's cache file (default: runs/classifier-<data>/model.safetensors)" },
};

export function runCvae(flags: ParsedFlags, log: (line: string) => void): void {
  const dir = flagString(flags, "run");
  const run = loadRun(dir);
  const model = run.model;
  if (model.kind !== "vae" || model.classes === 0) throw new UsageError(`--run ${dir}: not a conditional run (train one with elbo train --conditional)`);
  const data = run.config.training.data;
  const { train, test } = loadSplits(data, run.config.training.testSize, run.config.training.seed);
  const judgePath = typeof flags.judge === "string" ? flags.judge : join("runs", `classifier-${data}`, "model.safetensors");
  const judge = loadOrTrainJudge(train, test, { path: judgePath, log });
  log(`judge: ${(100 * judge.testAccuracy).toFixed(2)}% test accuracy on real ${data} images (${judge.cached ? "cached" : "trained now"}, ${judge.path})`);
  const result = conditionalSampleAccuracy(model, judge.classifier, flagNumber(flags, "per-class"), flagNumber(flags, "seed"));
  log(`per class: ${result.perClass.map((a, y) => `${y} ${(100 * a).toFixed(0)}%`).join(", ")}`);
  log(`${(100 * result.accuracy).toFixed(1)}% of ${result.samples} samples of p(x | z, y) are classified as their y`);
}
