/**
 * How a tensor prints, the way `torch` prints one: `tensor([[ 0.5000, -1.2500], ...])`, values
 * right-aligned to one width, 4 decimals (scientific when the magnitudes need it, `1.` when all
 * are integers), and tensors over 1000 elements summarized with the first and last 3 entries of
 * each axis around a `...`.
 */
import type { DType, Shape, TypedArray } from "../tensor/index.js";

/** Tensors larger than this are summarized (torch's `threshold`). */
const THRESHOLD = 1000;
/** Entries kept at each end of a summarized axis (torch's `edgeitems`). */
const EDGE_ITEMS = 3;

export interface FormatOptions {
  dtype: DType;
  /** Shown as `requiresGrad=true` (a leaf) or `gradFn=<op>` (the op that made it). */
  requiresGrad: boolean;
  gradFn: string | null;
}

/** The flat indices that get printed: all of them, or the edges of every axis when summarizing. */
function shownIndices(shape: Shape, summarize: boolean): number[] {
  const out: number[] = [];
  const visit = (axis: number, offset: number, stride: number): void => {
    if (axis === shape.length) return void out.push(offset);
    const dim = shape[axis] as number;
    const inner = stride / dim;
    for (const i of axisEntries(dim, summarize)) if (i >= 0) visit(axis + 1, offset + i * inner, inner);
  };
  visit(0, 0, shape.reduce((a, b) => a * b, 1));
  return out;
}

/** The entries of an axis to print; -1 stands for the `...`. */
function axisEntries(dim: number, summarize: boolean): number[] {
  const all = Array.from({ length: dim }, (_, i) => i);
  if (!summarize || dim <= 2 * EDGE_ITEMS) return all;
  return [...all.slice(0, EDGE_ITEMS), -1, ...all.slice(dim - EDGE_ITEMS)];
}

/** A formatter for the shown values: integer, fixed (4 decimals) or scientific, as torch chooses. */
function valueFormatter(values: readonly number[]): (v: number) => string {
  const finite = values.filter(Number.isFinite);
  const special = (v: number): string | null => (Number.isNaN(v) ? "nan" : v === Infinity ? "inf" : v === -Infinity ? "-inf" : null);
  if (finite.every(Number.isInteger)) return (v) => special(v) ?? `${Object.is(v, -0) ? "-0" : v.toFixed(0)}.`;
  const magnitudes = finite.map(Math.abs).filter((v) => v > 0);
  const big = Math.max(0, ...magnitudes);
  const small = Math.min(Infinity, ...magnitudes);
  const scientific = big >= 1e8 || small < 1e-4 || big / small > 1000;
  return (v) => special(v) ?? (scientific ? v.toExponential(4).replace(/e([+-])(\d)$/, "e$10$2") : v.toFixed(4));
}

/** The text of `data` of `shape`, as torch prints it. */
export function formatTensor(data: TypedArray, shape: Shape, options: FormatOptions): string {
  const size = data.length;
  const summarize = size > THRESHOLD;
  const shown = shownIndices(shape, summarize).map((i) => data[i] as number);
  const format = valueFormatter(shown);
  const width = Math.max(0, ...shown.map((v) => format(v).length));
  const prefix = "tensor(";
  const strides = shape.map((_, axis) => shape.slice(axis + 1).reduce((a, b) => a * b, 1));
  const render = (axis: number, offset: number, indent: number): string => {
    if (axis === shape.length) return format(data[offset] as number).padStart(width);
    const parts = axisEntries(shape[axis] as number, summarize).map((i) => (i < 0 ? "..." : render(axis + 1, offset + i * (strides[axis] as number), indent + 1)));
    const separator = axis === shape.length - 1 ? ", " : `,${"\n".repeat(shape.length - axis - 1)}${" ".repeat(indent + 1)}`;
    return `[${parts.join(separator)}]`;
  };
  let body = size === 0 ? "[]" : render(0, 0, prefix.length);
  if (size === 0 && shape.length !== 1) body += `, size=[${shape.join(", ")}]`;
  const extras = [
    options.dtype === "float32" ? null : `dtype=${options.dtype}`,
    options.gradFn !== null ? `gradFn=<${options.gradFn}>` : options.requiresGrad ? "requiresGrad=true" : null,
  ].filter((e) => e !== null);
  return `${prefix}${body}${extras.map((e) => `, ${e}`).join("")})`;
}
