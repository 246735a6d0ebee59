/**
 * An image grid with words: a title above it and a label left of each row (the conditional
 * VAE's one row per class, the denoising figure's clean / corrupted / denoised rows). Browser-safe.
 */
import { Canvas, GLYPH_HEIGHT, textWidth, type Rgb } from "./canvas.js";
import { imageGrid, type ImageBatch } from "./grid.js";

const TEXT: Rgb = [30, 30, 30];
const TEXT_SCALE = 2;
const GAP = 8;

export interface LabelledGridOptions {
  /** Images per row: rows = ceil(count / cols), one label each. */
  cols: number;
  rowLabels: readonly string[];
  /** Lines above the grid (none by default). */
  title?: readonly string[];
  /** Integer enlargement of each image; default 2. */
  scale?: number;
}

export function labelledGridPng(batch: ImageBatch, options: LabelledGridOptions): Uint8Array {
  const scale = options.scale ?? 2;
  const raster = imageGrid(batch, { cols: options.cols, scale });
  const rows = Math.ceil(batch.count / options.cols);
  if (options.rowLabels.length !== rows) throw new RangeError(`labelledGridPng: ${options.rowLabels.length} row labels for ${rows} rows`);
  const title = options.title ?? [];
  const lineHeight = GLYPH_HEIGHT * TEXT_SCALE + 6;
  const left = GAP + Math.max(0, ...options.rowLabels.map((label) => textWidth(label, TEXT_SCALE))) + GAP;
  const top = GAP + title.length * lineHeight;
  const titleWidth = Math.max(0, ...title.map((line) => textWidth(line, TEXT_SCALE)));
  const canvas = new Canvas(Math.max(left + raster.width, titleWidth + 2 * GAP) + GAP, top + raster.height + GAP);
  title.forEach((line, i) => canvas.text(GAP, GAP + i * lineHeight, line, TEXT, TEXT_SCALE));
  for (let r = 0; r < raster.height; r++) {
    for (let c = 0; c < raster.width; c++) {
      const v = raster.pixels[r * raster.width + c] as number;
      canvas.setPixel(left + c, top + r, [v, v, v]);
    }
  }
  const cell = raster.height / rows;
  options.rowLabels.forEach((label, row) => {
    const y = top + Math.round(row * cell + (cell - GLYPH_HEIGHT * TEXT_SCALE) / 2);
    canvas.text(left - GAP - textWidth(label, TEXT_SCALE), y, label, TEXT, TEXT_SCALE);
  });
  return canvas.toPng();
}
