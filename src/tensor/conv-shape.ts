/**
 * The geometry of a 2-D convolution (NCHW, dilation 1, groups 1) and of its transpose, with
 * PyTorch's output sizes and argument checks.
 *
 * Both ops are described in the frame of the convolution: `input` is the large image
 * [batch, inChannels, inHeight, inWidth] and `output` the small one [batch, outChannels,
 * outHeight, outWidth], with outHeight = floor((inHeight + 2·padH - kernelHeight) / strideH) + 1.
 * conv2d maps input to output with a weight [outChannels, inChannels, kH, kW]; convTranspose2d
 * maps output back to input (its own input is the convolution's output) with the same weight,
 * which PyTorch stores as [in, out, kH, kW] from the transpose's side: the same array.
 * Also what the JS and wasm lowerings share: the taps' inside ranges, and the per-channel fill
 * that col2imFresh starts from.
 */
import { formatShape, ShapeError, type Shape } from "./shape.js";

/** A size per spatial axis: one number for both, or [height, width]. */
export type Pair = number | readonly [number, number];

export interface Conv2dOptions {
  /** Step between windows (default 1). */
  stride?: Pair;
  /** Zeros added on each side of the input (default 0). */
  padding?: Pair;
}

export interface ConvTranspose2dOptions extends Conv2dOptions {
  /** Extra rows/columns on the bottom/right of the output, to pick among the sizes a stride allows (default 0; less than the stride). */
  outputPadding?: Pair;
}

export interface ConvGeometry {
  readonly batch: number;
  readonly inChannels: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly outChannels: number;
  readonly outHeight: number;
  readonly outWidth: number;
  readonly kernelHeight: number;
  readonly kernelWidth: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padH: number;
  readonly padW: number;
}

function pair(op: string, name: string, value: Pair | undefined, fallback: number, min: number): [number, number] {
  const [h, w] = value === undefined ? [fallback, fallback] : typeof value === "number" ? [value, value] : value;
  for (const v of [h, w]) {
    if (!Number.isInteger(v) || v < min) throw new RangeError(`${op}: ${name} must be an integer >= ${min} (or a pair of them), got ${JSON.stringify(value)}`);
  }
  return [h, w];
}

function rank4(op: string, what: string, shape: Shape, layout: string, describe: string): [number, number, number, number] {
  if (shape.length !== 4) throw new ShapeError(`${op}: ${what} must be 4-D ${layout}, got ${formatShape(shape)} (${describe})`);
  return shape as unknown as [number, number, number, number];
}

/** conv2d of x [N, C, H, W] with weight [O, C, kH, kW]. */
export function conv2dGeometry(xShape: Shape, weightShape: Shape, options: Conv2dOptions = {}): ConvGeometry {
  const op = "conv2d";
  const describe = `input ${formatShape(xShape)}, weight ${formatShape(weightShape)}`;
  const [batch, inChannels, inHeight, inWidth] = rank4(op, "input", xShape, "[batch, channels, height, width]", describe);
  const [outChannels, weightIn, kernelHeight, kernelWidth] = rank4(op, "weight", weightShape, "[out_channels, in_channels, kH, kW]", describe);
  if (weightIn !== inChannels) throw new ShapeError(`${op}: weight expects ${weightIn} input channels, input has ${inChannels} (${describe})`);
  const [strideH, strideW] = pair(op, "stride", options.stride, 1, 1);
  const [padH, padW] = pair(op, "padding", options.padding, 0, 0);
  if (kernelHeight < 1 || kernelWidth < 1) throw new ShapeError(`${op}: kernel must be at least 1x1 (${describe})`);
  const paddedH = inHeight + 2 * padH;
  const paddedW = inWidth + 2 * padW;
  if (kernelHeight > paddedH || kernelWidth > paddedW) {
    throw new ShapeError(`${op}: kernel ${kernelHeight}x${kernelWidth} is larger than the padded input ${paddedH}x${paddedW} (${describe}, padding ${padH},${padW})`);
  }
  const outHeight = Math.floor((paddedH - kernelHeight) / strideH) + 1;
  const outWidth = Math.floor((paddedW - kernelWidth) / strideW) + 1;
  return { batch, inChannels, inHeight, inWidth, outChannels, outHeight, outWidth, kernelHeight, kernelWidth, strideH, strideW, padH, padW };
}

