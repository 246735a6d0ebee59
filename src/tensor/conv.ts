/**
 * The convolution kernels, one dispatch point for the family: float64 runs the readable loops
 * of `conv-direct.ts` (the oracle), float32 is lowered to one matrix product each (im2col +
 * gemm, so it runs on the wasm SIMD gemm and its threads when that path is active, else on
 * the plain-JS gemm; im2col and col2im, `conv-lowering.ts`, likewise run in wasm or JS).
 *
 * Lowering (frame and names of `conv-shape.ts`; P = N·outHeight·outWidth output pixels,
 * K = C·kH·kW taps, W the weight viewed as [O, K]):
 *   columns C [K, P]: row (c, i, j) holds tap (i, j) of channel c under every output pixel (im2col)
 *   forward        Y [O, P] = W · C (+ bias),            then [O, N, L] -> [N, O, L]
 *   input grad     dC [K, P] = Wᵀ · G,                  then scatter-added back (col2im; a bias first fills x)
 *   weight grad    dW [O, K] = G · Cᵀ
 * where G [O, P] is the output gradient with its batch and channel axes swapped. Rows of C run
 * along output rows, so im2col and col2im are tight loops over contiguous runs of pixels.
 */
import type { TypedArray } from "./dtype.js";
import { addInto } from "./elementwise.js";
import { gemm } from "./matmul.js";
import { checkSameDType, NDArray } from "./ndarray.js";
import { formatShape, ShapeError } from "./shape.js";
import { conv2dDirect, conv2dInputGradDirect, conv2dWeightGradDirect } from "./conv-direct.js";
import { col2imFresh, im2col, swapLeading } from "./conv-lowering.js";
import { inputShapeOf, outputShapeOf, weightShapeOf, type ConvGeometry } from "./conv-shape.js";

// Scratch for the columns and the swapped output gradient, reused across calls and grown on
// demand (JS is single-threaded and no kernel here calls another while one is in use). Every
// entry is written before it is read.
let columnScratch = new Float32Array(0);
let swapScratch = new Float32Array(0);

function scratch(which: "columns" | "swap", size: number): Float32Array {
  if (which === "columns") {
    if (columnScratch.length < size) columnScratch = new Float32Array(size);
    return columnScratch;
  }
  if (swapScratch.length < size) swapScratch = new Float32Array(size);
  return swapScratch;
}

function taps(g: ConvGeometry): number {
  return g.inChannels * g.kernelHeight * g.kernelWidth;
}

/**
 * Columns of about 2^18 floats (1 MiB) per slice of the batch: the gemm then reads C while it
 * is still in cache from im2col (whole-batch columns, up to 29 MiB for the conv VAE, measured
 * slower than the products themselves). NOTE: 2^18 rather than 2^17 halves the products per step
 * (each has twice the chunks to share between threads): the conv VAE step measured 1.08-1.09x
 * faster on 2 threads, 1.00-1.08x on 1 (in-process A/B runs of the bench step, 2026-12-03); 2^19 gained nothing on 2 threads.
 */
const SLICE_FLOATS = 2 ** 18;

/** `visit(first, count, slice)` for consecutive slices of the batch, `slice` the geometry of `count` examples. */
function forEachSlice(g: ConvGeometry, visit: (first: number, count: number, slice: ConvGeometry) => void): void {
  const perExample = taps(g) * g.outHeight * g.outWidth;
  const size = Math.max(1, Math.min(g.batch, Math.floor(SLICE_FLOATS / perExample)));
  for (let first = 0; first < g.batch; first += size) {
    const count = Math.min(size, g.batch - first);
    visit(first, count, { ...g, batch: count });
  }
}

/**
 * One pass over the batch's columns of x: with `w`, the convolution Y = W·C (without bias); with
 * `gy`, the weight gradient dW = Σ over slices of G·Cᵀ. Both at once build each slice's columns
 * once (the transposed convolution's backward needs both, from the same image).
 */
function columnProducts(x: Float32Array, w: Float32Array | null, gy: Float32Array | null, g: ConvGeometry): { y: Float32Array; gw: Float32Array } {
  const plane = g.outHeight * g.outWidth;
  const inSize = g.inChannels * g.inHeight * g.inWidth;
  const y = new Float32Array(w ? g.batch * g.outChannels * plane : 0);
  const gw = new Float32Array(gy ? g.outChannels * taps(g) : 0);
  const part = new Float32Array(gw.length);
  forEachSlice(g, (first, count, slice) => {
    const columns = scratch("columns", taps(g) * count * plane);
    im2col(x.subarray(first * inSize, (first + count) * inSize), columns, slice);
    if (w) {
      const product = scratch("swap", g.outChannels * count * plane);
      gemm(g.outChannels, count * plane, taps(g), w, 0, false, columns, 0, false, product, 0);
      swapLeading(product, g.outChannels, count, plane, y.subarray(first * g.outChannels * plane));
    }
    if (gy) {
      const grads = gy.subarray(first * g.outChannels * plane, (first + count) * g.outChannels * plane);
      const swapped = swapLeading(grads, count, g.outChannels, plane, scratch("swap", grads.length));
      // The first slice stores, later ones add.
      const target = first === 0 ? gw : part;
      gemm(g.outChannels, taps(g), count * plane, swapped, 0, false, columns, 0, true, target, 0);
      if (target === part) addInto(gw, part);
    }
  });
  return { y, gw };
}

/**
 * dC = Wᵀ·G scattered back into x, slice by slice (col2imFresh: x starts as bias[c] on channel c
 * with a bias [C], else zeros, filled where col2im runs: in wasm, x is not copied in).
 */
