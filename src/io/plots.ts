/**
 * Two plots drawn on a `Canvas`: training curves (named series over epochs) and a scatter of
 * 2-D points coloured by digit label. Both share one frame: title, axes with "nice" ticks
 * (1, 2 or 5 times a power of ten), axis labels, and a legend to the right of the plot area.
 */
import { Canvas, GLYPH_HEIGHT, TAB10, WHITE, textWidth, type Rgb } from "./canvas.js";

/** One curve: `values[i]` is plotted at `x[i]` (default i + 1, i.e. epochs 1..n). Non-finite
 * values leave a gap. */
export interface Series {
  name: string;
  values: readonly number[];
  x?: readonly number[];
}

export interface PlotOptions {
  width?: number;
  height?: number;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Integer font scale for title, axis labels and legend; tick labels use half of it. Default 2. */
  textScale?: number;
}

export interface ScatterOptions extends PlotOptions {
  /** Marker radius in pixels; default 2. */
  pointRadius?: number;
  /** Legend names for labels 0-9; default the digits themselves. */
  labelNames?: readonly string[];
}

/** The pixel rectangle that holds the data (inclusive of its edges). */
export interface PlotArea {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface Plot {
  canvas: Canvas;
  area: PlotArea;
  /** Data coordinates to (unrounded) pixel coordinates. */
  toPixel(x: number, y: number): [number, number];
}

/** A data range with its tick positions. */
export interface AxisScale {
  min: number;
  max: number;
  step: number;
  ticks: number[];
}

const FRAME: Rgb = [60, 60, 60];
const GRID: Rgb = [232, 232, 232];
const TEXT: Rgb = [30, 30, 30];

/** Range [lo, hi] padded by `pad` of its span, with ticks at multiples of a 1-2-5 step. */
export function niceScale(lo: number, hi: number, pad = 0.05, integer = false, target = 5): AxisScale {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    lo = 0;
    hi = 1;
  }
  // NOTE: a span below float resolution (a flat curve plus rounding noise) would give a step
  // smaller than an ulp of the values, hence no usable ticks: treat it as flat.
  if (!(hi - lo > 1e-9 * Math.max(Math.abs(lo), Math.abs(hi)) && hi - lo > 1e-290)) {
    // A flat range: widen it around the value so the line sits in the middle.
    const mid = (lo + hi) / 2;
    const half = Math.abs(mid) < 1e-290 ? 1 : Math.abs(mid) * 0.1;
    lo = mid - half;
    hi = mid + half;
  }
  const span = hi - lo;
  const min = lo - pad * span;
  const max = hi + pad * span;
  const raw = span / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  let step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  if (integer) step = Math.max(1, Math.round(step));
  const ticks: number[] = [];
  for (let k = Math.ceil(min / step); k * step <= max; k++) ticks.push(k * step);
  return { min, max, step, ticks };
}

