/**
 * The convolution kernels, one dispatch point for the family: float64 runs the readable loops
 * of `conv-direct.ts` (the oracle), float32 is lowered to one matrix product each (im2col +
 * gemm, so it runs on the wasm SIMD gemm and its threads when that path is active, else on
 * the plain-JS gemm).
 *
 * Lowering (frame and names of `conv-shape.ts`; L = outHeight·outWidth, K = C·kH·kW):
 *   patches P [N·L, K]: row (n, oh, ow) holds the window of x under output pixel (oh, ow),
 *   forward        Yᵀ [N·L, O] = P · Wᵀ (+ bias on every row),   then [N, L, O] -> [N, O, L]
 *   input grad     dP [N·L, K] = Gᵀ · W,                         then scatter-added back (col2im)
 *   weight grad    dW [O, K]   = (Gᵀ)ᵀ · P
 * where W is the weight viewed as [O, K] and Gᵀ [N·L, O] the output gradient moved channel-last.
 */
import type { TypedArray } from "./dtype.js";
import { gemm } from "./matmul.js";
import { checkSameDType, NDArray } from "./ndarray.js";
import { formatShape, ShapeError } from "./shape.js";
import { conv2dDirect, conv2dInputGradDirect, conv2dWeightGradDirect } from "./conv-direct.js";
import { inputShapeOf, outputShapeOf, weightShapeOf, type ConvGeometry } from "./conv-shape.js";

function patchWidth(g: ConvGeometry): number {
  return g.inChannels * g.kernelHeight * g.kernelWidth;
}

/** P[(n·L + oh·outW + ow), (c·kH + i)·kW + j] = x[n, c, oh·sH - pH + i, ow·sW - pW + j], zero outside x. */
function im2col(x: Float32Array, g: ConvGeometry): Float32Array {
  const width = patchWidth(g);
  const patches = new Float32Array(g.batch * g.outHeight * g.outWidth * width);
  let row = 0;
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < g.outHeight; oh++) {
      for (let ow = 0; ow < g.outWidth; ow++, row += width) {
        let col = row;
        for (let c = 0; c < g.inChannels; c++) {
          const plane = (n * g.inChannels + c) * g.inHeight;
          for (let i = 0; i < g.kernelHeight; i++) {
            const ih = oh * g.strideH - g.padH + i;
            const inside = ih >= 0 && ih < g.inHeight;
            const base = (plane + ih) * g.inWidth;
            for (let j = 0; j < g.kernelWidth; j++, col++) {
              const iw = ow * g.strideW - g.padW + j;
              if (inside && iw >= 0 && iw < g.inWidth) patches[col] = x[base + iw] as number;
            }
          }
        }
      }
    }
  }
  return patches;
}

/** The adjoint of im2col: each patch entry is added back to the input pixel it was read from. */
function col2im(patches: Float32Array, g: ConvGeometry): Float32Array {
  const width = patchWidth(g);
  const x = new Float32Array(g.batch * g.inChannels * g.inHeight * g.inWidth);
  let row = 0;
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < g.outHeight; oh++) {
      for (let ow = 0; ow < g.outWidth; ow++, row += width) {
        let col = row;
        for (let c = 0; c < g.inChannels; c++) {
          const plane = (n * g.inChannels + c) * g.inHeight;
          for (let i = 0; i < g.kernelHeight; i++) {
            const ih = oh * g.strideH - g.padH + i;
            const inside = ih >= 0 && ih < g.inHeight;
            const base = (plane + ih) * g.inWidth;
            for (let j = 0; j < g.kernelWidth; j++, col++) {
              const iw = ow * g.strideW - g.padW + j;
              if (inside && iw >= 0 && iw < g.inWidth) x[base + iw] = (x[base + iw] as number) + (patches[col] as number);
            }
          }
        }
      }
    }
  }
  return x;
}

/** out[n, c, r] = src[n, r, c] for `batch` matrices of rows × cols. */
function transposeEach(src: Float32Array, batch: number, rows: number, cols: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let n = 0, base = 0; n < batch; n++, base += rows * cols) {
    for (let r = 0; r < rows; r++) {
      for (let c = 0, s = base + r * cols, d = base + r; c < cols; c++, s++, d += rows) out[d] = src[s] as number;
    }
  }
  return out;
}

function forwardLowered(x: Float32Array, w: Float32Array, bias: Float32Array | undefined, g: ConvGeometry): Float32Array {
  const rows = g.batch * g.outHeight * g.outWidth;
  const yT = new Float32Array(rows * g.outChannels);
  gemm(rows, g.outChannels, patchWidth(g), im2col(x, g), 0, false, w, 0, true, yT, 0, bias);
  return transposeEach(yT, g.batch, g.outHeight * g.outWidth, g.outChannels);
}

function inputGradLowered(gy: Float32Array, w: Float32Array, g: ConvGeometry): Float32Array {
  const rows = g.batch * g.outHeight * g.outWidth;
  const gyT = transposeEach(gy, g.batch, g.outChannels, g.outHeight * g.outWidth);
  const dPatches = new Float32Array(rows * patchWidth(g));
  gemm(rows, patchWidth(g), g.outChannels, gyT, 0, false, w, 0, false, dPatches, 0);
  return col2im(dPatches, g);
}

function weightGradLowered(x: Float32Array, gy: Float32Array, g: ConvGeometry): Float32Array {
  const rows = g.batch * g.outHeight * g.outWidth;
  const gyT = transposeEach(gy, g.batch, g.outChannels, g.outHeight * g.outWidth);
  const gw = new Float32Array(g.outChannels * patchWidth(g));
  gemm(g.outChannels, patchWidth(g), rows, gyT, 0, true, im2col(x, g), 0, false, gw, 0);
  return gw;
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
  const data = x.data instanceof Float32Array && w.data instanceof Float32Array && (!bias || bias.data instanceof Float32Array)
    ? forwardLowered(x.data, w.data, bias?.data as Float32Array | undefined, g)
    : conv2dDirect(x.data, w.data, bias?.data, g);
  return new NDArray(data, outputShapeOf(g));
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
  const data: TypedArray = gy.data instanceof Float32Array && w.data instanceof Float32Array
    ? inputGradLowered(gy.data, w.data, g)
    : conv2dInputGradDirect(gy.data, w.data, g);
  if (bias) addPerChannel(data, bias.data, g.batch, g.inChannels, g.inHeight * g.inWidth);
  return new NDArray(data, inputShapeOf(g));
}

/** dL/d(weight) of the convolution, from its input x and dL/d(output) gy. */
export function conv2dWeightGrad(x: NDArray, gy: NDArray, g: ConvGeometry): NDArray {
  checkSameDType("conv2d weight gradient", x, gy);
  expectShape("conv2d weight gradient", "input", x, inputShapeOf(g));
  expectShape("conv2d weight gradient", "output gradient", gy, outputShapeOf(g));
  const data = x.data instanceof Float32Array && gy.data instanceof Float32Array
    ? weightGradLowered(x.data, gy.data, g)
    : conv2dWeightGradDirect(x.data, gy.data, g);
  return new NDArray(data, weightShapeOf(g));
}

function addPerChannel(data: TypedArray, bias: TypedArray, batch: number, channels: number, plane: number): void {
  for (let n = 0, at = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const b = bias[c] as number;
      for (let p = 0; p < plane; p++, at++) data[at] = (data[at] as number) + b;
    }
  }
}
