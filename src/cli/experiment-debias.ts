/**
 * `elbo experiment debias`: the plain classifier against DB-VAE on MNIST with a rare rotated
 * subgroup (see experiments/debias.ts), over several seeds. Prints the table and writes
 * summary.json, table.md and resampled.png (the most- and least-drawn training images).
 */
import { join } from "node:path";
import { resampledExtremesPng } from "../experiments/debias-figures.js";
import { debiasExperiment, type DebiasResult } from "../experiments/debias.js";
import { writeFileAtomicSync } from "../io/files.js";
import { flagNumber, flagString, type FlagSpec, type ParsedFlags } from "./args.js";
import { ensureDir, writeJson } from "./run-folder.js";
import { loadSplits } from "./splits.js";

export const debiasFlags: Record<string, FlagSpec> = {
  seeds: { type: "int", default: 3, min: 1, help: "seeds 0..n-1: each trains both models on its own biased set" },
  epochs: { type: "int", default: 5, min: 1, help: "epochs per model" },
  rare: { type: "number", default: 0.05, min: 0, help: "share of training digits rotated by 90° (the rare subgroup)" },
  alpha: { type: "number", default: 0.01, min: 0, help: "smoothing α of the resampling weights 1 / (Q̂ + α)" },
  bins: { type: "int", default: 10, min: 1, help: "histogram bins per latent dimension" },
  combine: { type: "string", default: "max", choices: ["max", "product"], help: "combine the dimensions' weights: max (the MIT lab's code) or product (the paper's equation)" },
  latent: { type: "int", default: 8, min: 1, help: "latent dimensions of the VAE head" },
  hidden: { type: "ints", default: [128], min: 1, help: "hidden sizes of the shared features" },
  out: { type: "string", default: "runs/debias", output: "folder", help: "folder for summary.json, table.md and resampled.png" },
};

const percent = (value: number): string => `${(100 * value).toFixed(1)}%`;

/** The table as Markdown: one row per model and subgroup, mean ± sample sd, then each seed. */
export function debiasTable(result: DebiasResult): string[] {
  const lines = ["| model | subgroup | accuracy (mean ± sd) | per seed |", "|---|---|---|---|"];
  for (const row of result.rows) {
    lines.push(`| ${row.model} | ${row.subgroup} | ${percent(row.mean)} ± ${(100 * row.std).toFixed(1)} | ${row.accuracies.map(percent).join(", ")} |`);
  }
  return lines;
}

export function runDebias(flags: ParsedFlags, log: (line: string) => void): void {
  const seeds = Array.from({ length: flagNumber(flags, "seeds") }, (_, i) => i);
  log("Loading mnist ...");
  const { train, test } = loadSplits("mnist", 1000, 0);
  const options = {
    seeds,
    epochs: flagNumber(flags, "epochs"),
    rareFraction: flagNumber(flags, "rare"),
    alpha: flagNumber(flags, "alpha"),
    bins: flagNumber(flags, "bins"),
    combine: flagString(flags, "combine") as "max" | "product",
    latentSize: flagNumber(flags, "latent"),
    hiddenSizes: flags.hidden as number[],
    onTrained: log,
  };
  log(`Digit < 5 on ${train.count} training digits, ${percent(options.rareFraction)} rotated; test: ${test.count} digits upright and the same rotated; ${seeds.length} seeds × (plain, DB-VAE), ${options.epochs} epochs each`);
  const result = debiasExperiment(train, test, options);
  const table = debiasTable(result);
  for (const line of table) log(line);
  for (const [i, share] of result.rareShare.entries()) {
    log(`seed ${seeds[i]}: rotated digits are ${percent(share.data)} of the training set and ${percent(share.resampled)} of DB-VAE's last epoch's draw probability; its effective sample size 1/Σp² is ${Math.round(share.effectiveSize)} of ${result.last.data.count}`);
  }
  const dir = flagString(flags, "out");
  ensureDir(dir);
  writeJson(join(dir, "summary.json"), { options: { ...options, onTrained: undefined }, rows: result.rows, rareShare: result.rareShare });
  writeFileAtomicSync(join(dir, "table.md"), new TextEncoder().encode(`${table.join("\n")}\n`));
  writeFileAtomicSync(join(dir, "resampled.png"), resampledExtremesPng(result));
  log(`Wrote ${dir}/{summary.json,table.md,resampled.png} (resampled.png: rows 1-2 drawn most often, rows 3-4 least)`);
}
