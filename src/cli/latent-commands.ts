/**
 * The latent-space pictures of a trained run: `manifold` (the decoded latent map), `traverse`
 * (one row per dimension, the β-VAE picture), `attribute` (z + α·(z̄_to − z̄_from)). Each loads
 * the run given by --run and writes one PNG given by --out.
 */
import { writeFileAtomicSync } from "../io/files.js";
import { FASHION_MNIST_CLASSES } from "../data/index.js";
import { tensor, zeros } from "../autograd/index.js";
import { attributeFigure, className, codesOf, latentGridFor, latentMapFigure, spreadSample, traversalFigure, traversalOrder } from "../experiments/latent-figures.js";
import { flagNumber, flagOptionalString, flagString, UsageError, type FlagSpec, type ParsedFlags } from "./args.js";
import type { Command } from "./commands.js";
import { loadRun, type LoadedRun } from "./run-folder.js";
import { loadSplits } from "./splits.js";
import type { Dataset } from "../data/index.js";

const runFlag: FlagSpec = { type: "string", default: "runs/latest", help: "run folder written by elbo train" };
/** Test images whose codes place the grid (AE bounding box, principal plane) and rank dimensions. */
const CODE_IMAGES = 2000;

function testSplit(run: LoadedRun): Dataset {
  return loadSplits(run.config.training.data, run.config.training.testSize, run.config.training.seed).test;
}

function subtitle(run: LoadedRun, dir: string): string {
  const { model, training } = run.config;
  if (model.kind === "ae") return `${dir}: ${training.data}, ${model.inputSize}-${model.hiddenSizes.join("-")}-${model.latentSize} AE, ${training.epochs} epochs`;
  const weights = `beta ${training.beta}${training.reconstructionWeight !== undefined && training.reconstructionWeight !== 1 ? `, reconstruction weight ${training.reconstructionWeight}` : ""}`;
  return `${dir}: ${training.data}, ${model.inputSize}-${model.hiddenSizes.join("-")}-${model.latentSize}, ${training.epochs} epochs, ${weights}`;
}

function labelNames(run: LoadedRun): readonly string[] | undefined {
  return run.config.training.data === "fashion-mnist" ? FASHION_MNIST_CLASSES : undefined;
}

function write(flags: ParsedFlags, bytes: Uint8Array, log: (line: string) => void): void {
  const path = flagString(flags, "out");
  writeFileAtomicSync(path, bytes);
  log(`Wrote ${path}`);
}

/** "all", or comma-separated dimensions each in [0, latent). */
function parseDims(text: string, latent: number, order: number[]): number[] {
  if (text === "all") return order;
  const dims = text.split(",").map((part) => Number(part.trim()));
  for (const [i, d] of dims.entries()) {
    if (!Number.isInteger(d) || d < 0 || d >= latent) throw new UsageError(`--dims: "${text.split(",")[i]}" is not a dimension in 0..${latent - 1} (or "all")`);
  }
  return dims;
}

/** Comma-separated finite numbers. */
function parseNumbers(flag: string, text: string): number[] {
  const values = text.split(",").map((part) => Number(part.trim()));
  if (values.length === 0 || values.some((v, i) => !Number.isFinite(v) || text.split(",")[i]?.trim() === "")) throw new UsageError(`--${flag}: expected comma-separated numbers such as 0,0.5,1, got "${text}"`);
  return values;
}

/** A class given as a digit, or as a Fashion-MNIST class name. */
function parseLabel(flag: string, text: string, names: readonly string[] | undefined): number {
  const byName = names?.findIndex((name) => name.toLowerCase() === text.toLowerCase()) ?? -1;
  if (byName >= 0) return byName;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 9) throw new UsageError(`--${flag}: expected a label 0-9${names ? ` or one of ${names.join(", ")}` : ""}, got "${text}"`);
  return value;
}

