/**
 * VAE against GAN (note 001 sets one beside the other): both trained on the same digits for
 * the same epochs, seeded, and their samples kept at chosen epochs, each with a sample-quality
 * number from a judge the caller passes (a digit classifier's mean top-class probability).
 * The VAE's samples are the decoder's means at z ~ N(0, I); the GAN's are G(z).
 */
import type { Tensor } from "../autograd/index.js";
import type { Dataset } from "../data/index.js";
import { Canvas, textWidth, type Rgb } from "../io/canvas.js";
import { imageGrid } from "../io/grid.js";
import { GAN } from "../models/gan.js";
import { trainGanEpoch } from "../models/gan-trainer.js";
import { Adam } from "../nn/index.js";
import { Generator } from "../tensor/index.js";
import { elboObjective, trainEpoch, VAE } from "../vae/index.js";

export interface VaeVsGanOptions {
  epochs: number;
  /** Epochs after which samples are kept (each in 1..epochs). */
  snapshotEpochs: readonly number[];
  seed: number;
  /** Samples per model per snapshot. Default 32. */
  samples?: number;
  batchSize?: number;
  /** Judges a [n, pixels] batch of samples: higher is better. */
  quality: (images: Tensor) => number;
  onEpoch?: (line: string) => void;
}

export interface Snapshot {
  epoch: number;
  vae: { images: Float32Array; quality: number };
  gan: { images: Float32Array; quality: number };
}

/** Train the canonical VAE (784-400-20) and an MLP GAN side by side, keeping snapshots. */
export function vaeVsGan(train: Dataset, options: VaeVsGanOptions): Snapshot[] {
  const inputSize = train.height * train.width;
  for (const e of options.snapshotEpochs) {
    if (!Number.isInteger(e) || e < 1 || e > options.epochs) throw new RangeError(`vaeVsGan: snapshot epoch ${e} is outside 1..${options.epochs}`);
  }
  const batchSize = options.batchSize ?? 128;
  const count = options.samples ?? 32;
  const vae = new VAE({ inputSize, hiddenSizes: [400], latentSize: 20, generator: new Generator(options.seed) });
  const vaeOptimizer = new Adam(vae.parameters(), { lr: 1e-3 });
  const gan = new GAN({ inputSize, hiddenSizes: [400], latentSize: 20, generator: new Generator(options.seed) });
  const ganOptimizer = new Adam(gan.parameters(), { lr: 2e-4, betas: [0.5, 0.999] });
  const vaeDraws = new Generator(options.seed + 2);
  const ganDraws = new Generator(options.seed + 2);
  const snapshots: Snapshot[] = [];
  let step = 0;
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const trained = trainEpoch(vae, vaeOptimizer, train, { objective: elboObjective(), batchSize, generator: vaeDraws, startStep: step });
    step += trained.steps;
    const losses = trainGanEpoch(gan, ganOptimizer, train, { batchSize, generator: ganDraws });
    options.onEpoch?.(`epoch ${epoch}/${options.epochs}: VAE train ELBO ${trained.elbo.toFixed(2)}; GAN D loss ${losses.discriminatorLoss.toFixed(3)}, G loss ${losses.generatorLoss.toFixed(3)}`);
    if (!options.snapshotEpochs.includes(epoch)) continue;
    vae.eval();
    const vaeSamples = vae.sample(count, { generator: new Generator(options.seed + 5) });
    const ganSamples = gan.sample(count, { generator: new Generator(options.seed + 5) });
    snapshots.push({
      epoch,
      vae: { images: Float32Array.from(vaeSamples.data), quality: options.quality(vaeSamples) },
      gan: { images: Float32Array.from(ganSamples.data), quality: options.quality(ganSamples) },
    });
  }
  return snapshots;
}

const TEXT: Rgb = [30, 30, 30];

/** Copy a grayscale raster onto the canvas at (x, y). */
function blit(canvas: Canvas, raster: { width: number; height: number; pixels: Uint8Array }, x: number, y: number): void {
  for (let r = 0; r < raster.height; r++) {
    for (let c = 0; c < raster.width; c++) {
      const v = raster.pixels[r * raster.width + c] as number;
      canvas.setPixel(x + c, y + r, [v, v, v]);
    }
  }
}

/**
 * One row per snapshot: the VAE's samples left, the GAN's right, each headed by its epoch and
 * quality number (`qualityName`, e.g. "top-class p").
 */
export function vaeVsGanPng(snapshots: readonly Snapshot[], size: { height: number; width: number }, qualityName: string): Uint8Array {
  if (snapshots.length === 0) throw new RangeError("vaeVsGanPng: no snapshots");
  const grid = (images: Float32Array) => imageGrid({ data: images, count: images.length / (size.height * size.width), height: size.height, width: size.width }, { cols: 8, scale: 2 });
  const first = grid((snapshots[0] as Snapshot).vae.images);
  const gap = 24;
  const header = 22;
  const canvas = new Canvas(2 * first.width + 3 * gap, snapshots.length * (first.height + header + gap) + gap);
  snapshots.forEach((snapshot, row) => {
    const top = gap + row * (first.height + header + gap);
    (["vae", "gan"] as const).forEach((kind, col) => {
      const left = gap + col * (first.width + gap);
      const title = `${kind.toUpperCase()} epoch ${snapshot.epoch}, ${qualityName} ${snapshot[kind].quality.toFixed(3)}`;
      canvas.text(left + Math.max(0, Math.round((first.width - textWidth(title, 2)) / 2)), top, title, TEXT, 2);
      blit(canvas, grid(snapshot[kind].images), left, top + header);
    });
  });
  return canvas.toPng();
}
