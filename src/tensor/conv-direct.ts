/**
 * The readable convolution kernels: plain nested loops over NCHW arrays, the oracle for the
 * lowered (im2col + gemm) ones in `conv.ts`, and the path float64 takes. Each sum runs in a
 * JavaScript number (float64) and is rounded once on store.
 *
 * In the frame of `conv-shape.ts`, with x the input image, w the weight [O, C, kH, kW] and
 * y the output: y[n,o,oh,ow] = Σ_{c,i,j} w[o,c,i,j] · x[n, c, oh·sH - pH + i, ow·sW - pW + j],
 * where positions outside x read as zero (the padding).
 */
import { allocate, type TypedArray } from "./dtype.js";
import type { ConvGeometry } from "./conv-shape.js";

/** y = conv(x, w) (+ bias[o] on channel o). */
export function conv2dDirect(x: TypedArray, w: TypedArray, bias: TypedArray | undefined, g: ConvGeometry): TypedArray {
  const y = allocate(x instanceof Float64Array ? "float64" : "float32", g.batch * g.outChannels * g.outHeight * g.outWidth);
  let at = 0;
  for (let n = 0; n < g.batch; n++) {
    for (let o = 0; o < g.outChannels; o++) {
      for (let oh = 0; oh < g.outHeight; oh++) {
        for (let ow = 0; ow < g.outWidth; ow++) {
          let sum = bias ? (bias[o] as number) : 0;
          for (let c = 0; c < g.inChannels; c++) {
            for (let i = 0; i < g.kernelHeight; i++) {
              const ih = oh * g.strideH - g.padH + i;
              if (ih < 0 || ih >= g.inHeight) continue;
              for (let j = 0; j < g.kernelWidth; j++) {
                const iw = ow * g.strideW - g.padW + j;
                if (iw < 0 || iw >= g.inWidth) continue;
                sum += (w[((o * g.inChannels + c) * g.kernelHeight + i) * g.kernelWidth + j] as number) *
                  (x[((n * g.inChannels + c) * g.inHeight + ih) * g.inWidth + iw] as number);
              }
            }
          }
          y[at++] = sum;
        }
      }
    }
  }
  return y;
}

/**
 * dL/dx for dL/dy = gy: every input pixel gathers w[o,c,i,j]·gy[n,o,oh,ow] from each output
 * window that covered it (the transposed convolution of gy with w).
 */
export function conv2dInputGradDirect(gy: TypedArray, w: TypedArray, g: ConvGeometry): TypedArray {
  const gx = allocate(gy instanceof Float64Array ? "float64" : "float32", g.batch * g.inChannels * g.inHeight * g.inWidth);
  let at = 0;
  for (let n = 0; n < g.batch; n++) {
    for (let c = 0; c < g.inChannels; c++) {
      for (let ih = 0; ih < g.inHeight; ih++) {
        for (let iw = 0; iw < g.inWidth; iw++) {
          let sum = 0;
          for (let i = 0; i < g.kernelHeight; i++) {
            // ih = oh·sH - pH + i: only rows where oh is a whole number in range contribute.
            const rowStep = ih + g.padH - i;
            if (rowStep < 0 || rowStep % g.strideH !== 0) continue;
            const oh = rowStep / g.strideH;
            if (oh >= g.outHeight) continue;
            for (let j = 0; j < g.kernelWidth; j++) {
              const colStep = iw + g.padW - j;
              if (colStep < 0 || colStep % g.strideW !== 0) continue;
              const ow = colStep / g.strideW;
              if (ow >= g.outWidth) continue;
              for (let o = 0; o < g.outChannels; o++) {
                sum += (w[((o * g.inChannels + c) * g.kernelHeight + i) * g.kernelWidth + j] as number) *
                  (gy[((n * g.outChannels + o) * g.outHeight + oh) * g.outWidth + ow] as number);
              }
            }
          }
          gx[at++] = sum;
        }
      }
    }
  }
  return gx;
}

/** dL/dw[o,c,i,j] = Σ_{n,oh,ow} gy[n,o,oh,ow] · x[n, c, oh·sH - pH + i, ow·sW - pW + j]. */
export function conv2dWeightGradDirect(x: TypedArray, gy: TypedArray, g: ConvGeometry): TypedArray {
  const gw = allocate(x instanceof Float64Array ? "float64" : "float32", g.outChannels * g.inChannels * g.kernelHeight * g.kernelWidth);
  let at = 0;
  for (let o = 0; o < g.outChannels; o++) {
    for (let c = 0; c < g.inChannels; c++) {
      for (let i = 0; i < g.kernelHeight; i++) {
        for (let j = 0; j < g.kernelWidth; j++) {
          let sum = 0;
          for (let n = 0; n < g.batch; n++) {
            for (let oh = 0; oh < g.outHeight; oh++) {
              const ih = oh * g.strideH - g.padH + i;
              if (ih < 0 || ih >= g.inHeight) continue;
              for (let ow = 0; ow < g.outWidth; ow++) {
                const iw = ow * g.strideW - g.padW + j;
                if (iw < 0 || iw >= g.inWidth) continue;
                sum += (gy[((n * g.outChannels + o) * g.outHeight + oh) * g.outWidth + ow] as number) *
                  (x[((n * g.inChannels + c) * g.inHeight + ih) * g.inWidth + iw] as number);
              }
            }
          }
          gw[at++] = sum;
        }
      }
    }
  }
  return gw;
}