/**
 * convTranspose2d of x [N, Cin, H, W] with weight [Cin, Cout, kH, kW]: output
 * [N, Cout, (H - 1)·stride - 2·padding + k + outputPadding, ...], as torch.nn.functional.conv_transpose2d.
 */
export function convTranspose2dGeometry(xShape: Shape, weightShape: Shape, options: ConvTranspose2dOptions = {}): ConvGeometry {
  const op = "convTranspose2d";
  const describe = `input ${formatShape(xShape)}, weight ${formatShape(weightShape)}`;
  const [batch, channels, height, width] = rank4(op, "input", xShape, "[batch, channels, height, width]", describe);
  const [weightIn, outChannels, kernelHeight, kernelWidth] = rank4(op, "weight", weightShape, "[in_channels, out_channels, kH, kW]", describe);
  if (weightIn !== channels) throw new ShapeError(`${op}: weight expects ${weightIn} input channels, input has ${channels} (${describe})`);
  const [strideH, strideW] = pair(op, "stride", options.stride, 1, 1);
  const [padH, padW] = pair(op, "padding", options.padding, 0, 0);
  const [extraH, extraW] = pair(op, "outputPadding", options.outputPadding, 0, 0);
  if (extraH >= strideH || extraW >= strideW) {
    throw new RangeError(`${op}: outputPadding (${extraH},${extraW}) must be smaller than the stride (${strideH},${strideW}) (${describe})`);
  }
  if (kernelHeight < 1 || kernelWidth < 1) throw new ShapeError(`${op}: kernel must be at least 1x1 (${describe})`);
  const outHeight = (height - 1) * strideH - 2 * padH + kernelHeight + extraH;
  const outWidth = (width - 1) * strideW - 2 * padW + kernelWidth + extraW;
  if (outHeight < 1 || outWidth < 1) {
    throw new ShapeError(`${op}: output would be ${outHeight}x${outWidth}; padding ${padH},${padW} is too large (${describe}, stride ${strideH},${strideW})`);
  }
  // In the convolution's frame the transpose's output is the input image and its input the output.
  return {
    batch,
    inChannels: outChannels,
    inHeight: outHeight,
    inWidth: outWidth,
    outChannels: channels,
    outHeight: height,
    outWidth: width,
    kernelHeight,
    kernelWidth,
    strideH,
    strideW,
    padH,
    padW,
  };
}

export function inputShapeOf(g: ConvGeometry): number[] {
  return [g.batch, g.inChannels, g.inHeight, g.inWidth];
}

export function outputShapeOf(g: ConvGeometry): number[] {
  return [g.batch, g.outChannels, g.outHeight, g.outWidth];
}

export function weightShapeOf(g: ConvGeometry): number[] {
  return [g.outChannels, g.inChannels, g.kernelHeight, g.kernelWidth];
}

/** The output positions [first, end) along one axis whose tap j reads inside the input: 0 ≤ o·stride - pad + j < inSize. */
export function insideRange(j: number, stride: number, pad: number, inSize: number, outSize: number): [number, number] {
  const first = Math.min(outSize, Math.max(0, Math.ceil((pad - j) / stride)));
  return [first, Math.max(first, Math.min(outSize, Math.floor((inSize - 1 + pad - j) / stride) + 1))];
}

/**
 * x[n, c, :] = bias[c], or 0 without a bias (a native fill per plane: the planes are hundreds of
 * floats long); x is [batch, channels, plane] from `start`.
 */
export function fillPerChannel(x: Float32Array, bias: Float32Array | undefined, batch: number, channels: number, plane: number, start = 0): void {
  if (bias && bias.length !== channels) throw new RangeError(`col2imFresh: a bias needs one value per channel, ${channels}, got ${bias.length}`);
  if (!bias) {
    x.fill(0, start, start + batch * channels * plane);
    return;
  }
  for (let n = 0, at = start; n < batch; n++) {
    for (let c = 0; c < channels; c++, at += plane) x.fill(bias[c] as number, at, at + plane);
  }
}