export const latentCommands: Record<string, Command> = {
  manifold: {
    description: "Decode a regular grid over the latent plane (VAE: spaced by the inverse Gaussian CDF; AE or a VAE trained with beta 0: over the codes' bounding box).",
    flags: {
      run: runFlag,
      n: { type: "int", default: 20, min: 2, help: "grid points per side" },
      range: { type: "number", default: 0.05, min: 0.0001, help: "VAE: the grid covers the prior's quantiles range..1-range" },
      out: { type: "string", default: "manifold.png", help: "PNG to write" },
    },
    run(flags, log) {
      const dir = flagString(flags, "run");
      const run = loadRun(dir);
      const range = flagNumber(flags, "range");
      if (range >= 0.5) throw new UsageError(`--range: must be below 0.5 (the grid spans range..1-range), got ${range}`);
      const { x } = spreadSample(testSplit(run), CODE_IMAGES, run.model.dtype);
      const size = run.config.model;
      if (run.model.latentSize > 2) log(`The latent has ${run.model.latentSize} dimensions: the grid lies in the plane of the first two principal directions of ${x.shape[0]} test codes`);
      const grid = latentGridFor(run.model, run.config.training.beta);
      if (run.model.kind === "vae" && grid === "codes") log("Trained with beta 0 (no KL term): the grid covers the codes' bounding box, not the prior's quantiles");
      const canvas = latentMapFigure(run.model, codesOf(run.model, x), { n: flagNumber(flags, "n"), range, grid, subtitle: subtitle(run, dir), size });
      write(flags, canvas.toPng(), log);
    },
  },
  traverse: {
    description: "Latent traversals: one row per dimension swept over [-range, range], the others held at a test image's code (or 0); rows ordered by KL.",
    flags: {
      run: runFlag,
      dims: { type: "string", default: "all", help: 'dimensions to sweep: "all" (ordered by KL) or e.g. 0,3,7' },
      range: { type: "number", default: 3, min: 0, help: "sweep each dimension over [-range, range]" },
      steps: { type: "int", default: 11, min: 2, help: "images per row" },
      image: { type: "int", default: 0, min: -1, help: "test image whose code holds the other dimensions (-1: hold them at 0)" },
      out: { type: "string", default: "traversal.png", help: "PNG to write" },
    },
    run(flags, log) {
      const dir = flagString(flags, "run");
      const run = loadRun(dir);
      const test = testSplit(run);
      const { x } = spreadSample(test, CODE_IMAGES, run.model.dtype);
      const ranking = traversalOrder(run.model, x);
      const dims = parseDims(flagString(flags, "dims"), run.model.latentSize, ranking.order);
      const image = flagNumber(flags, "image");
      if (image >= test.count) throw new UsageError(`--image: the test split has ${test.count} images, got ${image}`);
      const pixels = run.config.model.inputSize;
      const base = image < 0
        ? zeros([run.model.latentSize], { dtype: run.model.dtype })
        : codesOf(run.model, tensor(test.images.subarray(image * pixels, (image + 1) * pixels), { shape: [1, pixels], dtype: run.model.dtype })).reshape([run.model.latentSize]);
      const baseName = image < 0 ? "0" : `the ${run.model.kind === "vae" ? "posterior mean" : "code"} of test image ${image} (class ${className(test.labels[image] as number, labelNames(run))})`;
      const canvas = traversalFigure(run.model, { base, baseName, dims, ranking, range: flagNumber(flags, "range"), steps: flagNumber(flags, "steps"), subtitle: subtitle(run, dir), size: run.config.model });
      log(`${ranking.active.filter(Boolean).length} of ${run.model.latentSize} dimensions are active units (variance of the codes over ${x.shape[0]} test images above 0.01)`);
      write(flags, canvas.toPng(), log);
    },
  },
  attribute: {
    description: "Attribute vectors: decode z + alpha (mean code of --to - mean code of --from) for test images of class --from.",
    flags: {
      run: runFlag,
      from: { type: "string", help: "source class: a digit 0-9 (or a Fashion-MNIST class name)" },
      to: { type: "string", help: "target class" },
      alpha: { type: "string", default: "0,0.25,0.5,0.75,1,1.25,1.5", help: "comma-separated alphas" },
      rows: { type: "int", default: 8, min: 1, help: "source images, one row each" },
      out: { type: "string", default: "attribute.png", help: "PNG to write" },
    },
    run(flags, log) {
      const dir = flagString(flags, "run");
      const run = loadRun(dir);
      const names = labelNames(run);
      const from = parseLabel("from", flagOptionalString(flags, "from") ?? "", names);
      const to = parseLabel("to", flagOptionalString(flags, "to") ?? "", names);
      const alphas = parseNumbers("alpha", flagString(flags, "alpha"));
      const test = testSplit(run);
      const { x, labels } = spreadSample(test, test.count, run.model.dtype);
      for (const [flag, label] of [["from", from], ["to", to]] as const) {
        if (!labels.includes(label)) throw new UsageError(`--${flag}: no test image has label ${label}`);
      }
      const { canvas, vectorNorm } = attributeFigure(run.model, x, labels, { from, to, alphas, rows: flagNumber(flags, "rows"), ...(names ? { labelNames: names } : {}), subtitle: subtitle(run, dir), size: run.config.model });
      log(`Attribute vector ${className(from, names)} -> ${className(to, names)}: norm ${vectorNorm.toFixed(3)}, from the class means of ${test.count} test codes`);
      write(flags, canvas.toPng(), log);
    },
  },
};