function inputGradLowered(gy: Float32Array, w: Float32Array, g: ConvGeometry, bias: Float32Array | undefined): Float32Array {
  const plane = g.outHeight * g.outWidth;
  const inSize = g.inChannels * g.inHeight * g.inWidth;
  const gx = new Float32Array(g.batch * inSize);
  forEachSlice(g, (first, count, slice) => {
    const part = gy.subarray(first * g.outChannels * plane, (first + count) * g.outChannels * plane);
    const swapped = swapLeading(part, count, g.outChannels, plane, scratch("swap", part.length));
    const dColumns = scratch("columns", taps(g) * count * plane);
    gemm(taps(g), count * plane, g.outChannels, w, 0, true, swapped, 0, false, dColumns, 0);
    col2imFresh(dColumns, gx.subarray(first * inSize, (first + count) * inSize), slice, bias);
  });
  return gx;
}

function expectShape(op: string, what: string, array: NDArray, shape: readonly number[]): void {
  const same = array.rank === shape.length && array.shape.every((d, i) => d === shape[i]);
  if (!same) throw new ShapeError(`${op}: ${what} must have shape ${formatShape(shape)}, got ${formatShape(array.shape)}`);
}

/** The convolution's output for its input x, weight w and optional bias [O]. */
export function conv2dForward(x: NDArray, w: NDArray, bias: NDArray | undefined, g: ConvGeometry): NDArray {
  checkSameDType("conv2d", x, w, ...(bias ? [bias] : []));
  expectShape("conv2d", "input", x, inputShapeOf(g));
  expectShape("conv2d", "weight", w, weightShapeOf(g));
  if (bias) expectShape("conv2d", "bias", bias, [g.outChannels]);
  if (x.data instanceof Float32Array && w.data instanceof Float32Array && (!bias || bias.data instanceof Float32Array)) {
    const { y } = columnProducts(x.data, w.data, null, g);
    if (bias) addPerChannel(y, bias.data, g.batch, g.outChannels, g.outHeight * g.outWidth);
    return new NDArray(y, outputShapeOf(g));
  }
  return new NDArray(conv2dDirect(x.data, w.data, bias?.data, g), outputShapeOf(g));
}

/**
 * dL/d(input) of the convolution for dL/d(output) gy; also the forward of the transposed
 * convolution (its input is gy), which adds its bias [C] per channel of the result.
 */
export function conv2dInputGrad(gy: NDArray, w: NDArray, g: ConvGeometry, bias?: NDArray): NDArray {
  checkSameDType("convTranspose2d", gy, w, ...(bias ? [bias] : []));
  expectShape("convTranspose2d", "input", gy, outputShapeOf(g));
  expectShape("convTranspose2d", "weight", w, weightShapeOf(g));
  if (bias) expectShape("convTranspose2d", "bias", bias, [g.inChannels]);
  if (gy.data instanceof Float32Array && w.data instanceof Float32Array && (!bias || bias.data instanceof Float32Array)) {
    return new NDArray(inputGradLowered(gy.data, w.data, g, bias?.data as Float32Array | undefined), inputShapeOf(g));
  }
  const data = conv2dInputGradDirect(gy.data, w.data, g);
  if (bias) addPerChannel(data, bias.data, g.batch, g.inChannels, g.inHeight * g.inWidth);
  return new NDArray(data, inputShapeOf(g));
}

/** dL/d(weight) of the convolution, from its input x and dL/d(output) gy. */
export function conv2dWeightGrad(x: NDArray, gy: NDArray, g: ConvGeometry): NDArray {
  checkSameDType("conv2d weight gradient", x, gy);
  expectShape("conv2d weight gradient", "input", x, inputShapeOf(g));
  expectShape("conv2d weight gradient", "output gradient", gy, outputShapeOf(g));
  const data = x.data instanceof Float32Array && gy.data instanceof Float32Array
    ? columnProducts(x.data, null, gy.data, g).gw
    : conv2dWeightGradDirect(x.data, gy.data, g);
  return new NDArray(data, weightShapeOf(g));
}

/**
 * The convolution of x with w (no bias) and dL/d(weight) for dL/d(output) gy, each when asked
 * for: the same results as conv2dForward and conv2dWeightGrad, with x's columns built once for
 * both (the transposed convolution's backward, whose x is its output gradient).
 */
export function conv2dAndWeightGrad(x: NDArray, w: NDArray, gy: NDArray, g: ConvGeometry, output: boolean, weight: boolean): [NDArray | null, NDArray | null] {
  const float32 = [x, w, gy].every((a) => a.data instanceof Float32Array);
  if (!(output && weight && float32)) {
    return [output ? conv2dForward(x, w, undefined, g) : null, weight ? conv2dWeightGrad(x, gy, g) : null];
  }
  checkSameDType("conv2d", x, w, gy);
  expectShape("conv2d", "input", x, inputShapeOf(g));
  expectShape("conv2d", "weight", w, weightShapeOf(g));
  expectShape("conv2d weight gradient", "output gradient", gy, outputShapeOf(g));
  const { y, gw } = columnProducts(x.data as Float32Array, w.data as Float32Array, gy.data as Float32Array, g);
  return [new NDArray(y, outputShapeOf(g)), new NDArray(gw, weightShapeOf(g))];
}

function addPerChannel(data: TypedArray, bias: TypedArray, batch: number, channels: number, plane: number): void {
  for (let n = 0, at = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const b = bias[c] as number;
      for (let p = 0; p < plane; p++, at++) data[at] = (data[at] as number) + b;
    }
  }
}
