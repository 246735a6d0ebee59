/**
 * Figures for the experiments, composed on `Canvas`: a grid of decoded images with a title and
 * labelled rows and columns, panels side by side or stacked under one title. Every figure says
 * what it shows (model, data, epochs) in its title.
 */
import { Canvas, textWidth, WHITE, type Rgb } from "../io/canvas.js";
import { imageGrid } from "../io/grid.js";
import type { Tensor } from "../autograd/index.js";

const TEXT: Rgb = [30, 30, 30];
const MUTED: Rgb = [110, 110, 110];
const PAD = 8;

export interface ImageGridFigure {
  /** Title lines, drawn at text scale 2 (the first) and 1 (the rest). */
  title: string[];
  cols: number;
  /** Integer enlargement of each image. Default 2. */
  scale?: number;
  /** A label under each column / left of each row (e.g. grid coordinates or dimensions). */
  colLabels?: string[];
  rowLabels?: string[];
  /** Axis captions: under the column labels, and above the row labels. */
  xCaption?: string;
  yCaption?: string;
  /** Rows to mark (e.g. active units) with a coloured bar left of the row. */
  markedRows?: boolean[];
}

/** Decoded images ([count, height·width], values in [0, 1]) tiled into a titled, labelled grid. */
export function imageGridFigure(images: Tensor, size: { height: number; width: number }, figure: ImageGridFigure): Canvas {
  const count = images.shape[0] as number;
  const scale = figure.scale ?? 2;
  const raster = imageGrid({ data: images.data, count, height: size.height, width: size.width }, { cols: figure.cols, scale });
  const rows = Math.ceil(count / figure.cols);
  const labelWidth = Math.max(0, ...(figure.rowLabels ?? []).map((l) => textWidth(l, 1))) + (figure.rowLabels ? PAD : 0) + (figure.markedRows ? 6 : 0);
  const titleHeight = titleBlockHeight(figure.title);
  const captionHeight = figure.yCaption ? 12 : 0;
  const colLabelHeight = (figure.colLabels ? 12 : 0) + (figure.xCaption ? 12 : 0);
  const width = Math.max(PAD + labelWidth + raster.width + PAD, ...figure.title.map((t, i) => textWidth(t, i === 0 ? 2 : 1) + 2 * PAD));
  const height = titleHeight + captionHeight + raster.height + colLabelHeight + PAD;
  const canvas = new Canvas(width, height, WHITE);
  drawTitle(canvas, figure.title);
  const left = PAD + labelWidth;
  const top = titleHeight + captionHeight;
  if (figure.yCaption) canvas.text(PAD, titleHeight, figure.yCaption, MUTED, 1);
  for (let y = 0; y < raster.height; y++) {
    for (let x = 0; x < raster.width; x++) {
      const v = raster.pixels[y * raster.width + x] as number;
      canvas.setPixel(left + x, top + y, [v, v, v]);
    }
  }
  const cellW = (raster.width - 1) / figure.cols;
  const cellH = (raster.height - 1) / rows;
  figure.rowLabels?.forEach((label, r) => {
    const y = top + r * cellH + cellH / 2 - 3;
    canvas.text(left - PAD + 2 - textWidth(label, 1) - (figure.markedRows ? 6 : 0), y, label, TEXT, 1);
    if (figure.markedRows?.[r]) canvas.fillRect(left - 6, top + r * cellH + 2, 3, cellH - 3, [214, 39, 40]);
  });
  figure.colLabels?.forEach((label, c) => {
    canvas.text(left + c * cellW + cellW / 2 - textWidth(label, 1) / 2, top + raster.height + 3, label, TEXT, 1);
  });
  if (figure.xCaption) canvas.text(left + raster.width / 2 - textWidth(figure.xCaption, 1) / 2, top + raster.height + 3 + (figure.colLabels ? 12 : 0), figure.xCaption, MUTED, 1);
  return canvas;
}

function titleBlockHeight(title: readonly string[]): number {
  return title.length === 0 ? PAD : PAD + 16 + 11 * (title.length - 1) + PAD;
}

function drawTitle(canvas: Canvas, title: readonly string[]): void {
  title.forEach((line, i) => {
    const scale = i === 0 ? 2 : 1;
    const y = i === 0 ? PAD : PAD + 16 + 11 * (i - 1);
    canvas.text(Math.max(PAD, (canvas.width - textWidth(line, scale)) / 2), y, line, i === 0 ? TEXT : MUTED, scale);
  });
}

/** Panels laid out in a row (`direction` "row") or a column, centred, under an optional title. */
export function composeFigure(panels: readonly Canvas[], options: { title?: string[]; direction?: "row" | "column" } = {}): Canvas {
  const title = options.title ?? [];
  const row = (options.direction ?? "row") === "row";
  const titleHeight = title.length === 0 ? 0 : titleBlockHeight(title);
  const along = panels.reduce((total, p) => total + (row ? p.width : p.height), 0) + PAD * (panels.length - 1);
  const across = Math.max(...panels.map((p) => (row ? p.height : p.width)));
  const width = Math.max(row ? along : across, ...title.map((t, i) => textWidth(t, i === 0 ? 2 : 1) + 2 * PAD));
  const height = titleHeight + (row ? across : along);
  const canvas = new Canvas(width, height, WHITE);
  drawTitle(canvas, title);
  let offset = 0;
  for (const panel of panels) {
    const x0 = row ? offset : Math.floor((width - panel.width) / 2);
    const y0 = titleHeight + (row ? 0 : offset);
    for (let y = 0; y < panel.height; y++) {
      canvas.pixels.set(panel.pixels.subarray(y * panel.width * 3, (y + 1) * panel.width * 3), ((y0 + y) * width + x0) * 3);
    }
    offset += (row ? panel.width : panel.height) + PAD;
  }
  return canvas;
}

/** A tick label: 2 decimals, or fewer when exact. */
export function tickLabel(value: number): string {
  return Number(value.toFixed(2)).toString();
}
