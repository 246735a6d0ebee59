/**
 * `elbo denoise`: corrupt the run's test images (seeded), reconstruct them, and write a figure of
 * clean / corrupted / denoised rows; print the BCE and PSNR of the corrupted and of the denoised
 * images against the clean ones (see experiments/denoising.ts). Works on any run: a denoising
 * one (--corrupt, the default corruption here) or a plain VAE, for comparison.
 */
import { writeFileAtomicSync } from "../io/files.js";
import { labelledGridPng } from "../io/labelled-grid.js";
import { parseCorruption, pixelsOf } from "../data/index.js";
import { denoiseDataset, type ImageErrors } from "../experiments/denoising.js";
import { Generator } from "../tensor/index.js";
import { flagNumber, flagOptionalString, flagString, UsageError, type FlagSpec, type ParsedFlags } from "./args.js";
import { testSet } from "./commands.js";
import { loadRun } from "./run-folder.js";

export const denoiseFlags: Record<string, FlagSpec> = {
  run: { type: "string", default: "runs/latest", help: "run folder written by elbo train (default: the latest one)" },
  data: { type: "string", help: "dataset (default: the run's own, its test split)" },
  corrupt: { type: "string", help: "gaussian:σ, saltpepper:p or mask:p (default: the run's own --corrupt)" },
  n: { type: "int", default: 10, min: 1, help: "test images in the figure (all of them are scored)" },
  seed: { type: "int", default: 0, min: 0, help: "seed of the corruption's draws" },
  out: { type: "string", default: "denoise.png", output: "file", help: "PNG to write" },
};

const describe = (e: ImageErrors): string => `BCE ${e.bce.toFixed(2)} nats/image, PSNR ${e.psnr.toFixed(2)} dB`;

export function runDenoise(flags: ParsedFlags, log: (line: string) => void): void {
  const dir = flagString(flags, "run");
  const run = loadRun(dir);
  const spec = flagOptionalString(flags, "corrupt") ?? run.config.training.corrupt;
  if (spec === undefined) throw new UsageError(`--corrupt: the run in ${dir} was trained without one, so name the corruption to remove (e.g. --corrupt gaussian:0.5)`);
  let corruption;
  try {
    corruption = parseCorruption(spec);
  } catch (error) {
    throw new UsageError(`--corrupt ${(error as Error).message}`);
  }
  const model = run.model;
  if (model.kind !== "vae") throw new UsageError(`--run ${dir}: an autoencoder run; denoise takes a VAE (train one with elbo train --corrupt ...)`);
  const data = testSet(run, flags);
  const result = denoiseDataset(model, data, corruption, new Generator(flagNumber(flags, "seed")));
  const n = Math.min(flagNumber(flags, "n"), data.count);
  const pixels = pixelsOf(data);
  const figure = new Float32Array(3 * n * pixels);
  // n images spread evenly over the test set (a split of sorted digits can start with one class).
  [data.images, result.corrupted, result.denoised].forEach((images, row) => {
    for (let i = 0; i < n; i++) {
      const source = Math.floor((i * data.count) / n);
      figure.set(images.subarray(source * pixels, (source + 1) * pixels), (row * n + i) * pixels);
    }
  });
  const out = flagString(flags, "out");
  const title = [
    `${spec} on ${data.count} test images, ${dir}`,
    `corrupted: ${describe(result.corruptedErrors)}`,
    `denoised:  ${describe(result.denoisedErrors)}`,
  ];
  writeFileAtomicSync(out, labelledGridPng({ data: figure, count: 3 * n, height: data.height, width: data.width }, { cols: n, rowLabels: ["clean", "corrupted", "denoised"], title }));
  log(`corrupted vs clean: ${describe(result.corruptedErrors)}`);
  log(`denoised vs clean:  ${describe(result.denoisedErrors)} (${spec}, ${data.count} test images, seed ${flagNumber(flags, "seed")})`);
  log(`Wrote ${out}`);
}
