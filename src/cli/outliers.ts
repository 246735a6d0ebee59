/**
 * `elbo outliers`: how well a trained VAE's density tells an outlier set from its own kind.
 * `--out-of` is another dataset, or a class held out of training with `--exclude-labels`.
 * Writes summary.json, roc.png, histogram.png (IWAE log p(x)), histogram-corrected.png and
 * lowest.png (the 32 lowest-scored in-distribution images) into --out.
 */
import { join } from "node:path";
import { filterByLabel, subset, type Dataset } from "../data/index.js";
import { compressedBits } from "../io/compressed-length.js";
import { writeFileAtomicSync } from "../io/files.js";
import { histogramPng, lowestPng, rocPng } from "../experiments/outlier-figures.js";
import { outlierExperiment, type OutlierResult } from "../experiments/outliers.js";
import { Generator } from "../tensor/index.js";
import { flagNumber, flagOptionalString, flagString, UsageError, type FlagSpec, type ParsedFlags } from "./args.js";
import { ensureDir, loadRun, writeJson, type LoadedRun } from "./run-folder.js";
import { loadSplits } from "./splits.js";

export const outliersFlags: Record<string, FlagSpec> = {
  run: { type: "string", default: "runs/latest", help: "run folder written by elbo train" },
  in: { type: "string", help: "in-distribution dataset, its test split (default: the run's own)" },
  "out-of": { type: "string", help: 'outliers: a dataset ("fashion-mnist", "mnist", a directory), or a class 0-9 of --in held out with --exclude-labels' },
  k: { type: "int", default: 100, min: 1, help: "importance samples per image" },
  n: { type: "int", default: 1000, min: 1, help: "at most this many images of each set (evenly spaced)" },
  seed: { type: "int", default: 0, min: 0, help: "seed of the importance samples" },
  out: { type: "string", default: "runs/outliers", output: "folder", help: "folder for summary.json and the pictures" },
};

/** At most `n` examples spread evenly over `data` (bundled MNIST is sorted by label). */
function evenlySpaced(data: Dataset, n: number): Dataset {
  if (data.count <= n) return data;
  return subset(data, Array.from({ length: n }, (_, i) => Math.floor((i * data.count) / n)));
}

function testSplit(run: LoadedRun, spec: string): Dataset {
  const { test } = loadSplits(spec, run.config.training.testSize, run.config.training.seed);
  if (test.height * test.width !== run.config.model.inputSize) {
    throw new UsageError(`${spec}: images of ${test.height}×${test.width} do not fit a model of ${run.config.model.inputSize} inputs`);
  }
  return test;
}

/** The two sets, and a note when the "outlier" class was in fact trained on. */
function chooseSets(run: LoadedRun, flags: ParsedFlags): { inSet: Dataset; outSet: Dataset; inName: string; outName: string; note?: string } {
  const outOf = flagOptionalString(flags, "out-of");
  if (outOf === undefined) throw new UsageError("--out-of is required: a dataset such as fashion-mnist, or a held-out class 0-9");
  const inSpec = flagOptionalString(flags, "in") ?? run.config.training.data;
  // The classes the run left out are not "in-distribution" (on its own data only).
  const excluded = inSpec === run.config.training.data ? (run.config.training.excludeLabels ?? []) : [];
  const n = flagNumber(flags, "n");
  const inTest = testSplit(run, inSpec);
  if (/^\d$/.test(outOf)) {
    const label = Number(outOf);
    const others = filterByLabel(inTest, (l) => l !== label && !excluded.includes(l), `${inSpec} without ${label}`);
    const held = filterByLabel(inTest, (l) => l === label, `${inSpec} class ${label}`);
    if (held.count === 0) throw new UsageError(`--out-of ${outOf}: the ${inSpec} test split has no class ${label}`);
    const note = excluded.includes(label) ? undefined : `Note: the run was trained on class ${label} too (train with --exclude-labels ${label} to hold it out)`;
    return { inSet: evenlySpaced(others, n), outSet: evenlySpaced(held, n), inName: others.name, outName: held.name, ...(note ? { note } : {}) };
  }
  const inSet = filterByLabel(inTest, (l) => !excluded.includes(l));
  return { inSet: evenlySpaced(inSet, n), outSet: evenlySpaced(testSplit(run, outOf), n), inName: inSpec, outName: outOf };
}

function table(result: OutlierResult): string[] {
  const lines = [`${"score".padEnd(18)} ${"AUROC".padStart(6)} ${"AUPRC".padStart(6)} ${"mean in".padStart(9)} ${"mean out".padStart(9)}`];
  for (const row of result.rows) {
    lines.push(`${row.name.padEnd(18)} ${row.auroc.toFixed(3).padStart(6)} ${row.auprc.toFixed(3).padStart(6)} ${row.meanIn.toFixed(1).padStart(9)} ${row.meanOut.toFixed(1).padStart(9)}`);
  }
  return lines;
}

export function runOutliers(flags: ParsedFlags, log: (line: string) => void): void {
  const runDir = flagString(flags, "run");
  const run = loadRun(runDir);
  const model = run.model;
  if (model.kind !== "vae") throw new UsageError(`${runDir} holds an autoencoder, which has no density p(x) to score outliers by; train a VAE (--model vae)`);
  const { inSet, outSet, inName, outName, note } = chooseSets(run, flags);
  if (note) log(note);
  const k = flagNumber(flags, "k");
  log(`Scoring ${inSet.count} ${inName} (in) and ${outSet.count} ${outName} (out) images, IWAE k = ${k} ...`);
  const result = outlierExperiment(model, inSet, outSet, { k, generator: new Generator(flagNumber(flags, "seed")), compressedBits });
  for (const line of table(result)) log(line);

  const dir = flagString(flags, "out");
  ensureDir(dir);
  writeJson(join(dir, "summary.json"), {
    run: runDir,
    in: { data: inName, count: inSet.count },
    out: { data: outName, count: outSet.count },
    k,
    seed: flagNumber(flags, "seed"),
    outliersArePositives: true,
    scores: result.rows,
  });
  const names = { in: inName, out: outName };
  const pictures: [string, () => Uint8Array][] = [
    ["roc.png", () => rocPng(result, `ROC: ${outName} flagged among ${inName}`)],
    ["histogram.png", () => histogramPng(result, "logPx", names)],
    ["histogram-corrected.png", () => histogramPng(result, "complexityCorrected", names)],
    ["lowest.png", () => lowestPng(inSet, result.inScores.logPx)],
  ];
  for (const [name, render] of pictures) writeFileAtomicSync(join(dir, name), render());
  log(`Wrote ${dir}/{summary.json,${pictures.map(([name]) => name).join(",")}}`);
}
