/**
 * The convolution's lowering to a matrix product (see `conv.ts` for the frame): im2col copies
 * the windows of x into columns C [C·kH·kW, N·outH·outW], col2im is its adjoint. The plain-JS
 * loops here are the oracle; `wasm/conv.ts` has the same loops in WebAssembly, with their bits,
 * and `im2col` / `col2imFresh` (col2im into x filled with a bias or zeros, which is how the
 * convolutions use it) run whichever the active path is. Likewise the batch and channel swap
 * around the products (`swapLeading`).
 */
import { activeWasmConv } from "./backend.js";
import { fillPerChannel, insideRange, type ConvGeometry } from "./conv-shape.js";

/**
 * Visits every run of C, one output row (n, oh) of one tap (c, i, j), in C's order:
 * `visit(base, at, first, end)`, where base is the run's first entry in C, [first, end) its
 * columns that read inside x and `at` the pixel of x that column `first` reads, or -1 when the
 * tap's input row lies outside x.
 */
function forEachRun(g: ConvGeometry, visit: (base: number, at: number, first: number, end: number) => void): void {
  const { batch, inChannels, inHeight, inWidth, outHeight, outWidth, kernelHeight, kernelWidth, strideH, strideW, padH, padW } = g;
  const plane = outHeight * outWidth;
  const pixels = batch * plane;
  for (let c = 0; c < inChannels; c++) {
    for (let i = 0; i < kernelHeight; i++) {
      for (let j = 0; j < kernelWidth; j++) {
        const row = ((c * kernelHeight + i) * kernelWidth + j) * pixels;
        const [first, end] = insideRange(j, strideW, padW, inWidth, outWidth);
        for (let n = 0; n < batch; n++) {
          for (let oh = 0; oh < outHeight; oh++) {
            const ih = oh * strideH - padH + i;
            const base = row + n * plane + oh * outWidth;
            const inside = ih >= 0 && ih < inHeight;
            visit(base, inside ? ((n * inChannels + c) * inHeight + ih) * inWidth - padW + j + first * strideW : -1, first, end);
          }
        }
      }
    }
  }
}

/** C[(c, i, j), (n, oh, ow)] = x[n, c, oh·sH - pH + i, ow·sW - pW + j], zero outside x (im2col). */
export function im2colJs(x: Float32Array, columns: Float32Array, g: ConvGeometry): void {
  const { outWidth, strideW } = g;
  forEachRun(g, (base, at, first, end) => {
    // NOTE: plain loops, not fill(): runs are a few pixels long and a builtin call per run cost more than the copy.
    if (at < 0) {
      for (let ow = 0; ow < outWidth; ow++) columns[base + ow] = 0;
      return;
    }
    let ow = 0;
    for (; ow < first; ow++) columns[base + ow] = 0;
    for (; ow < end; ow++, at += strideW) columns[base + ow] = x[at] as number;
    for (; ow < outWidth; ow++) columns[base + ow] = 0;
  });
}

/** The adjoint of im2col (col2im): each entry of C is added to the pixel of x it was read from. */
export function col2imJs(columns: Float32Array, x: Float32Array, g: ConvGeometry): void {
  forEachRun(g, (base, at, first, end) => {
    if (at < 0) return;
    for (let ow = first; ow < end; ow++, at += g.strideW) x[at] = (x[at] as number) + (columns[base + ow] as number);
  });
}

/** im2col on the active path: wasm when it is, else the JS loops of im2colJs (bit-identical). */
export function im2col(x: Float32Array, columns: Float32Array, g: ConvGeometry): void {
  const wasm = activeWasmConv();
  if (wasm) wasm.im2col(x, columns, g);
  else im2colJs(x, columns, g);
}

/**
 * x = bias[c] on channel c (zeros without a bias), then col2imJs: the transposed convolution's
 * output, or an input gradient, built in x whatever it held. `bias` has one value per channel of x.
 */
export function col2imFreshJs(columns: Float32Array, x: Float32Array, g: ConvGeometry, bias: Float32Array | undefined): void {
  fillPerChannel(x, bias, g.batch, g.inChannels, g.inHeight * g.inWidth);
  col2imJs(columns, x, g);
}

/** col2imFreshJs on the active path: the wasm module fills its own copy of x, so x is not copied in. */
export function col2imFresh(columns: Float32Array, x: Float32Array, g: ConvGeometry, bias: Float32Array | undefined): void {
  const wasm = activeWasmConv();
  if (wasm) wasm.col2imFresh(columns, x, g, bias);
  else col2imFreshJs(columns, x, g, bias);
}

/** [A, B, L] -> [B, A, L]: the first a·b·run entries of src with their two leading axes swapped, into dest; runs of L copied whole. */
export function swapLeadingJs(src: Float32Array, a: number, b: number, run: number, dest: Float32Array): Float32Array {
  for (let i = 0; i < a; i++) {
    for (let k = 0; k < b; k++) dest.set(src.subarray((i * b + k) * run, (i * b + k + 1) * run), (k * a + i) * run);
  }
  return dest;
}

/** swapLeading on the active path: wasm when it is, else swapLeadingJs (the same bits: a copy). */
export function swapLeading(src: Float32Array, a: number, b: number, run: number, dest: Float32Array): Float32Array {
  const wasm = activeWasmConv();
  return wasm ? wasm.swapLeading(src, a, b, run, dest) : swapLeadingJs(src, a, b, run, dest);
}