/** Tick label with as many decimals as the step needs ("0.25", "-100", "1.5e+6"). */
export function formatTick(value: number, step: number): string {
  if (Math.abs(value) >= 1e6 || (step < 1e-4 && value !== 0)) return value.toExponential(1);
  const decimals = Math.min(6, Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
  const s = value.toFixed(decimals);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

interface FrameSpec {
  options: PlotOptions;
  xs: AxisScale;
  ys: AxisScale;
  /** Legend rows: colour, name, and whether the marker is a line (else a disc). */
  legend: { color: Rgb; name: string; line: boolean }[];
}

/** Draws everything but the data: background, grid, frame, ticks, labels, title, legend. */
function drawFrame({ options, xs, ys, legend }: FrameSpec): Plot {
  const width = options.width ?? 720;
  const height = options.height ?? 450;
  const s = Math.max(1, Math.round(options.textScale ?? 2));
  const ts = Math.max(1, Math.round(s / 2)); // tick labels
  const lineH = GLYPH_HEIGHT * s;
  const tickH = GLYPH_HEIGHT * ts;
  const pad = 4 * s;
  const tickLen = 4;
  const yTickLabels = ys.ticks.map((t) => formatTick(t, ys.step));
  const yTickW = Math.max(0, ...yTickLabels.map((l) => textWidth(l, ts)));
  const legendW = legend.length === 0 ? 0 : 2 * pad + 10 * s + Math.max(...legend.map((e) => textWidth(e.name, s)));

  const left = pad + (options.yLabel ? lineH + pad : 0) + yTickW + tickLen + 3;
  const top = pad + (options.title ? lineH + pad : 0) + tickH;
  const right = width - 1 - pad - legendW - tickH;
  const bottom = height - 1 - pad - (options.xLabel ? lineH + pad : 0) - tickH - tickLen - 3;
  const area: PlotArea = { left, top, width: right - left + 1, height: bottom - top + 1 };
  if (area.width < 16 || area.height < 16) {
    throw new RangeError(`plot: ${width}x${height} canvas leaves no room for the plot area`);
  }
  const toPixel = (x: number, y: number): [number, number] => [
    left + ((x - xs.min) / (xs.max - xs.min)) * (area.width - 1),
    bottom - ((y - ys.min) / (ys.max - ys.min)) * (area.height - 1),
  ];

  const canvas = new Canvas(width, height, WHITE);
  // Grid lines and ticks.
  for (const t of xs.ticks) {
    const px = Math.round(toPixel(t, ys.min)[0]);
    canvas.line(px, top, px, bottom, GRID);
    canvas.line(px, bottom + 1, px, bottom + tickLen, FRAME);
    const label = formatTick(t, xs.step);
    canvas.text(px - Math.floor(textWidth(label, ts) / 2), bottom + tickLen + 3, label, TEXT, ts);
  }
  yTickLabels.forEach((label, i) => {
    const py = Math.round(toPixel(xs.min, ys.ticks[i] as number)[1]);
    canvas.line(left, py, right, py, GRID);
    canvas.line(left - tickLen, py, left - 1, py, FRAME);
    canvas.text(left - tickLen - 3 - textWidth(label, ts), py - Math.floor(tickH / 2), label, TEXT, ts);
  });
  // Frame just outside the data area, so data pixels are never covered.
  canvas.line(left - 1, top - 1, right + 1, top - 1, FRAME);
  canvas.line(left - 1, bottom + 1, right + 1, bottom + 1, FRAME);
  canvas.line(left - 1, top - 1, left - 1, bottom + 1, FRAME);
  canvas.line(right + 1, top - 1, right + 1, bottom + 1, FRAME);

  if (options.title) canvas.text(Math.round((width - textWidth(options.title, s)) / 2), pad, options.title, TEXT, s);
  if (options.xLabel) {
    const x = left + Math.round((area.width - textWidth(options.xLabel, s)) / 2);
    canvas.text(x, height - pad - lineH, options.xLabel, TEXT, s);
  }
  if (options.yLabel) {
    const y = top + Math.round((area.height + textWidth(options.yLabel, s)) / 2);
    canvas.textVertical(pad, y, options.yLabel, TEXT, s);
  }
  // Legend, outside the plot area on the right.
  const lx = right + 1 + tickH + pad;
  legend.forEach((e, i) => {
    const y = top + pad + i * (lineH + pad);
    const cy = y + Math.floor(lineH / 2);
    if (e.line) canvas.line(lx + pad, cy, lx + pad + 6 * s, cy, e.color, 2);
    else canvas.fillCircle(lx + pad + 3 * s, cy, 2 * s, e.color);
    canvas.text(lx + pad + 10 * s, y, e.name, TEXT, s);
  });
  return { canvas, area, toPixel };
}

function finiteRange(values: Iterable<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** Training curves: one coloured line per series (tab10 order), markers when points are few. */
export function linePlot(series: readonly Series[], options: PlotOptions = {}): Plot {
  if (series.length === 0) throw new RangeError("linePlot: no series to plot");
  const xsOf = series.map((sr) => {
    if (sr.x === undefined) return sr.values.map((_, i) => i + 1);
    if (sr.x.length !== sr.values.length) {
      throw new RangeError(`linePlot: series "${sr.name}" has ${sr.values.length} values but ${sr.x.length} x positions`);
    }
    sr.x.forEach((v, i) => {
      if (!Number.isFinite(v)) throw new RangeError(`linePlot: series "${sr.name}" has non-finite x[${i}] = ${v}`);
    });
    return sr.x;
  });
  const [xlo, xhi] = finiteRange(xsOf.flat());
  const [ylo, yhi] = finiteRange(series.flatMap((sr) => sr.values));
  const integerX = xsOf.every((xs) => xs.every(Number.isInteger));
  const xs = niceScale(xlo, xhi, 0.02, integerX);
  const ys = niceScale(ylo, yhi, 0.05);
  const color = (i: number): Rgb => TAB10[i % TAB10.length] as Rgb;
  const legend = series.map((sr, i) => ({ color: color(i), name: sr.name, line: true }));
  const plot = drawFrame({ options, xs, ys, legend });

  series.forEach((sr, i) => {
    const xv = xsOf[i] as readonly number[];
    const markers = sr.values.length <= 40;
    let prev: [number, number] | null = null;
    sr.values.forEach((v, j) => {
      if (!Number.isFinite(v)) {
        prev = null;
        return;
      }
      const p = plot.toPixel(xv[j] as number, v);
      if (prev) plot.canvas.line(prev[0], prev[1], p[0], p[1], color(i), 2);
      if (markers || !prev) plot.canvas.fillSquare(p[0], p[1], markers ? 2 : 1, color(i));
      prev = p;
    });
  });
  return plot;
}

/** 2-D points (e.g. latent means, or a projection of them) coloured by integer label 0-9. */
export function scatterPlot(
  points: readonly (readonly [number, number])[],
  labels: ArrayLike<number>,
  options: ScatterOptions = {},
): Plot {
  if (labels.length !== points.length) {
    throw new RangeError(`scatterPlot: ${points.length} points but ${labels.length} labels`);
  }
  points.forEach(([x, y], i) => {
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw new RangeError(`scatterPlot: point ${i} is not finite: (${x}, ${y})`);
    const label = labels[i] as number;
    if (!Number.isInteger(label) || label < 0 || label > 9) {
      throw new RangeError(`scatterPlot: label ${i} must be an integer 0-9, got ${label}`);
    }
  });
  const names = options.labelNames ?? TAB10.map((_, k) => String(k));
  const present = [...new Set(Array.from(labels))].sort((a, b) => a - b);
  const legend = present.map((k) => ({ color: TAB10[k] as Rgb, name: names[k] ?? String(k), line: false }));
  const xs = niceScale(...finiteRange(points.map((p) => p[0])), 0.05);
  const ys = niceScale(...finiteRange(points.map((p) => p[1])), 0.05);
  const plot = drawFrame({ options, xs, ys, legend });
  const radius = options.pointRadius ?? 2;
  points.forEach(([x, y], i) => {
    const [px, py] = plot.toPixel(x, y);
    plot.canvas.fillCircle(px, py, radius, TAB10[labels[i] as number] as Rgb);
  });
  return plot;
}

export interface HistogramOptions extends PlotOptions {
  /** Bins over the pooled range of all sets; default 40. */
  bins?: number;
}

/**
 * Overlaid histograms on shared bins, each set normalized to unit area (a density), so sets of
 * different sizes compare: one step outline per set, tab10 colours in order.
 */
export function histogramPlot(sets: readonly { name: string; values: ArrayLike<number> }[], options: HistogramOptions = {}): Plot {
  const bins = options.bins ?? 40;
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`histogramPlot: bins must be a positive integer, got ${bins}`);
  if (sets.length === 0) throw new RangeError("histogramPlot: no sets to plot");
  const [lo, hi] = finiteRange(sets.flatMap((set) => Array.from(set.values)));
  if (!(lo <= hi)) throw new RangeError("histogramPlot: no finite values");
  const width = hi > lo ? (hi - lo) / bins : 1;
  const densities = sets.map((set) => {
    const counts = new Float64Array(bins);
    let finite = 0;
    for (let i = 0; i < set.values.length; i++) {
      const v = set.values[i] as number;
      if (!Number.isFinite(v)) continue;
      const bin = Math.min(bins - 1, Math.floor((v - lo) / width));
      counts[bin] = (counts[bin] as number) + 1;
      finite++;
    }
    return Array.from(counts, (c) => c / (Math.max(1, finite) * width));
  });
  const xs = niceScale(lo, lo + bins * width, 0.02);
  const ys = niceScale(0, Math.max(...densities.flat()), 0.05);
  const color = (i: number): Rgb => TAB10[i % TAB10.length] as Rgb;
  const plot = drawFrame({ options, xs, ys: { ...ys, min: 0 }, legend: sets.map((set, i) => ({ color: color(i), name: set.name, line: true })) });
  densities.forEach((density, i) => {
    let [px, py] = plot.toPixel(lo, 0);
    density.forEach((d, b) => {
      const [x0, y] = plot.toPixel(lo + b * width, d);
      const [x1] = plot.toPixel(lo + (b + 1) * width, d);
      plot.canvas.line(px, py, x0, y, color(i), 2); // the riser from the previous bin
      plot.canvas.line(x0, y, x1, y, color(i), 2);
      [px, py] = [x1, y];
    });
    const [, base] = plot.toPixel(lo, 0);
    plot.canvas.line(px, py, px, base, color(i), 2);
  });
  return plot;
}
