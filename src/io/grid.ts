/**
 * Image grids: n grayscale images of height x width, intensities in [0, 1], tiled in
 * rows x cols with a border between and around them, optionally enlarged by an integer
 * factor (nearest neighbour). Used for samples, reconstructions and interpolations.
 */
import { encodePng, toByte, type PngImage } from "./png.js";

/** `count` images stored back to back: image k, row r, column c is at k*h*w + r*w + c. */
export interface ImageBatch {
  data: ArrayLike<number>;
  count: number;
  height: number;
  width: number;
}

export interface GridOptions {
  /** Images per row; default ceil(sqrt(count)), or ceil(count / rows) when rows is given. */
  cols?: number;
  /** Rows; default ceil(count / cols). */
  rows?: number;
  /** Border width in output pixels, between images and around the edge; default 1. */
  border?: number;
  /** Integer enlargement of each image; default 1. */
  scale?: number;
  /** Border intensity in [0, 1]; default 0.5 (mid gray, visible on black and white digits). */
  borderValue?: number;
}

/** Resolved layout of a grid: cell size includes one border on its left and top. */
export interface GridLayout {
  rows: number;
  cols: number;
  border: number;
  scale: number;
  width: number;
  height: number;
}

function checkPositiveInt(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`imageGrid: ${name} must be a positive integer, got ${value}`);
}

/** Validates `batch` and `options` and computes the grid's rows, cols and pixel size. */
export function gridLayout(batch: ImageBatch, options: GridOptions = {}): GridLayout {
  const { count, height, width } = batch;
  checkPositiveInt("count", count);
  checkPositiveInt("height", height);
  checkPositiveInt("width", width);
  if (batch.data.length !== count * height * width) {
    throw new RangeError(
      `imageGrid: data has length ${batch.data.length}, expected count*height*width = ` +
        `${count}*${height}*${width} = ${count * height * width}`,
    );
  }
  let { rows, cols } = options;
  if (cols === undefined) cols = rows === undefined ? Math.ceil(Math.sqrt(count)) : Math.ceil(count / rows);
  if (rows === undefined) rows = Math.ceil(count / cols);
  checkPositiveInt("cols", cols);
  checkPositiveInt("rows", rows);
  if (rows * cols < count) throw new RangeError(`imageGrid: ${rows}x${cols} grid cannot hold ${count} images`);
  const border = options.border ?? 1;
  if (!Number.isInteger(border) || border < 0) throw new RangeError(`imageGrid: border must be a non-negative integer, got ${border}`);
  const scale = options.scale ?? 1;
  checkPositiveInt("scale", scale);
  return {
    rows,
    cols,
    border,
    scale,
    width: cols * (width * scale + border) + border,
    height: rows * (height * scale + border) + border,
  };
}

/** Tiles the batch into one grayscale raster; empty cells are filled with the border value. */
export function imageGrid(batch: ImageBatch, options: GridOptions = {}): PngImage {
  const layout = gridLayout(batch, options);
  const { cols, border, scale, width: outW, height: outH } = layout;
  const { data, count, height: h, width: w } = batch;
  const borderByte = toByte(options.borderValue ?? 0.5);
  const pixels = new Uint8Array(outW * outH).fill(borderByte);
  for (let k = 0; k < count; k++) {
    // Top-left output pixel of image k.
    const x0 = border + (k % cols) * (w * scale + border);
    const y0 = border + Math.floor(k / cols) * (h * scale + border);
    for (let r = 0; r < h * scale; r++) {
      const rowStart = k * h * w + Math.floor(r / scale) * w;
      const outRow = (y0 + r) * outW + x0;
      for (let c = 0; c < w * scale; c++) pixels[outRow + c] = toByte(data[rowStart + Math.floor(c / scale)] as number);
    }
  }
  return { width: outW, height: outH, channels: 1, pixels };
}

/** `imageGrid` encoded as a grayscale PNG file. */
export function imageGridPng(batch: ImageBatch, options: GridOptions = {}): Uint8Array {
  return encodePng(imageGrid(batch, options));
}
